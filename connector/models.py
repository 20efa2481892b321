"""The Salesforce integration's settings and the connector's bookkeeping."""

from __future__ import annotations

from django.conf import settings
from django.contrib.sites.models import Site
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from marketing.models import ActivityType

from .crypto import decrypt_secret, encrypt_secret


class AccountSync(models.TextChoices):
    SYNC = "sync", _("Sync Accounts")
    DO_NOT_SYNC = "do_not_sync", _("Do Not Sync")


class ActivityStorage(models.TextChoices):
    TASKS = "tasks", _("Salesforce Tasks")
    CUSTOM_OBJECT = "custom_object", _("Custom object (HubSpot_Intelligence__c)")
    NONE = "none", _("Do not store activity data")


def default_activity_types() -> list[str]:
    return list(ActivityType.values)


class NewRecordType(models.TextChoices):
    LEAD = "Lead", _("Lead")
    CONTACT = "Contact", _("Contact")


class CredentialsStatus(models.TextChoices):
    UNKNOWN = "unknown", _("Not checked yet")
    VALID = "valid", _("Valid")
    INVALID = "invalid", _("Invalid")


class IntegrationSettings(models.Model):
    """Every control of the Salesforce settings page, one row per installation (Site).

    Password and security token are stored encrypted (connector.crypto) and are
    only ever read through :meth:`get_password` / :meth:`get_security_token`.
    """

    site = models.OneToOneField(Site, on_delete=models.CASCADE, related_name="integration_settings")

    # 1. Sync on/off
    sync_enabled = models.BooleanField(_("sync enabled"), default=False)
    # Installation feature flag: decides whether the Task sync section is shown.
    crm_enabled = models.BooleanField(
        _("CRM enabled"),
        default=False,
        help_text=_("Whether this installation uses hubsync's CRM (shows the Task sync section)."),
    )

    # 2. Integration version (read from the org by the connector)
    installed_connector_version = models.CharField(max_length=32, blank=True)
    connector_version_checked_at = models.DateTimeField(null=True, blank=True)

    # 3. Credentials
    username = models.CharField(_("username"), max_length=255, blank=True)
    password_encrypted = models.TextField(blank=True, editable=False)
    security_token_encrypted = models.TextField(blank=True, editable=False)
    sandbox = models.BooleanField(_("sandbox"), default=False)
    credentials_status = models.CharField(
        max_length=16, choices=CredentialsStatus.choices, default=CredentialsStatus.UNKNOWN
    )
    credentials_error_code = models.CharField(max_length=64, blank=True)
    credentials_error_message = models.TextField(blank=True)
    credentials_checked_at = models.DateTimeField(null=True, blank=True)

    # 4. API call limit (blank = no limit of our own)
    api_call_limit = models.PositiveIntegerField(_("API call limit"), null=True, blank=True)

    # The org's own daily usage, as Salesforce last reported it (Sforce-Limit-Info).
    org_api_used = models.PositiveIntegerField(null=True, blank=True)
    org_api_max = models.PositiveIntegerField(null=True, blank=True)
    org_api_checked_at = models.DateTimeField(null=True, blank=True)

    # 5.–7. Object sync
    account_sync = models.CharField(
        _("account sync"), max_length=16, choices=AccountSync.choices, default=AccountSync.SYNC
    )
    opportunity_sync = models.BooleanField(_("opportunity sync"), default=True)
    task_sync = models.BooleanField(_("task sync"), default=False)

    # 8. Inclusion list. PROTECT: deleting the list must not silently widen the
    # sync to every contact.
    inclusion_list = models.ForeignKey(
        "marketing.SmartList",
        verbose_name=_("inclusion list"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    # 9. Activity data in Salesforce
    activity_storage = models.CharField(
        _("activity storage"),
        max_length=16,
        choices=ActivityStorage.choices,
        default=ActivityStorage.TASKS,
    )
    activity_types = models.JSONField(
        _("activity types"), default=default_activity_types, blank=True
    )

    # 10. Records created in Salesforce
    create_contact_from_lead = models.BooleanField(default=True)
    create_contact_from_contact = models.BooleanField(default=True)

    # 11. New record type
    new_record_type = models.CharField(
        _("new record type"),
        max_length=8,
        choices=NewRecordType.choices,
        default=NewRecordType.LEAD,
    )

    # 12. Automatic lifecycle stage transitions
    lifecycle_transitions = models.BooleanField(default=True)

    # 13. State and country picklists
    state_country_picklists = models.BooleanField(default=False)

    # 14. Deletes
    delete_when_lead_deleted = models.BooleanField(default=False)
    delete_when_contact_deleted = models.BooleanField(default=False)

    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    # Every change, with who and when (django-simple-history). The sync's own
    # bookkeeping (org usage, version checks) is left out: it is not a setting.
    history = HistoricalRecords(
        excluded_fields=[
            "org_api_used",
            "org_api_max",
            "org_api_checked_at",
            "installed_connector_version",
            "connector_version_checked_at",
            "credentials_checked_at",
            "updated_at",
        ]
    )

    class Meta:
        verbose_name = _("Salesforce integration settings")
        verbose_name_plural = _("Salesforce integration settings")

    def __str__(self) -> str:
        return f"Salesforce integration settings ({self.site.domain})"

    def clean(self) -> None:
        unknown = set(self.activity_types or []) - set(ActivityType.values)
        if not isinstance(self.activity_types, list) or unknown:
            raise ValidationError({"activity_types": _("Unknown activity type.")})

    # Secrets: stored encrypted, readable only through these accessors.
    def set_password(self, raw: str) -> None:
        self.password_encrypted = encrypt_secret(raw)

    def get_password(self) -> str:
        return decrypt_secret(self.password_encrypted)

    def set_security_token(self, raw: str) -> None:
        self.security_token_encrypted = encrypt_secret(raw)

    def get_security_token(self) -> str:
        return decrypt_secret(self.security_token_encrypted)

    @property
    def has_password(self) -> bool:
        return bool(self.password_encrypted)

    @property
    def has_security_token(self) -> bool:
        return bool(self.security_token_encrypted)

    @property
    def task_sync_active(self) -> bool:
        """Task sync only exists with the CRM feature."""
        return self.crm_enabled and self.task_sync


class ApiCallBucket(models.Model):
    """Calls sent to Salesforce, counted per minute.

    One row per minute keeps the rolling 24-hour sum to at most 1,440 rows that
    every worker increments with ``F()`` (no read-modify-write race).
    """

    minute = models.DateTimeField(unique=True)
    calls = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-minute"]

    def __str__(self) -> str:
        return f"{self.minute:%Y-%m-%d %H:%M} {self.calls}"


class SyncRule(models.TextChoices):
    PREFER_SALESFORCE = "prefer_salesforce", _("Prefer Salesforce unless blank")
    ALWAYS_SALESFORCE = "always_salesforce", _("Always use Salesforce")
    TWO_WAY = "two_way", _("Two-way (most recent value wins)")
    DONT_SYNC = "dont_sync", _("Don't sync")


class FieldMapping(models.Model):
    """A hubsync contact property ↔ a Salesforce Lead field and Contact field, with a rule.

    Data, not code: seeded with defaults by a migration, editable in the admin.
    A blank Lead or Contact field means the property does not exist there.
    """

    hubsync_property = models.CharField(max_length=64, unique=True)
    lead_field = models.CharField(max_length=80, blank=True)
    contact_field = models.CharField(max_length=80, blank=True)
    sync_rule = models.CharField(max_length=20, choices=SyncRule.choices, default=SyncRule.TWO_WAY)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.hubsync_property} ↔ {self.lead_field or '-'}/{self.contact_field or '-'}"

    def clean(self) -> None:
        from marketing.models import Contact

        names = {field.name for field in Contact._meta.get_fields()}
        if self.hubsync_property not in names:
            raise ValidationError({"hubsync_property": _("Not a contact property.")})
        if not self.lead_field and not self.contact_field:
            raise ValidationError(_("Map the property to a Lead field, a Contact field or both."))


class SyncDirection(models.TextChoices):
    OUTBOUND = "outbound", _("hubsync → Salesforce")
    INBOUND = "inbound", _("Salesforce → hubsync")


class ContactSyncState(models.Model):
    """Where one contact stands in the push to Salesforce: due, claimed, failed, parked.

    ``synced_version`` is the contact's ``updated_at`` as last pushed (or as
    last written by the inbound sync), so a value the sync wrote itself is
    never taken for a new change.
    """

    contact = models.OneToOneField(
        "marketing.Contact", on_delete=models.CASCADE, primary_key=True, related_name="sync_state"
    )
    due = models.BooleanField(default=True)
    not_before = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    claim_token = models.CharField(max_length=32, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    parked = models.BooleanField(default=False)
    synced_version = models.DateTimeField(null=True, blank=True)
    # Deleted in Salesforce and kept in hubsync (delete checkbox unticked): never
    # pushed again, so the sales team's delete is not undone by a re-create.
    excluded = models.BooleanField(default=False)
    # The contact's updated_at when its last attempt failed: an edit after it unparks.
    failed_version = models.DateTimeField(null=True, blank=True)
    last_pushed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["due", "contact"], name="syncstate_due", condition=models.Q(due=True)
            ),
            models.Index(
                fields=["parked"], name="syncstate_parked", condition=models.Q(parked=True)
            ),
        ]

    def __str__(self) -> str:
        return f"sync state of contact {self.contact_id}"


