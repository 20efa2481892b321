"""The sync's state between cycles: the push queue, failures, runs, the lock, watermarks,
and API usage."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from marketing.json_fields import SYNC_WRITTEN_MAX_BYTES, BoundedJSONField

from ..messages import message_read


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
    # Parked because Salesforce refused the record as it is (a validation rule, a duplicate
    # rule …): only a change brings it back, never the nightly retry.
    needs_fix = models.BooleanField(default=False)
    synced_version = models.DateTimeField(null=True, blank=True)
    # Deleted in Salesforce and kept in hubsync (delete checkbox unticked): never
    # pushed again, so the sales team's delete is not undone by a re-create.
    excluded = models.BooleanField(default=False)
    # The contact's updated_at when its last attempt failed: an edit after it unparks.
    failed_version = models.DateTimeField(null=True, blank=True)
    last_pushed_at = models.DateTimeField(null=True, blank=True)
    # A create was sent for this unlinked contact and may have reached Salesforce without
    # its outcome being stored (a worker killed, a timeout): the next try upserts on the
    # external id instead of creating, so it finds that record rather than failing on it.
    create_sent = models.BooleanField(default=False)
    # The per-field merge's base: ``{property: value}`` as both sides had it after the last
    # sync (a property missing: not known). See connector/merge.py.
    synced_values = BoundedJSONField(max_bytes=SYNC_WRITTEN_MAX_BYTES, default=dict, blank=True)
    # The linked record's OwnerId as last read or written (a user, or a Lead's queue: the
    # contact page says "Queue: <name>").
    salesforce_owner_id = models.CharField(max_length=18, blank=True)
    # The contact's record is read again by Id by the next pull that finds the contact in
    # the inclusion list: the pull skipped its changed record while the contact was outside
    # (else what changed meanwhile would never reach it), or the push linked it to a Contact
    # hubsync did not create (its Account is read then, as for a Contact the pull links), or
    # the pull read its Contact but not yet that Contact's Account (pull.people_read).
    reread_when_included = models.BooleanField(default=False)

    class Meta:
        indexes = [
            models.Index(
                fields=["due", "contact"], name="syncstate_due", condition=models.Q(due=True)
            ),
            models.Index(
                fields=["parked"], name="syncstate_parked", condition=models.Q(parked=True)
            ),
            # Each cycle asks for the few marked ones (a scan of 2,000,000 took 3 s).
            models.Index(
                fields=["contact"],
                name="syncstate_reread",
                condition=models.Q(reread_when_included=True),
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
    # hubsync's own message as its key and parameters (connector.messages); null for
    # Salesforce's text, which ``message`` keeps as Salesforce wrote it.
    message_said = BoundedJSONField(max_bytes=SYNC_WRITTEN_MAX_BYTES, null=True, blank=True)
    fields = BoundedJSONField(max_bytes=SYNC_WRITTEN_MAX_BYTES, default=list, blank=True)
    attempts = models.PositiveSmallIntegerField(default=1)
    next_retry_at = models.DateTimeField(null=True, blank=True)
    parked = models.BooleanField(default=False)
    needs_fix = models.BooleanField(default=False)
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

    @property
    def message_read(self) -> str:
        """The message, to show with ``in_language`` (see connector.messages)."""
        return message_read(self.message, self.message_said)


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
    reason_said = BoundedJSONField(max_bytes=SYNC_WRITTEN_MAX_BYTES, null=True, blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    api_calls = models.PositiveIntegerField(default=0)
    counts = BoundedJSONField(max_bytes=SYNC_WRITTEN_MAX_BYTES, default=dict, blank=True)
    errors = models.PositiveIntegerField(default=0)
    # Live progress while running: {"phase": ..., "done": n, "total": n}.
    progress = BoundedJSONField(max_bytes=SYNC_WRITTEN_MAX_BYTES, default=dict, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # Failed or skipped for a reason that passes by itself (Salesforce unreachable, another
    # cycle running): the task tries again soon. Bad credentials or settings do not.
    retry_soon = models.BooleanField(default=False)

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["status", "started_at"], name="syncrun_status")]

    def __str__(self) -> str:
        return f"{self.trigger} {self.status} {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def reason_read(self) -> str:
        """The reason, to show with ``in_language`` (see connector.messages)."""
        return message_read(self.reason, self.reason_said)


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
    boundary_ids = BoundedJSONField(max_bytes=SYNC_WRITTEN_MAX_BYTES, default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.name}={self.value}"


class OrgUsageSample(models.Model):
    """The org's own API usage as Salesforce reported it, the highest per hour (for the chart)."""

    hour = models.DateTimeField(unique=True)
    used = models.PositiveIntegerField()
    max = models.PositiveIntegerField()

    class Meta:
        ordering = ["-hour"]

    def __str__(self) -> str:
        return f"{self.hour:%Y-%m-%d %H}:00 {self.used}/{self.max}"
