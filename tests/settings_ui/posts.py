"""What the browser posts to the settings pages, for the tests that post it by hand."""

from __future__ import annotations

from typing import Any

from django.forms import CheckboxInput, MultipleChoiceField

from connector.models import IntegrationSettings
from connector.services.settings import SETTINGS_FIELDS
from settings_ui.forms import IntegrationSettingsForm

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


def settings_form_data(
    integration_settings: IntegrationSettings, **overrides: Any
) -> dict[str, Any]:
    """The main settings form as a browser posts it: the stored values, ``overrides`` applied.

    Checked checkboxes post "on" and unchecked ones are absent; activity types post
    a list; a value that is not set posts "".
    """
    values = {name: getattr(integration_settings, name) for name in SETTINGS_FIELDS}
    values["inclusion_list"] = integration_settings.inclusion_list_id
    values.update(overrides)
    data: dict[str, Any] = {}
    for name, value in values.items():
        field = IntegrationSettingsForm.base_fields[name]
        if isinstance(field.widget, CheckboxInput):
            if value:
                data[name] = "on"
        elif isinstance(field, MultipleChoiceField):
            data[name] = value if isinstance(value, list) else [value]
        elif value is None:
            data[name] = ""
        else:
            data[name] = value if isinstance(value, str) else str(value)
    return data
