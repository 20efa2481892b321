"""Integrations → Salesforce → Settings: the page, its on/off button, *Create Inclusion List*
and the status line. Thin: forms validate, services save."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
)
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.generic import FormView, TemplateView

from connector.selectors import (
    api_calls_used_last_24h,
    integration_settings_get,
)
from connector.services.settings import integration_settings_update, integration_sync_set
from connector.status import sync_status_get
from connector.validators import form_errors_add
from marketing.services import smart_list_create

from ..forms import IntegrationSettingsForm, SyncToggleForm
from ..forms_inclusion import InclusionListForm
from .base import DRAFT_SESSION_KEY, MANAGE_PERMISSION, SalesforcePageMixin


class SalesforceSettingsView(SalesforcePageMixin, FormView):
    """The page itself; its POST is the blue Save button (sections 4–14)."""

    form_class = IntegrationSettingsForm

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        kwargs.update(
            integration_settings=self.integration_settings,
            api_calls_used=api_calls_used_last_24h(),
        )
        return kwargs

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        form = kwargs.pop("form", None)
        forms = {"settings_form": form} if form is not None and form.is_bound else {}
        return self.page_context(**forms)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if "create_inclusion_list" in request.POST:
            # Park what was typed so far; the smart-list form brings the user back to it.
            request.session[DRAFT_SESSION_KEY] = {
                key: request.POST.getlist(key)
                for key in request.POST
                if key != "csrfmiddlewaretoken"
            }
            return HttpResponseRedirect(reverse("settings_ui:inclusion_list_create"))
        return super().post(request, *args, **kwargs)

    def form_valid(self, form: IntegrationSettingsForm) -> HttpResponse:
        try:
            integration_settings_update(
                integration_settings=self.integration_settings,
                data=form.settings_data(),
                acting_user=self.request.user,
            )
        except ValidationError as error:  # what the org rules out (the setup check saw it)
            form_errors_add(form, error)  # on their fields; others above the form
            self.integration_settings.refresh_from_db()
            return self.form_invalid(form)
        messages.success(self.request, _("Your Salesforce settings were saved."))
        return self.success_redirect()

    def form_invalid(self, form: IntegrationSettingsForm) -> HttpResponse:
        count = len(form.errors)
        messages.error(
            self.request,
            ngettext(
                "Nothing was saved: %(count)s setting needs your attention (marked below).",
                "Nothing was saved: %(count)s settings need your attention (marked below).",
                count,
            )
            % {"count": count},
        )
        return super().form_invalid(form)


class SyncToggleView(SalesforcePageMixin, FormView):
    """The big button at the top: turns the sync on or off at once."""

    form_class = SyncToggleForm
    http_method_names = ["post"]
    success_url = reverse_lazy("settings_ui:salesforce_settings")

    def form_valid(self, form: SyncToggleForm) -> HttpResponse:
        enabled = form.cleaned_data["sync_enabled"]
        integration_sync_set(
            integration_settings=self.integration_settings,
            enabled=enabled,
            acting_user=self.request.user,
        )
        if enabled:
            messages.success(self.request, _("Salesforce sync is on."))
        else:
            messages.warning(
                self.request, _("Salesforce sync is off. Changes queue until it is on.")
            )
        return self.success_redirect()

    def form_invalid(self, form: SyncToggleForm) -> HttpResponse:
        messages.error(self.request, _("The sync could not be switched."))
        return self.success_redirect()


class InclusionListCreateView(LoginRequiredMixin, PermissionRequiredMixin, FormView):
    """*Create Inclusion List*: a new smart list, then back to the settings with it selected."""

    permission_required = ("marketing.add_smartlist", MANAGE_PERMISSION)
    form_class = InclusionListForm
    template_name = "settings_ui/inclusion_list_form.html"

    def form_valid(self, form: InclusionListForm) -> HttpResponse:
        smart_list = smart_list_create(
            name=form.cleaned_data["name"], criteria=form.cleaned_data["criteria"]
        )
        messages.success(
            self.request,
            _("Smart list “%(name)s” created. Save the settings to use it as the inclusion list.")
            % {"name": smart_list.name},
        )
        url = reverse("settings_ui:salesforce_settings")
        return HttpResponseRedirect(f"{url}?inclusion_list={smart_list.pk}#section-inclusion-list")


class SyncStatusView(LoginRequiredMixin, TemplateView):
    """The status panel alone: the page polls it while a cycle runs."""

    template_name = "settings_ui/_status.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(
            status=sync_status_get(integration_settings=integration_settings_get()), **kwargs
        )
