"""Salesforce campaigns and their members, copied by the campaign sync (read-only in
hubsync: connector.sync.campaigns writes them)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Campaign(models.Model):
    salesforce_id = models.CharField(max_length=18, unique=True)
    name = models.CharField(_("name"), max_length=80)
    type = models.CharField(_("type"), max_length=255, blank=True)
    status = models.CharField(_("status"), max_length=255, blank=True)
    is_active = models.BooleanField(_("active"), default=False)
    start_date = models.DateField(_("start date"), null=True, blank=True)
    end_date = models.DateField(_("end date"), null=True, blank=True)
    # ``[{"label", "has_responded", "is_default"}]``, in Salesforce's order.
    member_statuses = models.JSONField(_("member statuses"), default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "salesforce_id"]
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")

    def __str__(self) -> str:
        return self.name

    @property
    def status_labels(self) -> list[str]:
        return [s["label"] for s in self.member_statuses]


class CampaignMember(models.Model):
    salesforce_id = models.CharField(max_length=18, unique=True)
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="members")
    # The Lead or Contact (a converted Lead's member: the Contact); the hubsync contact
    # linked to it, when there is one.
    salesforce_person_id = models.CharField(max_length=18, db_index=True)
    contact = models.ForeignKey(
        "marketing.Contact",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="campaign_memberships",
    )
    status = models.CharField(_("status"), max_length=765, blank=True)
    has_responded = models.BooleanField(_("responded"), default=False)
    first_responded_date = models.DateField(_("first responded"), null=True, blank=True)
    created_date = models.DateTimeField(_("added"), null=True, blank=True)

    class Meta:
        ordering = ["campaign__name", "salesforce_id"]
        verbose_name = _("campaign member")
        verbose_name_plural = _("campaign members")

    def __str__(self) -> str:
        return f"{self.campaign} / {self.salesforce_person_id}"