class SyncError(models.Model):
    """A record that failed to sync, with Salesforce's own code and message.

    One open row per (contact, direction); it is resolved when the record
    syncs, and keeps the attempt count and the next retry meanwhile.
    """

    contact = models.ForeignKey(
        "marketing.Contact", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    direction = models.CharField(max_length=8, choices=SyncDirection.choices)
    object_type = models.CharField(max_length=40)
    salesforce_id = models.CharField(max_length=18, blank=True)
    code = models.CharField(max_length=64)
    message = models.TextField(blank=True)
    fields = models.JSONField(default=list, blank=True)
    attempts = models.PositiveSmallIntegerField(default=1)
    next_retry_at = models.DateTimeField(null=True, blank=True)
    parked = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-updated_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["contact", "direction", "object_type"],
                condition=models.Q(resolved_at__isnull=True, contact__isnull=False),
                name="one_open_sync_error_per_contact_direction_object",
            )
        ]
        indexes = [models.Index(fields=["resolved_at", "code"], name="syncerror_open_code")]

    def __str__(self) -> str:
        return f"{self.object_type} {self.code}: {self.message[:60]}"


class SyncRunStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")
    PAUSED = "paused", _("Paused (API call limit)")
    SKIPPED = "skipped", _("Skipped")
    STOPPED = "stopped", _("Stopped (sync turned off)")


