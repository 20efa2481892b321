"""Settings as JSON: export, and an import that goes through the page's own forms and services.

The import validates everything first (the same forms as the page, so the same
rules and messages) and applies nothing unless all of it is valid.
"""

from __future__ import annotations

from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from connector.credentials.services import integration_credentials_update
from connector.models import IntegrationSettings
from connector.services.acting_user import ActingUser
from connector.services.campaign_links import (
    campaign_links_export,
    campaign_links_parse,
    campaign_links_replace,
)
from connector.services.owners import (
    user_mappings_export,
    user_mappings_parse,
    user_mappings_replace,
)
from connector.services.settings import (
    SETTINGS_FIELDS,
    integration_crm_set,
    integration_settings_update,
    integration_sync_set,
)
from marketing.json_bounds import JsonTooDeep, json_loads_bounded
from marketing.models import SmartList

from .forms import IntegrationSettingsForm
from .forms_credentials import SECRET_FIELDS, CredentialsForm
from .presenters import settings_form_data

BOOLEAN_KEYS = (
    "sync_enabled",
    "crm_enabled",
    "change_events",
    "opportunity_sync",
    "task_sync",
    "create_contact_from_lead",
    "create_contact_from_contact",
    "lead_assignment_rules",
    "lifecycle_transitions",
    "state_country_picklists",
    "delete_when_lead_deleted",
    "delete_when_contact_deleted",
)
RECORD_TYPE_KEYS = ("lead_record_type", "contact_record_type")
# The main form's fields, in the page's order.
FORM_KEYS = SETTINGS_FIELDS
# Owners and campaigns (issue 30): lists checked and written by their own services.
LIST_KEYS = ("user_mappings", "campaign_links")
TOP_KEYS = ("sync_enabled", "crm_enabled", "credentials", *FORM_KEYS, *LIST_KEYS)
# Secrets are never exported (null); null on import keeps the stored value.
CREDENTIAL_SECRETS = SECRET_FIELDS
CREDENTIAL_STRINGS = ("username", "my_domain", "consumer_key", *CREDENTIAL_SECRETS)
CREDENTIAL_KEYS = ("method", *CREDENTIAL_STRINGS, "sandbox")


#: Bounds of a settings document: an export is about 1 KB, two levels deep.
IMPORT_MAX_BYTES = 1024 * 1024
IMPORT_MAX_DEPTH = 10


