"""The Django admin's forms for the connector's settings: they present the rules of the
services (connector.services), so a value the settings page refuses is a field error here
too, never a 500 when the admin's save calls the service."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from .credentials.rules import PLAIN_FIELDS, integration_credentials_validate
from .models import FieldMapping, IntegrationSettings
from .selectors import integration_settings_get
from .services.mappings import field_mapping_validate
from .services.settings import SETTINGS_FIELDS, integration_settings_validate
from .validators import form_errors_add

# Credentials staff may edit here (form field → connector.credentials.methods.Credentials field).
CREDENTIAL_FIELDS = {column: name for name, column in PLAIN_FIELDS.items()}


class IntegrationSettingsAdminForm(forms.ModelForm):
    class Meta:
        model = IntegrationSettings
        # The admin lists its own (its fieldsets); these are what it may write.
        fields = ("site", "sync_enabled", "crm_enabled", *CREDENTIAL_FIELDS, *SETTINGS_FIELDS)

    def stored(self) -> IntegrationSettings:
        """The row as saved (``self.instance`` holds the posted values after validation)."""
        site = self.cleaned_data.get("site") or getattr(self.instance, "site", None)
        return integration_settings_get(site=site) if site else integration_settings_get()

    def _post_clean(self) -> None:
        # The model's own rules (validators, clean()) first.
        super()._post_clean()  # type: ignore[misc]  # django-stubs omits the private _post_clean
        changed, values = set(self.changed_data), self.cleaned_data
        stored = self.stored()
        settings_changed = {n: values[n] for n in SETTINGS_FIELDS if n in changed and n in values}
        credentials = {
            CREDENTIAL_FIELDS[n]: values[n]
            for n in CREDENTIAL_FIELDS
            if n in changed and n in values
        }
        try:
            integration_settings_validate(integration_settings=stored, data=settings_changed)
        except ValidationError as error:
            form_errors_add(self, error)
        try:
            integration_credentials_validate(integration_settings=stored, changes=credentials)
        except ValidationError as error:  # keyed by Credentials' names: the columns here
            form_errors_add(
                self,
                ValidationError(
                    {
                        PLAIN_FIELDS.get(name, name): errors
                        for name, errors in error.error_dict.items()
                    }
                ),
            )


class FieldMappingAdminForm(forms.ModelForm):
    class Meta:
        model = FieldMapping
        fields = ("hubsync_property", "lead_field", "contact_field", "sync_rule")

    def _post_clean(self) -> None:
        super()._post_clean()  # type: ignore[misc]  # django-stubs omits the private _post_clean
        if self.errors:
            return
        try:
            field_mapping_validate(mapping=self.instance)
        except ValidationError as error:
            form_errors_add(self, error)


def field_mapping_changelist_form(**kwargs: Any) -> type[forms.ModelForm]:
    return forms.modelform_factory(FieldMapping, form=FieldMappingAdminForm, **kwargs)