class SyncRun(models.Model):
    """One sync cycle: why it ran, how it went, what it moved and what it cost."""

    trigger = models.CharField(max_length=32)
    status = models.CharField(
        max_length=16, choices=SyncRunStatus.choices, default=SyncRunStatus.RUNNING
    )
    reason = models.TextField(blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    api_calls = models.PositiveIntegerField(default=0)
    counts = models.JSONField(default=dict, blank=True)
    errors = models.PositiveIntegerField(default=0)
    # Live progress while running: {"phase": ..., "done": n, "total": n}.
    progress = models.JSONField(default=dict, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # Failed or skipped for a reason that passes by itself (Salesforce unreachable, another
    # cycle running): the task tries again soon. Bad credentials or settings do not.
    retry_soon = models.BooleanField(default=False)

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["status", "started_at"], name="syncrun_status")]

    def __str__(self) -> str:
        return f"{self.trigger} {self.status} {self.started_at:%Y-%m-%d %H:%M}"


class CycleLock(models.Model):
    """Held by the one running sync cycle (a lease: it expires if its worker dies)."""

    name = models.CharField(max_length=32, unique=True)
    run = models.ForeignKey(SyncRun, on_delete=models.SET_NULL, null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} held by run {self.run_id}" if self.run_id else self.name


class SyncCursor(models.Model):
    """A named watermark (e.g. the last contact change scanned, the last SystemModstamp read)."""

    name = models.CharField(max_length=64, unique=True)
    value = models.DateTimeField(null=True, blank=True)
    # Records already read in the watermark's own second (Salesforce compares seconds).
    boundary_ids = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.name}={self.value}"


