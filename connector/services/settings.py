"""The settings row: the page's main form, credentials, the on/off switch, connection checks.

Every write of the settings goes through here, whoever makes it (the page, the
Django admin, the JSON import, demo setup), so each one unparks, backfills and
enqueues alike.
"""

from __future__ import annotations

import copy
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from marketing.models import ActivityType, SmartList
from marketing.smart_list_criteria import validate_criteria

from ..models import AccountSync, ActivityStorage, IntegrationSettings
from ..org_schema import record_types
from ..sync.failures import contact_failures_unpark
from ..sync.pull.watermark import inbound_cursors_reset
from ..validators import INVALID_CHOICE
from .acting_user import ActingUser, acting_user_or_none, history_user_set
from .jobs import sync_enqueue

# The fields of the main settings form (sections 4–14 of the page); credentials
# and the on/off switch have services of their own.
SETTINGS_FIELDS: tuple[str, ...] = (
    "api_call_limit",
    "change_events",
    "account_sync",
    "opportunity_sync",
    "task_sync",
    "inclusion_list",
    "activity_storage",
    "activity_types",
    "create_contact_from_lead",
    "create_contact_from_contact",
    "new_record_type",
    "lead_assignment_rules",
    "lead_record_type",
    "contact_record_type",
    "lifecycle_transitions",
    "state_country_picklists",
    "delete_when_lead_deleted",
    "delete_when_contact_deleted",
)
# The record type settings and the object each one is for.
RECORD_TYPE_FIELDS = {"lead_record_type": "Lead", "contact_record_type": "Contact"}
# Settings under which records that failed may pass now: changing one retries them at once.
RETRY_ON_CHANGE = {
    "state_country_picklists",
    "new_record_type",
    "lead_record_type",
    "contact_record_type",
}


def integration_settings_clean(
    *, integration_settings: IntegrationSettings, data: dict[str, Any]
) -> dict[str, Any]:
    """Every rule on the main settings (keys of SETTINGS_FIELDS in ``data``), against the
    stored row and the org as the setup check last read it. Returns the values as they are
    stored (typed by the model's fields: ``"250"`` is 250; the activity types in the page's
    order, once each); raises ValidationError with a message per field. The page's form, the
    admin's form and the JSON import show what this raises; :func:`integration_settings_update`
    calls it before it writes anything.

    Only the values in ``data`` are judged: a Save never fails on a value nobody typed
    (the version label read from the org, the credentials). ``inclusion_list`` is a SmartList
    or None.
    """
    unknown = set(data) - set(SETTINGS_FIELDS)
    if unknown:
        raise ValueError(f"Not settings fields: {sorted(unknown)}")
    errors: dict[str, list[Any]] = {}
    typed: dict[str, Any] = {}
    for name, value in data.items():
        try:
            typed[name] = _typed(name, value)
        except ValidationError as error:
            errors[name] = error.messages
    if (
        typed.get("state_country_picklists")
        and not integration_settings.state_country_picklists
        and integration_settings.org_state_country_picklists is False
    ):
        # The setup check saw an org without them: every record would fail every cycle.
        errors["state_country_picklists"] = [
            _(
                "Your Salesforce org does not use state and country picklists (the setup "
                "check found no StateCode/CountryCode fields). Turn them on in Salesforce "
                "Setup first, or keep this at No."
            )
        ]
    for name, object_type in RECORD_TYPE_FIELDS.items():
        value = typed.get(name)
        known = record_types(integration_settings, object_type)
        if not value or known is None or not isinstance(value, str):
            continue  # the user's default, or the org never read: nothing to hold it to
        names = {t["developer_name"] for t in known}
        if value not in names:
            errors[name] = [
                _("“%(value)s” is not an active record type of your org (%(known)s).")
                % {"value": value, "known": ", ".join(sorted(names)) or _("none")}
            ]
    smart_list = data.get("inclusion_list")
    if smart_list is not None:
        errors.update(_inclusion_list_errors(integration_settings, smart_list))
    # The model's own rules (types, choices, bounds, lengths, activity types) on a copy.
    candidate = copy.copy(integration_settings)
    judged = set(typed) - set(errors)
    for name in judged:
        setattr(candidate, name, typed[name])
    try:
        candidate.full_clean(
            exclude=[f.name for f in IntegrationSettings._meta.fields if f.name not in judged],
            validate_unique=False,
            validate_constraints=False,
        )
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    if (
        {"activity_storage", "activity_types"} & judged
        and not {"activity_storage", "activity_types"} & set(errors)
        and candidate.activity_storage != ActivityStorage.NONE
        and not candidate.activity_types
    ):
        errors["activity_types"] = [
            _("Choose at least one activity type, or choose not to store activity data.")
        ]
    if errors:
        raise ValidationError(errors)
    cleaned = {name: getattr(candidate, name) for name in data}
    if "activity_types" in cleaned:
        cleaned["activity_types"] = [
            value for value in ActivityType.values if value in cleaned["activity_types"]
        ]
    return cleaned


