"""A contact as the sync sees it (linked from *Sync errors*): its properties, its Salesforce
record, what is failing, its opportunities and its sync history. Read-only: staff edit
contacts in the Django admin."""

from __future__ import annotations

from typing import Any

from django.conf import settings as django_settings
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from connector.credentials.methods import credentials_from_settings
from connector.selectors import contact_sync_overview, integration_settings_get
from connector.transport import browser_url
from marketing.models import Contact

# The contact's properties as the page labels them (the model's fields have no labels of
# their own to translate).
PROPERTIES = {
    "first_name": _("First name"),
    "last_name": _("Last name"),
    "job_title": _("Job title"),
    "phone": _("Phone"),
    "company_name": _("Company name"),
    "state": _("State"),
    "country": _("Country"),
}


class ContactSyncView(LoginRequiredMixin, TemplateView):
    template_name = "settings_ui/contact.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        contact = get_object_or_404(Contact, pk=kwargs["pk"])
        return super().get_context_data(
            contact=contact,
            properties=[(label, getattr(contact, name)) for name, label in PROPERTIES.items()],
            owner=contact.owner,
            **contact_sync_overview(contact=contact),
            salesforce_url=salesforce_record_url(contact.salesforce_id),
            **kwargs,
        )


def salesforce_record_url(record_id: str) -> str:
    """A record's page in Salesforce: on the org's instance (as the last login answered;
    the emulator's own address in the demo), the login host before any login."""
    if not record_id:
        return ""
    integration_settings = integration_settings_get()
    base = integration_settings.instance_url or (
        f"https://{credentials_from_settings(integration_settings).login_host}"
    )
    return browser_url(f"{base.rstrip('/')}/{record_id}", django_settings.SALESFORCE_EMULATOR_URL)
