"""Smart lists linked to Salesforce campaigns, and the contacts each link made members."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class CampaignLink(models.Model):
    """A smart list whose contacts (linked to a Lead or Contact) become members of a
    Salesforce campaign with ``member_status`` (settings JSON ``campaign_links``)."""

    smart_list = models.ForeignKey(
        "marketing.SmartList",
        verbose_name=_("smart list"),
        on_delete=models.PROTECT,
        related_name="campaign_links",
    )
    campaign_id = models.CharField(_("campaign"), max_length=18)
    member_status = models.CharField(_("member status"), max_length=765)
    remove_when_leaving = models.BooleanField(
        _("remove contacts that leave the list"), default=False
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["smart_list", "campaign_id"], name="campaign_link_list_campaign"
            )
        ]

    def __str__(self) -> str:
        return f"{self.smart_list_id} → {self.campaign_id}"


class CampaignLinkMember(models.Model):
    """A contact of a link's list that is (or was made) a member of the link's campaign:
    those that leave the list are the ones a link removes."""

    link = models.ForeignKey(CampaignLink, on_delete=models.CASCADE, related_name="members")
    contact = models.ForeignKey("marketing.Contact", on_delete=models.CASCADE, related_name="+")
    salesforce_member_id = models.CharField(max_length=18, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["link", "contact"], name="campaign_link_member")
        ]

    def __str__(self) -> str:
        return f"{self.contact_id} in {self.link_id}"
