"""The settings import's field rules: the page's own forms, fed the document as a browser
would post it, so an import accepts exactly what the page accepts (same rules, same
messages). The document's shape, the export and the write are connector services
(connector/services/settings_io.py); this module only validates between them.
"""

from __future__ import annotations

from typing import Any

from connector.models import IntegrationSettings
from connector.services.acting_user import ActingUser
from connector.services.settings_io import (
    CREDENTIAL_SECRETS,
    CREDENTIAL_STRINGS,
    FORM_KEYS,
    SettingsImportError,
    settings_document_read,
    settings_import_apply,
)

from .forms import IntegrationSettingsForm
from .forms_credentials import CredentialsForm
from .presenters import settings_form_data


def settings_import(
    *, integration_settings: IntegrationSettings, data: Any, acting_user: ActingUser = None
) -> IntegrationSettings:
    """Validate ``data`` completely, then apply it at once; raises SettingsImportError.

    Keys that are missing keep their current value; null password or token keep
    the stored secret.
    """
    document = settings_document_read(integration_settings=integration_settings, data=data)
    errors = document.errors
    merged = document.merged
    settings_form = IntegrationSettingsForm(
        settings_form_data(
            integration_settings,
            **{
                **{key: merged[key] for key in FORM_KEYS},
                "inclusion_list": document.inclusion_list_id,
            },
        ),
        integration_settings=integration_settings,
        crm_enabled=document.crm_enabled,
    )
    if not settings_form.is_valid():
        for name, messages in settings_form.errors.items():
            errors += [f"{name}: {message}" for message in messages]
    credentials_form = None
    if document.credentials is not None:
        creds = document.credentials
        credentials_form = CredentialsForm(
            {
                "method": creds["method"] or "password",
                **{key: creds[key] or "" for key in CREDENTIAL_STRINGS},
                **({"sandbox": "on"} if creds["sandbox"] is True else {}),
            },
            integration_settings=integration_settings,
        )
        if not credentials_form.is_valid():
            for name, messages in credentials_form.errors.items():
                errors += [f"credentials.{name}: {message}" for message in messages]
    if errors:
        raise SettingsImportError(errors)
    assert credentials_form is not None  # credentials that are no object are an error above
    changed = credentials_form.has_changed() or any(
        credentials_form.cleaned_data[k] for k in CREDENTIAL_SECRETS
    )
    return settings_import_apply(
        integration_settings=integration_settings,
        document=document,
        settings_data=settings_form.settings_data(),
        credentials=credentials_form.credentials() if changed else None,
        acting_user=acting_user,
    )
