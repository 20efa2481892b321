"""*Integrations → Salesforce → Users*: the org's users matched to hubsync users (by email,
or by hand), the unmatched on both sides, the queues; marketing admins set or clear a
match and read the users again."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from connector.client import SalesforceClient
from connector.errors import ConnectorError
from connector.owners import users_page
from connector.services.owners import org_users_read, user_match_set

from .base import SalesforcePageMixin


class UsersView(SalesforcePageMixin, TemplateView):
    template_name = "settings_ui/users.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(can_manage=self.can_manage, **users_page(), **kwargs)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if "read_users" in request.POST:
            try:
                count = org_users_read(SalesforceClient.from_settings(self.integration_settings))
            except ConnectorError as error:
                messages.error(
                    request, _("Salesforce did not answer: %(error)s") % {"error": error}
                )
            else:
                messages.success(
                    request,
                    _("%(count)s users and queues read from Salesforce.") % {"count": count},
                )
        else:
            try:
                user_match_set(
                    salesforce_user_id=request.POST.get("salesforce_user_id", ""),
                    choice=request.POST.get("match", ""),
                    acting_user=request.user,
                )
            except ValidationError as error:
                for message in error.messages:
                    messages.error(request, message)
            else:
                messages.success(request, _("The match was saved."))
        return HttpResponseRedirect(reverse("settings_ui:salesforce_users"))
