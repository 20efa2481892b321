"""*Integrations → Salesforce → Campaigns*: the org's campaigns as hubsync read them, and the
smart lists linked to them (contacts that join a list become members with the link's
status; those that leave are removed when the link says so)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from connector.models import CampaignLink
from connector.services.campaign_links import campaign_link_delete, campaign_link_save
from connector.services.jobs import sync_enqueue
from connector.sync.pull.campaigns import campaigns_discover_now
from marketing.models import Campaign, SmartList

from .base import SalesforcePageMixin


class CampaignsView(SalesforcePageMixin, TemplateView):
    template_name = "settings_ui/campaigns.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        campaigns = list(Campaign.objects.annotate(member_count=Count("members")))
        names = {c.salesforce_id: c.name for c in campaigns}
        links = [
            (link, names.get(link.campaign_id, link.campaign_id))
            for link in CampaignLink.objects.select_related("smart_list").annotate(
                made=Count("members")
            )
        ]
        statuses = sorted({label for c in campaigns for label in c.status_labels})
        return super().get_context_data(
            can_manage=self.can_manage,
            campaigns=campaigns,
            links=links,
            smart_lists=SmartList.objects.order_by("name"),
            statuses=statuses,
            posted=getattr(self, "posted", {}),
            link_errors=getattr(self, "link_errors", {}),
            **kwargs,
        )

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if "read_campaigns" in request.POST:
            campaigns_discover_now()
            sync_enqueue(trigger="campaigns_read")
            messages.success(
                request,
                _("The campaigns are read from Salesforce with the sync that just started."),
            )
            return HttpResponseRedirect(reverse("settings_ui:salesforce_campaigns"))
        if request.POST.get("delete"):
            link = CampaignLink.objects.filter(pk=request.POST["delete"]).first()
            if link is not None:
                campaign_link_delete(link=link, acting_user=request.user)
                messages.success(request, _("The link was removed."))
            return HttpResponseRedirect(reverse("settings_ui:salesforce_campaigns"))
        smart_list = SmartList.objects.filter(pk=request.POST.get("smart_list") or 0).first()
        self.posted = request.POST
        if smart_list is None:
            self.link_errors: dict[str, Any] = {"smart_list": _("Choose a smart list.")}
            return self.render_to_response(self.get_context_data())
        try:
            campaign_link_save(
                smart_list=smart_list,
                campaign_id=request.POST.get("campaign_id", ""),
                member_status=request.POST.get("member_status", "").strip(),
                remove_when_leaving=request.POST.get("remove_when_leaving") == "on",
                acting_user=request.user,
            )
        except ValidationError as error:
            self.link_errors = error.message_dict
            messages.error(request, _("The link was not saved: fix the fields marked below."))
            return self.render_to_response(self.get_context_data())
        sync_enqueue(trigger="campaign_link")
        messages.success(
            request, _("The smart list is linked; its contacts become members with the next sync.")
        )
        return HttpResponseRedirect(reverse("settings_ui:salesforce_campaigns"))
