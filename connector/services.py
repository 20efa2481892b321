"""Writes to the connector's settings. Interfaces (page, admin, commands) call these."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .models import CredentialsStatus, IntegrationSettings, SyncCursor

# The fields of the main settings form (sections 4–14 of the page); credentials
# and the on/off switch have services of their own.
SETTINGS_FIELDS: tuple[str, ...] = (
    "api_call_limit",
    "account_sync",
    "opportunity_sync",
    "task_sync",
    "inclusion_list",
    "activity_storage",
    "activity_types",
    "create_contact_from_lead",
    "create_contact_from_contact",
    "new_record_type",
    "lifecycle_transitions",
    "state_country_picklists",
    "delete_when_lead_deleted",
    "delete_when_contact_deleted",
)


@transaction.atomic
def integration_settings_update(
    *,
    integration_settings: IntegrationSettings,
    data: dict[str, Any],
    acting_user: AbstractBaseUser | None,
) -> IntegrationSettings:
    """Apply the main settings (keys of SETTINGS_FIELDS present in ``data``) at once.

    Validates the whole record first, so an invalid value saves nothing.
    Returns the saved settings; the names of changed fields are in
    ``integration_settings.changed_fields`` for the caller.
    """
    unknown = set(data) - set(SETTINGS_FIELDS)
    if unknown:
        raise ValueError(f"Not settings fields: {sorted(unknown)}")
    changed = [name for name, value in data.items() if getattr(integration_settings, name) != value]
    for name, value in data.items():
        setattr(integration_settings, name, value)
    integration_settings.full_clean(exclude=["site"])
    _set_acting_user(integration_settings, acting_user)
    integration_settings.save()
    integration_settings.changed_fields = changed
    if "state_country_picklists" in changed or "new_record_type" in changed:
        # Records that failed under the old setting may pass now: retry them at once.
        contact_states_unpark_failed()
    backfills = _backfills_for(integration_settings, changed)
    if backfills:
        from .pull import inbound_cursors_reset

        inbound_cursors_reset(*backfills)
    sync_enqueue(trigger="settings_saved")
    return integration_settings


@transaction.atomic
def integration_credentials_update(
    *,
    integration_settings: IntegrationSettings,
    username: str,
    password: str,
    security_token: str,
    sandbox: bool,
    acting_user: AbstractBaseUser | None,
) -> IntegrationSettings:
    """Store new credentials; a blank password or token keeps the stored one.

    Any change resets the validation status: the credentials are unchecked
    until a login with them succeeds.
    """
    changed = username != integration_settings.username or sandbox != integration_settings.sandbox
    integration_settings.username = username
    integration_settings.sandbox = sandbox
    if password:
        integration_settings.set_password(password)
        changed = True
    if security_token:
        integration_settings.set_security_token(security_token)
        changed = True
    if changed:
        integration_settings.credentials_status = CredentialsStatus.UNKNOWN
        integration_settings.credentials_error_code = ""
        integration_settings.credentials_error_message = ""
        integration_settings.credentials_checked_at = None
    _set_acting_user(integration_settings, acting_user)
    integration_settings.save()
    return integration_settings


def _backfills_for(integration_settings: IntegrationSettings, changed: list[str]) -> set[str]:
    """Objects to read again from the start because a setting now reaches further back."""
    objects: set[str] = set()
    if "account_sync" in changed and integration_settings.account_sync == "sync":
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


def integration_credentials_verify(*, integration_settings: IntegrationSettings) -> bool:
    """Log in with the stored credentials and record *Valid* or Salesforce's failure.

    Returns whether they are valid. A network failure leaves the status as it was
    (the credentials may be fine) and raises the RecoverableError.
    """
    from .client import SalesforceClient
    from .errors import AuthenticationFailed, ConfigurationError
    from .runner import credentials_mark
    from .version import connector_version_refresh

    client = SalesforceClient.from_settings(integration_settings)
    try:
        client.login()
    except (AuthenticationFailed, ConfigurationError) as error:
        if isinstance(error, ConfigurationError):
            error = AuthenticationFailed(error.message, code=error.code)
        credentials_mark(integration_settings, error=error)
        return False
    credentials_mark(integration_settings, error=None)
    connector_version_refresh(client=client, integration_settings=integration_settings)
    sync_enqueue(trigger="credentials_saved")
    return True


def sync_enqueue(*, trigger: str) -> None:
    """Start a sync cycle once the current transaction commits (it reads the saved values)."""
    from .tasks import salesforce_sync

    transaction.on_commit(lambda: salesforce_sync.delay(trigger=trigger))


def contact_states_unpark_failed() -> int:
    from .queue import contact_states_unpark

    return contact_states_unpark(failed=True)


@transaction.atomic
def integration_sync_set(
    *,
    integration_settings: IntegrationSettings,
    enabled: bool,
    acting_user: AbstractBaseUser | None,
) -> IntegrationSettings:
    """Turn the sync on or off (the big button)."""
    integration_settings.sync_enabled = enabled
    _set_acting_user(integration_settings, acting_user)
    integration_settings.save(update_fields=["sync_enabled", "updated_by", "updated_at"])
    if enabled:
        sync_enqueue(trigger="sync_turned_on")
    return integration_settings


def _is_user(user: AbstractBaseUser | None) -> bool:
    return user is not None and bool(getattr(user, "is_authenticated", False))


def _set_acting_user(
    integration_settings: IntegrationSettings, acting_user: AbstractBaseUser | None
) -> None:
    user = acting_user if _is_user(acting_user) else None
    integration_settings.updated_by = user
    # Who made the change, for the settings history (django-simple-history).
    integration_settings._history_user = user


MARKETING_ADMINS_GROUP = "Marketing admins"
MARKETING_ADMIN_PERMISSIONS: tuple[str, ...] = (
    "connector.view_integrationsettings",
    "connector.change_integrationsettings",
    "marketing.view_smartlist",
    "marketing.add_smartlist",
)


def marketing_admins_group_ensure() -> None:
    """Create the "Marketing admins" group with the permissions to run the integration.

    Runs after every migrate (idempotent), once the permissions exist.
    """
    from django.contrib.auth.models import Group, Permission

    group, _ = Group.objects.get_or_create(name=MARKETING_ADMINS_GROUP)
    for dotted in MARKETING_ADMIN_PERMISSIONS:
        app_label, codename = dotted.split(".")
        permission = Permission.objects.filter(
            content_type__app_label=app_label, codename=codename
        ).first()
        if permission is not None:
            group.permissions.add(permission)


# Edits start a push soon, at most one per DEBOUNCE; beat catches anything else.
EDIT_DEBOUNCE = timedelta(seconds=30)
EDIT_CURSOR = "push_requested"


def contact_edited_enqueue() -> None:
    """A contact changed: queue one sync cycle shortly, unless one was queued moments ago."""
    now = timezone.now()
    cursor, _ = SyncCursor.objects.get_or_create(name=EDIT_CURSOR)
    claimed = (
        SyncCursor.objects.filter(pk=cursor.pk)
        .filter(Q(value__isnull=True) | Q(value__lt=now - EDIT_DEBOUNCE))
        .update(value=now)
    )
    if claimed:
        from .tasks import salesforce_sync

        salesforce_sync.apply_async(
            kwargs={"trigger": "contact_edited"}, countdown=EDIT_DEBOUNCE.total_seconds()
        )


def sync_errors_retry(*, error_ids: list[int] | None = None) -> int:
    """*Retry* / *Retry all*: failed records get a fresh start and a sync cycle is queued.

    Returns how many errors were retried.
    """
    from .models import SyncError
    from .queue import contact_states_unpark

    errors = SyncError.objects.filter(resolved_at__isnull=True)
    if error_ids is not None:
        errors = errors.filter(pk__in=error_ids)
    contact_ids = list(errors.exclude(contact=None).values_list("contact_id", flat=True))
    count = errors.update(parked=False, next_retry_at=timezone.now())
    if contact_ids:
        contact_states_unpark(contact_ids=contact_ids)
    if count:
        sync_enqueue(trigger="retry")
    return count


def integration_connection_test(
    *, integration_settings: IntegrationSettings
) -> tuple[bool, str, str]:
    """*Test connection*: log in with the stored credentials; saves nothing.

    Returns (ok, code, message) — Salesforce's code and message when it refuses.
    """
    from .client import SalesforceClient
    from .errors import ConnectorError

    try:
        SalesforceClient.from_settings(integration_settings).login()
    except ConnectorError as error:
        return False, error.code, error.message
    return True, "", ""


# -- mass-delete guard: deletes held back for an admin (connector.pull._mass_delete) -------


@transaction.atomic
def held_deletions_approve(*, acting_user: AbstractBaseUser | None) -> int:
    """Carry out every held delete: the contacts go, each recorded as a SalesforceDeletion.

    Returns how many contacts were deleted.
    """
    from marketing.models import Contact

    from .models import DeletionAction, HeldDeletion, SalesforceDeletion

    held = list(HeldDeletion.objects.select_for_update())
    if not held:
        return 0
    SalesforceDeletion.objects.bulk_create(
        [
            SalesforceDeletion(
                contact=None,
                email=h.email,
                object_type=h.object_type,
                salesforce_id=h.salesforce_id,
                action=DeletionAction.DELETED,
            )
            for h in held
        ]
    )
    # Deleting the contacts deletes their HeldDeletion rows too (CASCADE).
    deleted = Contact.objects.filter(pk__in=[h.contact_id for h in held]).delete()[1]
    return deleted.get(Contact._meta.label, 0)


@transaction.atomic
def held_deletions_discard(*, acting_user: AbstractBaseUser | None) -> int:
    """Keep every held contact, as when the delete checkbox is unticked: unlinked from the
    deleted Salesforce record and never pushed again (so the delete is not undone).

    Returns how many contacts were kept.
    """
    from marketing.models import Contact

    from .models import ContactSyncState, DeletionAction, HeldDeletion, SalesforceDeletion

    held = list(HeldDeletion.objects.select_for_update())
    if not held:
        return 0
    pks = [h.contact_id for h in held]
    SalesforceDeletion.objects.bulk_create(
        [
            SalesforceDeletion(
                contact_id=h.contact_id,
                email=h.email,
                object_type=h.object_type,
                salesforce_id=h.salesforce_id,
                action=DeletionAction.KEPT,
            )
            for h in held
        ]
    )
    Contact.objects.filter(pk__in=pks).update(salesforce_id="", salesforce_object="")
    ContactSyncState.objects.filter(contact_id__in=pks).update(excluded=True, due=False)
    HeldDeletion.objects.filter(pk__in=[h.pk for h in held]).delete()
    return len(held)


# hubsync property, Lead field, Contact field, sync rule (PRODUCT.md: email prefers Salesforce).
DEFAULT_FIELD_MAPPINGS: tuple[tuple[str, str, str, str], ...] = (
    ("email", "Email", "Email", "prefer_salesforce"),
    ("first_name", "FirstName", "FirstName", "two_way"),
    ("last_name", "LastName", "LastName", "two_way"),
    ("company_name", "Company", "", "two_way"),
    ("phone", "Phone", "Phone", "two_way"),
    ("job_title", "Title", "Title", "two_way"),
    ("state", "State", "MailingState", "two_way"),
    ("country", "Country", "MailingCountry", "two_way"),
)


def field_mappings_ensure_defaults() -> None:
    """With no field mappings at all (a new or flushed database), create the defaults.

    Runs after every migrate and flush; a table an admin edited or pruned is left alone.
    """
    from .models import FieldMapping

    if FieldMapping.objects.exists():
        return
    FieldMapping.objects.bulk_create(
        [
            FieldMapping(
                hubsync_property=prop, lead_field=lead, contact_field=contact, sync_rule=rule
            )
            for prop, lead, contact, rule in DEFAULT_FIELD_MAPPINGS
        ],
        ignore_conflicts=True,
    )
