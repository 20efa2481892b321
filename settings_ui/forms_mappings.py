"""The Field mappings page's forms: one row per hubsync property."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from connector.models import FieldMapping, IntegrationSettings, SyncRule
from connector.org_schema import org_fields
from connector.services.mappings import TEXT_TYPES, field_mapping_problems

NOT_MAPPED = ("", _("— not mapped —"))


class FieldMappingForm(forms.Form):
    """A property's Lead field, Contact field (from the org's describe) and sync rule."""

    lead_field = forms.ChoiceField(label=_("Lead field"), required=False)
    contact_field = forms.ChoiceField(label=_("Contact field"), required=False)
    sync_rule = forms.ChoiceField(label=_("Sync rule"), choices=SyncRule.choices)

    def __init__(
        self,
        data: Mapping[str, Any] | None = None,
        *,
        mapping: FieldMapping,
        integration_settings: IntegrationSettings,
        **kwargs: Any,
    ) -> None:
        self.mapping = mapping
        self.integration_settings = integration_settings
        initial = {
            "lead_field": mapping.lead_field,
            "contact_field": mapping.contact_field,
            "sync_rule": mapping.sync_rule,
        }
        super().__init__(data, initial=initial, prefix=mapping.hubsync_property, **kwargs)
        for object_type, name in (("Lead", "lead_field"), ("Contact", "contact_field")):
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            field.choices = self._choices(object_type, getattr(mapping, name))
        for field in self.fields.values():
            field.widget.attrs.update(
                {
                    "class": "form-select form-select-sm",
                    "aria-label": f"{mapping.hubsync_property}: {field.label}",
                }
            )

    def full_clean(self) -> None:
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                self.fields[name].widget.attrs["class"] += " is-invalid"

    def _choices(self, object_type: str, current: str) -> list[tuple[str, Any]]:
        """The org's fields (custom ones too): text fields first; the others listed with
        their type, refused on Save (a text property cannot go there). The current field
        stays listed even if the org no longer shows it."""
        if self.mapping.hubsync_property == "owner":
            # The contact owner goes to OwnerId through the user matches (Users page).
            return [NOT_MAPPED, ("OwnerId", _("Owner (OwnerId, through the user matches)"))]
        fields = org_fields(self.integration_settings, object_type) or []
        text = [f for f in fields if f["type"] in TEXT_TYPES]
        other = [f for f in fields if f["type"] not in TEXT_TYPES and f["type"] != "id"]
        choices: list[tuple[Any, Any]] = [NOT_MAPPED]
        choices += [(f["name"], f"{f['label']} ({f['name']})") for f in text]
        if other:
            choices.append(
                (
                    _("Not text (cannot hold a hubsync property)"),
                    [(f["name"], f"{f['label']} ({f['name']}, {f['type']})") for f in other],
                )
            )
        known = {f["name"] for f in fields}
        if current and current not in known:
            choices.append((current, current))
        return choices

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not cleaned.get("lead_field") and not cleaned.get("contact_field"):
            if cleaned.get("sync_rule") != SyncRule.DONT_SYNC:
                self.add_error(
                    None, _("Map the property to a Lead field, a Contact field or both.")
                )
            return cleaned
        for name, message in field_mapping_problems(
            self.integration_settings,
            hubsync_property=self.mapping.hubsync_property,
            lead_field=cleaned.get("lead_field", ""),
            contact_field=cleaned.get("contact_field", ""),
            sync_rule=cleaned.get("sync_rule", ""),
        ).items():
            self.add_error(name, message)
        return cleaned

    def changes(self) -> dict[str, str]:
        """The values that differ from the saved mapping."""
        return {
            name: self.cleaned_data[name]
            for name in ("lead_field", "contact_field", "sync_rule")
            if self.cleaned_data[name] != getattr(self.mapping, name)
        }
