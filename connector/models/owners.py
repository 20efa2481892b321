"""The org's users and queues as hubsync last read them, and the matches set by hand."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class SalesforceUser(models.Model):
    """A ``User`` (active or inactive) or a queue (``Group`` of type ``Queue``) of the org,
    as the last read found it (connector.sync.owners)."""

    salesforce_id = models.CharField(max_length=18, unique=True)
    name = models.CharField(max_length=121, blank=True)
    email = models.CharField(max_length=128, blank=True, db_index=True)
    is_active = models.BooleanField(default=True)
    is_queue = models.BooleanField(default=False)
    # Gone from the org since (deleted users do not exist; a queue may be deleted).
    gone = models.BooleanField(default=False)
    read_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["is_queue", "name", "salesforce_id"]
        verbose_name = _("Salesforce user")
        verbose_name_plural = _("Salesforce users")

    def __str__(self) -> str:
        return f"{self.name} ({self.salesforce_id})"


class UserMapping(models.Model):
    """A match of a Salesforce user set by hand (*Integrations → Salesforce → Users*,
    settings JSON ``user_mappings``); it replaces the match by email. ``user`` None: the
    Salesforce user matches nobody in hubsync, whatever the emails say."""

    salesforce_user_id = models.CharField(max_length=18, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="salesforce_user_mappings",
    )
    # Every change, with who and when: shown in the settings history.
    history = HistoricalRecords()

    class Meta:
        ordering = ["salesforce_user_id"]
        verbose_name = _("user match")
        verbose_name_plural = _("user matches")

    def __str__(self) -> str:
        return f"{self.salesforce_user_id} → {self.user or '—'}"
