"""What the browser posts to the settings pages, for the tests that post it by hand.

The main settings form has its own: ``settings_ui.presenters.settings_form_data``.
"""

from __future__ import annotations

BLANK_ROW = ("", "equals", "")


def inclusion_list_post(name: str, *rows: tuple[str, str, str], match: str = "all") -> dict:
    """*Create Inclusion List*: the name, and one condition row per (property, operator, value);
    a row of ``BLANK_ROW`` is one the user left empty."""
    data = {
        "name": name,
        "match": match,
        "conditions-TOTAL_FORMS": str(len(rows)),
        "conditions-INITIAL_FORMS": "0",
    }
    for index, (prop, operator, value) in enumerate(rows):
        data[f"conditions-{index}-property"] = prop
        data[f"conditions-{index}-operator"] = operator
        data[f"conditions-{index}-value"] = value
    return data