class EmailCollision(models.Model):
    """Several Salesforce records share one email: the oldest was linked, the others noted."""

    email = models.EmailField()
    chosen_id = models.CharField(max_length=18)
    other_ids = models.JSONField(default=list)
    detected_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-detected_at"]

    def __str__(self) -> str:
        return f"{self.email}: {self.chosen_id} (+{len(self.other_ids)})"


class DeletionAction(models.TextChoices):
    DELETED = "deleted", _("Deleted in hubsync")
    KEPT = "kept", _("Kept in hubsync and unlinked")


class SalesforceDeletion(models.Model):
    """A Lead or Contact deleted in Salesforce, and what hubsync did about it."""

    contact = models.ForeignKey(
        "marketing.Contact", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    email = models.EmailField(blank=True)
    object_type = models.CharField(max_length=16)
    salesforce_id = models.CharField(max_length=18)
    action = models.CharField(max_length=8, choices=DeletionAction.choices)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-recorded_at"]

    def __str__(self) -> str:
        return f"{self.object_type} {self.salesforce_id} ({self.action})"


class CrmTaskLink(models.Model):
    """A hubsync CRM task or call and its Salesforce Task: each moves exactly once."""

    crm_task = models.OneToOneField(
        "marketing.CrmTask", on_delete=models.CASCADE, related_name="salesforce_link"
    )
    salesforce_id = models.CharField(max_length=18, unique=True)
    direction = models.CharField(max_length=8, choices=SyncDirection.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"task {self.crm_task_id} ↔ {self.salesforce_id}"


class ActivityLink(models.Model):
    """An activity written to Salesforce (as a Task or a HubSpot_Intelligence__c record)."""

    activity = models.OneToOneField(
        "marketing.Activity", on_delete=models.CASCADE, related_name="salesforce_link"
    )
    salesforce_object = models.CharField(max_length=40)
    salesforce_id = models.CharField(max_length=18)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"activity {self.activity_id} → {self.salesforce_object} {self.salesforce_id}"


class OrgUsageSample(models.Model):
    """The org's own API usage as Salesforce reported it, the highest per hour (for the chart)."""

    hour = models.DateTimeField(unique=True)
    used = models.PositiveIntegerField()
    max = models.PositiveIntegerField()

    class Meta:
        ordering = ["-hour"]

    def __str__(self) -> str:
        return f"{self.hour:%Y-%m-%d %H}:00 {self.used}/{self.max}"


class SyncEventOutcome(models.TextChoices):
    CREATED = "created", _("Created")
    UPDATED = "updated", _("Updated")
    LINKED = "linked", _("Linked")
    FAILED = "failed", _("Failed")
    DELETED = "deleted", _("Deleted in Salesforce")


class ContactSyncEvent(models.Model):
    """One contact's sync history: when, which direction, which fields, and the outcome."""

    contact = models.ForeignKey(
        "marketing.Contact", on_delete=models.CASCADE, related_name="sync_events"
    )
    at = models.DateTimeField(auto_now_add=True)
    direction = models.CharField(max_length=8, choices=SyncDirection.choices)
    object_type = models.CharField(max_length=40)
    salesforce_id = models.CharField(max_length=18, blank=True)
    fields = models.JSONField(default=list, blank=True)
    outcome = models.CharField(max_length=8, choices=SyncEventOutcome.choices)
    detail = models.TextField(blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["contact", "-at"], name="syncevent_contact_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.direction} {self.outcome}"


class HeldDeletion(models.Model):
    """A delete from Salesforce held back for an admin: the cycle would have deleted too many.

    When one cycle would delete more than SALESFORCE_MASS_DELETE_SHARE of all hubsync
    contacts, none of them is deleted: each gets a row here until an admin approves
    (deleted) or discards (kept and unlinked) them on the settings page.
    """

    contact = models.OneToOneField(
        "marketing.Contact", on_delete=models.CASCADE, related_name="held_deletion"
    )
    email = models.EmailField(blank=True)
    object_type = models.CharField(max_length=16)
    salesforce_id = models.CharField(max_length=18)
    # The pull that held it: one cycle's deletes are approved or discarded together.
    cycle = models.CharField(max_length=32)
    held_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["held_at", "id"]

    def __str__(self) -> str:
        return f"held delete of {self.object_type} {self.salesforce_id}"
