"""The inclusion list's <select> is written in one pass, as Django would write it."""

from __future__ import annotations

import re

import pytest
from django import forms

from settings_ui.widgets import ManyOptionsSelect

CHOICES = [
    ("", "-- No Inclusion List --"),
    (1, "Leads & <customers>"),
    (2, "Quote \"this\" and 'that'"),
    (30, "Zürich"),
]


def _normalized(html: str) -> str:
    return re.sub(r">\s+<", "><", html.strip())


@pytest.mark.parametrize("value", [None, "", 2, "30", 999])
@pytest.mark.parametrize("attrs", [None, {"id": "id_inclusion_list", "required": True}])
def test_the_same_html_as_djangos_select(value, attrs):
    ours = ManyOptionsSelect(choices=CHOICES).render("inclusion_list", value, attrs)
    django = forms.Select(choices=CHOICES).render("inclusion_list", value, attrs)
    assert _normalized(ours) == _normalized(django)
    assert "&lt;customers&gt;" in ours and "<customers>" not in ours