class SettingsImportError(ValueError):
    """The JSON cannot be applied; ``errors`` lists every problem."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


def settings_json_read(stream: IO[bytes]) -> Any:
    """The JSON document in ``stream`` (UTF-8), read within the bounds; raises
    SettingsImportError (a ``ValueError``) with one line saying what is wrong."""
    raw = stream.read(IMPORT_MAX_BYTES + 1)
    if len(raw) > IMPORT_MAX_BYTES:
        raise SettingsImportError([_("larger than 1 MB; a settings export is a few kilobytes.")])
    try:
        return json_loads_bounded(raw.decode("utf-8"), max_depth=IMPORT_MAX_DEPTH)
    except JsonTooDeep:
        raise SettingsImportError(
            [
                _("nested deeper than %(depth)s levels; a settings export has two.")
                % {"depth": IMPORT_MAX_DEPTH}
            ]
        ) from None
    except ValueError as error:  # not UTF-8, or not JSON
        raise SettingsImportError(
            [_("not a JSON document (%(error)s).") % {"error": error}]
        ) from None


def settings_export(integration_settings: IntegrationSettings) -> dict[str, Any]:
    """Every setting, keyed as documented; password and token are never exported (null)."""
    data: dict[str, Any] = {
        "sync_enabled": integration_settings.sync_enabled,
        "crm_enabled": integration_settings.crm_enabled,
        "credentials": {
            "method": integration_settings.auth_method,
            "username": integration_settings.username,
            "password": None,
            "security_token": None,
            "sandbox": integration_settings.sandbox,
            "my_domain": integration_settings.my_domain or None,
            "consumer_key": integration_settings.consumer_key,
            "consumer_secret": None,
            "private_key": None,
        },
    }
    for key in FORM_KEYS:
        data[key] = getattr(integration_settings, key)
    for key in RECORD_TYPE_KEYS:  # a developer name, or null for the user's default
        data[key] = data[key] or None
    data["inclusion_list"] = (
        integration_settings.inclusion_list.name if integration_settings.inclusion_list else None
    )
    data["user_mappings"] = user_mappings_export()
    data["campaign_links"] = campaign_links_export()
    return data


def settings_import(
    *, integration_settings: IntegrationSettings, data: Any, acting_user: ActingUser = None
) -> IntegrationSettings:
    """Validate ``data`` completely, then apply it at once; raises SettingsImportError.

    Keys that are missing keep their current value; null password or token keep
    the stored secret.
    """
    if not isinstance(data, dict):
        raise SettingsImportError(["The settings must be a JSON object."])
    errors = [f"Unknown key “{key}”." for key in data if key not in TOP_KEYS]
    errors += [
        f"“{key}” must be true or false."
        for key in BOOLEAN_KEYS
        if key in data and not isinstance(data[key], bool)
    ]
    # The form reads what a browser posts (text): false would become the record type "False".
    errors += [
        f"“{key}” must be a string or null."
        for key in RECORD_TYPE_KEYS
        if data.get(key) is not None and not isinstance(data[key], str)
    ]
    current = settings_export(integration_settings)
    merged = {**current, **{k: v for k, v in data.items() if k in TOP_KEYS}}

    inclusion_list_id = None
    if merged["inclusion_list"] is not None:
        smart_list = (
            SmartList.objects.filter(name=merged["inclusion_list"]).first()
            if isinstance(merged["inclusion_list"], str)
            else None
        )
        if smart_list is None:
            errors.append(f"inclusion_list: no smart list named {merged['inclusion_list']!r}.")
        else:
            inclusion_list_id = smart_list.pk

    # The page's own form, fed as a browser would post it.
    form_data = settings_form_data(
        integration_settings,
        **{**{key: merged[key] for key in FORM_KEYS}, "inclusion_list": inclusion_list_id},
    )
    crm_enabled = merged["crm_enabled"] if isinstance(merged["crm_enabled"], bool) else False
    settings_form = IntegrationSettingsForm(
        form_data,
        integration_settings=integration_settings,
        crm_enabled=crm_enabled,
    )
    if not settings_form.is_valid():
        for field, messages in settings_form.errors.items():
            errors += [f"{field}: {message}" for message in messages]

    credentials = merged["credentials"]
    credentials_form = None
    if not isinstance(credentials, dict):
        errors.append("credentials: must be an object.")
    else:
        errors += [
            f"credentials: unknown key “{k}”." for k in credentials if k not in CREDENTIAL_KEYS
        ]
        if "sandbox" in credentials and not isinstance(credentials["sandbox"], bool):
            errors.append("credentials.sandbox: must be true or false.")
        errors += [
            f"credentials.{key}: must be a string or null."
            for key in (*CREDENTIAL_STRINGS, "method")
            if credentials.get(key) is not None and not isinstance(credentials[key], str)
        ]
        # An export from before the login methods (username, password, token, sandbox, no
        # method) is the password method; a partial object keeps the stored method.
        before_methods = "method" not in credentials and {"username", "password"} <= set(
            credentials
        )
        creds = {
            **current["credentials"],
            **({"method": "password"} if before_methods else {}),
            **credentials,
        }
        credentials_form = CredentialsForm(
            {
                "method": creds["method"] or "password",
                **{key: creds[key] or "" for key in CREDENTIAL_STRINGS},
                **({"sandbox": "on"} if creds["sandbox"] is True else {}),
            },
            integration_settings=integration_settings,
        )
        if not credentials_form.is_valid():
            for field, messages in credentials_form.errors.items():
                errors += [f"credentials.{field}: {message}" for message in messages]
    lists: dict[str, Any] = {}
    for key, parse in (
        ("user_mappings", user_mappings_parse),
        ("campaign_links", campaign_links_parse),
    ):
        if key in data:
            try:
                lists[key] = parse(data[key])
            except ValidationError as error:
                errors += error.messages
    if errors:
        raise SettingsImportError(errors)
    assert credentials_form is not None  # credentials that are no object are an error above

    with transaction.atomic():
        if "user_mappings" in lists:
            user_mappings_replace(lists["user_mappings"], acting_user=acting_user)
        if "campaign_links" in lists:
            campaign_links_replace(lists["campaign_links"], acting_user=acting_user)
        if crm_enabled != integration_settings.crm_enabled:
            integration_crm_set(
                integration_settings=integration_settings,
                enabled=crm_enabled,
                acting_user=acting_user,
            )
        if credentials_form.has_changed() or any(
            credentials_form.cleaned_data[k] for k in CREDENTIAL_SECRETS
        ):
            integration_credentials_update(
                integration_settings=integration_settings,
                acting_user=acting_user,
                **credentials_form.credentials(),
            )
        integration_settings_update(
            integration_settings=integration_settings,
            data=settings_form.settings_data(),
            acting_user=acting_user,
        )
        if merged["sync_enabled"] != integration_settings.sync_enabled:
            integration_sync_set(
                integration_settings=integration_settings,
                enabled=merged["sync_enabled"],
                acting_user=acting_user,
            )
    return integration_settings
