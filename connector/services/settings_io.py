"""The settings as a JSON document (``manage.py salesforce_settings``): the export, reading
a document within its bounds, its shape checked, and the import applied at once.

The import's field rules are every writer's: the document's values are cleaned and judged by
the services that write them (:func:`~connector.services.settings.integration_settings_clean`,
:func:`~connector.credentials.rules.integration_credentials_clean`, the lists' parsers), so
an import refuses what the page, the admin and the services refuse, in the same words.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO, Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from marketing.json_bounds import JsonTooDeep, json_loads_bounded
from marketing.models import SmartList

from ..credentials.methods import credentials_from_settings
from ..credentials.rules import integration_credentials_clean
from ..credentials.services import integration_credentials_update
from ..models import SECRET_NAMES, AuthMethod, IntegrationSettings
from .acting_user import ActingUser
from .campaign_links import campaign_links_export, campaign_links_parse, campaign_links_replace
from .owners import user_mappings_export, user_mappings_parse, user_mappings_replace
from .settings import (
    SETTINGS_FIELDS,
    integration_crm_set,
    integration_settings_clean,
    integration_settings_update,
    integration_sync_set,
)

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
# Secrets are never exported (null); null on import keeps the stored value. The refresh
# token comes only from Connect with Salesforce.
CREDENTIAL_SECRETS = tuple(name for name in SECRET_NAMES if name != "refresh_token")
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


@dataclass
class SettingsDocument:
    """An import document read against the stored settings: every key merged over the
    export of what is stored, and what its shape got wrong."""

    merged: dict[str, Any]
    inclusion_list: SmartList | None
    crm_enabled: bool
    # The credentials merged over the stored ones; None when "credentials" is no object.
    credentials: dict[str, Any] | None
    lists: dict[str, Any]
    errors: list[str] = field(default_factory=list)
    # Keys whose value has the wrong type (said in ``errors``): no rule judges them again.
    mistyped: set[str] = field(default_factory=set)


def settings_document_read(
    *, integration_settings: IntegrationSettings, data: Any
) -> SettingsDocument:
    """Check the document's shape (keys, types, the inclusion list by name, the lists);
    raises SettingsImportError when it is no object. Missing keys keep their current value;
    null secrets keep the stored ones."""
    if not isinstance(data, dict):
        raise SettingsImportError(["The settings must be a JSON object."])
    errors = [f"Unknown key “{key}”." for key in data if key not in TOP_KEYS]
    mistyped = {key for key in BOOLEAN_KEYS if key in data and not isinstance(data[key], bool)}
    # A developer name: false would become the record type "False".
    mistyped_text = {
        key
        for key in RECORD_TYPE_KEYS
        if data.get(key) is not None and not isinstance(data[key], str)
    }
    errors += [f"“{key}” must be true or false." for key in BOOLEAN_KEYS if key in mistyped]
    errors += [
        f"“{key}” must be a string or null." for key in RECORD_TYPE_KEYS if key in mistyped_text
    ]
    mistyped |= mistyped_text
    current = settings_export(integration_settings)
    merged = {**current, **{k: v for k, v in data.items() if k in TOP_KEYS}}
    inclusion_list = None
    if merged["inclusion_list"] is not None:
        smart_list = (
            SmartList.objects.filter(name=merged["inclusion_list"]).first()
            if isinstance(merged["inclusion_list"], str)
            else None
        )
        if smart_list is None:
            errors.append(f"inclusion_list: no smart list named {merged['inclusion_list']!r}.")
            mistyped.add("inclusion_list")
        else:
            inclusion_list = smart_list
    credentials = _credentials_read(merged["credentials"], current["credentials"], errors)
    lists: dict[str, Any] = {}
    parsers: dict[str, Callable[[Any], Any]] = {
        "user_mappings": user_mappings_parse,
        "campaign_links": campaign_links_parse,
    }
    for key, parse in parsers.items():
        if key in data:
            try:
                lists[key] = parse(data[key])
            except ValidationError as error:
                errors += error.messages
    crm_enabled = merged["crm_enabled"] if isinstance(merged["crm_enabled"], bool) else False
    return SettingsDocument(
        merged, inclusion_list, crm_enabled, credentials, lists, errors, mistyped
    )


def _credentials_read(
    credentials: Any, stored: dict[str, Any], errors: list[str]
) -> dict[str, Any] | None:
    if not isinstance(credentials, dict):
        errors.append("credentials: must be an object.")
        return None
    errors += [f"credentials: unknown key “{k}”." for k in credentials if k not in CREDENTIAL_KEYS]
    if "sandbox" in credentials and not isinstance(credentials["sandbox"], bool):
        errors.append("credentials.sandbox: must be true or false.")
    errors += [
        f"credentials.{key}: must be a string or null."
        for key in (*CREDENTIAL_STRINGS, "method")
        if credentials.get(key) is not None and not isinstance(credentials[key], str)
    ]
    # An export from before the login methods (username, password, token, sandbox, no
    # method) is the password method; a partial object keeps the stored method.
    before_methods = "method" not in credentials and {"username", "password"} <= set(credentials)
    return {**stored, **({"method": "password"} if before_methods else {}), **credentials}


def settings_import(
    *, integration_settings: IntegrationSettings, data: Any, acting_user: ActingUser = None
) -> IntegrationSettings:
    """Validate ``data`` completely, then apply it at once; raises SettingsImportError with
    every problem (``key: message``, the services' own words) and then applies nothing.

    Keys that are missing keep their current value; null password or token keep the stored
    secret. Without the CRM, Task sync is not a setting (as on the page) and keeps its value.
    """
    document = settings_document_read(integration_settings=integration_settings, data=data)
    errors = document.errors
    settings_data: dict[str, Any] = {}
    try:
        settings_data = integration_settings_clean(
            integration_settings=integration_settings, data=_settings_values(document)
        )
    except ValidationError as error:
        errors += _lines(error)
    credentials: dict[str, Any] | None = None
    if document.credentials is not None:
        try:
            credentials = integration_credentials_clean(
                integration_settings=integration_settings,
                changes=_credentials_values(document.credentials),
            )
        except ValidationError as error:
            errors += _lines(error, prefix="credentials.")
    if errors:
        raise SettingsImportError(errors)
    assert credentials is not None  # credentials that are no object are an error above
    unchanged = credentials_from_settings(integration_settings)
    changed = credentials_from_settings(integration_settings, **credentials) != unchanged
    return _apply(
        integration_settings=integration_settings,
        document=document,
        settings_data=settings_data,
        credentials=credentials if changed else None,
        acting_user=acting_user,
    )


def _settings_values(document: SettingsDocument) -> dict[str, Any]:
    """The main settings of the document as the services take them (the inclusion list a
    SmartList, a record type's null blank); mistyped values are left to their error."""
    values = {key: document.merged[key] for key in FORM_KEYS if key not in document.mistyped}
    if "inclusion_list" in values:
        values["inclusion_list"] = document.inclusion_list
    for key in RECORD_TYPE_KEYS:
        if key in values:
            values[key] = values[key] or ""
    if not document.crm_enabled:
        values.pop("task_sync", None)
    return values


def _credentials_values(credentials: dict[str, Any]) -> dict[str, Any]:
    """The document's credentials as the credentials services take them (null text is blank;
    a blank secret keeps the stored one); mistyped values are left to their error."""
    values: dict[str, Any] = {"method": credentials["method"] or AuthMethod.PASSWORD}
    if not isinstance(values["method"], str):
        del values["method"]
    for key in CREDENTIAL_STRINGS:
        value = credentials[key]
        if value is None or isinstance(value, str):
            values[key] = value or ""
    values["sandbox"] = credentials["sandbox"] is True
    return values


def _lines(error: ValidationError, prefix: str = "") -> list[str]:
    return [
        f"{prefix}{name}: {message}" if name != NON_FIELD_ERRORS else f"{prefix}{message}"
        for name, messages in error.message_dict.items()
        for message in messages
    ]


def _apply(
    *,
    integration_settings: IntegrationSettings,
    document: SettingsDocument,
    settings_data: dict[str, Any],
    credentials: dict[str, Any] | None,
    acting_user: ActingUser = None,
) -> IntegrationSettings:
    """Apply a checked document at once: the lists, the CRM switch, the credentials (None:
    unchanged), the main settings (``settings_data``: cleaned values of SETTINGS_FIELDS),
    then the sync switch. All or nothing."""
    with transaction.atomic():
        if "user_mappings" in document.lists:
            user_mappings_replace(document.lists["user_mappings"], acting_user=acting_user)
        if "campaign_links" in document.lists:
            campaign_links_replace(document.lists["campaign_links"], acting_user=acting_user)
        if document.crm_enabled != integration_settings.crm_enabled:
            integration_crm_set(
                integration_settings=integration_settings,
                enabled=document.crm_enabled,
                acting_user=acting_user,
            )
        if credentials is not None:
            integration_credentials_update(
                integration_settings=integration_settings, acting_user=acting_user, **credentials
            )
        integration_settings_update(
            integration_settings=integration_settings, data=settings_data, acting_user=acting_user
        )
        if document.merged["sync_enabled"] != integration_settings.sync_enabled:
            integration_sync_set(
                integration_settings=integration_settings,
                enabled=document.merged["sync_enabled"],
                acting_user=acting_user,
            )
    return integration_settings
