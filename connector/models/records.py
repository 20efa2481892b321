"""What the sync did to records: collisions, deletes (and held ones), task and activity
links, each contact's sync history."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from marketing.json_fields import SYNC_WRITTEN_MAX_BYTES, BoundedJSONField

from ..messages import message_read
from .sync_state import SyncDirection


class EmailCollision(models.Model):
    """Several Salesforce records share one email: the oldest was linked, the others noted."""

    email = models.EmailField()
    chosen_id = models.CharField(max_length=18, db_index=True)  # pull.collisions reads by it
    other_ids = BoundedJSONField(max_bytes=SYNC_WRITTEN_MAX_BYTES, default=list)
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


class SyncEventOutcome(models.TextChoices):
    CREATED = "created", _("Created")
    UPDATED = "updated", _("Updated")
    LINKED = "linked", _("Linked")
    FAILED = "failed", _("Failed")
    DELETED = "deleted", _("Deleted in Salesforce")
    CONVERTED = "converted", _("Lead converted")
    MERGED = "merged", _("Merged in Salesforce")
    UNLINKED = "unlinked", _("Unlinked")


class ContactSyncEvent(models.Model):
    """One contact's sync history: when, which direction, which fields, and the outcome."""

    # No index of its own: syncevent_contact_at begins with it (each history row written
    # one index entry fewer; the push writes a row per contact).
    contact = models.ForeignKey(
        "marketing.Contact", on_delete=models.CASCADE, related_name="sync_events", db_index=False
    )
    at = models.DateTimeField(auto_now_add=True)
    direction = models.CharField(max_length=8, choices=SyncDirection.choices)
    object_type = models.CharField(max_length=40)
    salesforce_id = models.CharField(max_length=18, blank=True)
    fields = BoundedJSONField(max_bytes=SYNC_WRITTEN_MAX_BYTES, default=list, blank=True)
    outcome = models.CharField(max_length=12, choices=SyncEventOutcome.choices)
    detail = models.TextField(blank=True)
    # The detail as its message key and parameters (connector.messages); null for none.
    detail_said = BoundedJSONField(max_bytes=SYNC_WRITTEN_MAX_BYTES, null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["contact", "-at"], name="syncevent_contact_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.direction} {self.outcome}"

    @property
    def detail_read(self) -> str:
        """The detail, to show with ``in_language`` (see connector.messages)."""
        return message_read(self.detail, self.detail_said)


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