def _typed(name: str, value: Any) -> Any:
    """``value`` as the model's field stores it; raises ValidationError in the words of the
    page's fields."""
    field = IntegrationSettings._meta.get_field(name)
    assert isinstance(field, models.Field)  # a column of the settings row
    if field.is_relation:
        return value  # the inclusion list: a SmartList or None, judged on its own
    if field.null and value == "":
        return None  # blank on the page: no value (no limit of hubsync's own)
    # int() would take true as 1 and cut 1.5 to 1: a whole number or nothing.
    if isinstance(field, models.IntegerField) and (
        isinstance(value, bool) or (isinstance(value, float) and not value.is_integer())
    ):
        raise ValidationError(field.error_messages["invalid"], code="invalid")
    return field.to_python(value)


def integration_settings_validate(
    *, integration_settings: IntegrationSettings, data: dict[str, Any]
) -> None:
    """:func:`integration_settings_clean`'s rules alone (the admin's form shows them)."""
    integration_settings_clean(integration_settings=integration_settings, data=data)


def _inclusion_list_errors(
    integration_settings: IntegrationSettings, smart_list: Any
) -> dict[str, list[Any]]:
    if not isinstance(smart_list, SmartList):
        return {"inclusion_list": [INVALID_CHOICE % {"value": smart_list}]}
    if not smart_list.active and smart_list.pk != integration_settings.inclusion_list_id:
        # An inactive list is offered nowhere; one already selected stays (a Save keeps it).
        return {
            "inclusion_list": [
                _("The smart list “%(name)s” is not active: choose an active one.")
                % {"name": smart_list.name}
            ]
        }
    try:  # a list the sync cannot evaluate (e.g. over the conditions limit)
        validate_criteria(smart_list.criteria)
    except ValidationError as error:
        return {"inclusion_list": error.messages}
    return {}


@transaction.atomic
def integration_settings_update(
    *,
    integration_settings: IntegrationSettings,
    data: dict[str, Any],
    acting_user: ActingUser,
) -> IntegrationSettings:
    """Apply the main settings (keys of SETTINGS_FIELDS present in ``data``) at once.

    Cleans first (:func:`integration_settings_clean`), so an invalid value saves nothing and
    what is saved is typed as stored. Returns the saved settings.
    """
    data = integration_settings_clean(integration_settings=integration_settings, data=data)
    changed = [name for name, value in data.items() if getattr(integration_settings, name) != value]
    for name, value in data.items():
        setattr(integration_settings, name, value)
    set_acting_user(integration_settings, acting_user)
    integration_settings.save()
    if RETRY_ON_CHANGE & set(changed):
        contact_failures_unpark(failed=True)
    backfills = _backfills_for(integration_settings, changed)
    if backfills:
        inbound_cursors_reset(*backfills)
    sync_enqueue(trigger="settings_saved")
    return integration_settings


@transaction.atomic
def integration_sync_set(
    *,
    integration_settings: IntegrationSettings,
    enabled: bool,
    acting_user: ActingUser,
) -> IntegrationSettings:
    """Turn the sync on or off (the big button)."""
    _flag_set(integration_settings, "sync_enabled", enabled, acting_user)
    if enabled:
        sync_enqueue(trigger="sync_turned_on")
    return integration_settings


@transaction.atomic
def integration_crm_set(
    *,
    integration_settings: IntegrationSettings,
    enabled: bool,
    acting_user: ActingUser,
) -> IntegrationSettings:
    """The installation's *CRM enabled* flag (staff, in the admin): shows the Task sync section."""
    return _flag_set(integration_settings, "crm_enabled", enabled, acting_user)


def _flag_set(
    integration_settings: IntegrationSettings,
    name: str,
    enabled: bool,
    acting_user: ActingUser,
) -> IntegrationSettings:
    setattr(integration_settings, name, enabled)
    set_acting_user(integration_settings, acting_user)
    integration_settings.save(update_fields=[name, "updated_by", "updated_at"])
    return integration_settings


def _backfills_for(integration_settings: IntegrationSettings, changed: list[str]) -> set[str]:
    """Objects to read again from the start because a setting now reaches further back."""
    objects: set[str] = set()
    if "account_sync" in changed and integration_settings.account_sync == AccountSync.SYNC:
        objects |= {"Contact", "Account"}  # every synced Contact's Account, not just new ones
    if "opportunity_sync" in changed and integration_settings.opportunity_sync:
        objects |= {"OpportunityContactRole", "Opportunity"}
    if "create_contact_from_lead" in changed and integration_settings.create_contact_from_lead:
        objects.add("Lead")
    if (
        "create_contact_from_contact" in changed
        and integration_settings.create_contact_from_contact
    ):
        objects.add("Contact")
    if "task_sync" in changed and integration_settings.task_sync:
        objects.add("Task")
    return objects


def set_acting_user(integration_settings: IntegrationSettings, acting_user: ActingUser) -> None:
    user = acting_user_or_none(acting_user)
    integration_settings.updated_by_id = user.pk if user is not None else None
    # Who made the change, for the settings history (django-simple-history).
    history_user_set(integration_settings, acting_user)
