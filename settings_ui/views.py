"""Integrations → Salesforce → Settings. Thin: forms validate, services save."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings as django_settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, ngettext_lazy
from django.views.generic import FormView, ListView, TemplateView, View

from connector.credentials.methods import credentials_from_settings
from connector.selectors import (
    api_calls_used_last_24h,
    integration_settings_get,
    sync_error_facets,
    sync_errors_open,
)
from connector.services.deletions import (
    held_deletions_approve,
    held_deletions_discard,
    held_deletions_list,
    held_deletions_summary,
)
from connector.services.settings import integration_settings_update, integration_sync_set
from connector.services.sync_errors import sync_errors_retry
from connector.status import sync_status_get
from connector.validators import form_errors_add
from marketing import csv_safety
from marketing.services import smart_list_create

from .forms import IntegrationSettingsForm, SyncToggleForm
from .forms_inclusion import InclusionListForm
from .presenters import settings_draft_initial, settings_page_context, sync_errors_csv_rows

MANAGE_PERMISSION = "connector.change_integrationsettings"
# Unsaved settings-form input, parked while the user creates an inclusion list.
DRAFT_SESSION_KEY = "salesforce_settings_draft"
SETTINGS_TEMPLATE = "settings_ui/salesforce_settings.html"


def _page_number(value: str) -> int:
    return int(value) if value.isdigit() else 1


class IntegrationsView(LoginRequiredMixin, TemplateView):
    """Account menu → Integrations: the list of integrations (Salesforce)."""

    template_name = "settings_ui/integrations.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        integration_settings = integration_settings_get()
        return super().get_context_data(
            integration_settings=integration_settings,
            status=sync_status_get(integration_settings=integration_settings),
            **kwargs,
        )


class SalesforcePageMixin(LoginRequiredMixin, PermissionRequiredMixin):
    """Every logged-in user may look; saving needs the change permission (Marketing admins)."""

    permission_required = MANAGE_PERMISSION
    template_name: str | None = SETTINGS_TEMPLATE
    request: HttpRequest

    def has_permission(self) -> bool:
        if self.request.method in ("GET", "HEAD", "OPTIONS"):
            return True
        return super().has_permission()

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        self.integration_settings = integration_settings_get()
        response = super().dispatch(request, *args, **kwargs)
        emulator = django_settings.SALESFORCE_EMULATOR_URL
        if emulator:
            # The Content-Security-Policy lets forms lead to Salesforce's login only: with the
            # emulator, "Connect with Salesforce" is redirected to its authorize page instead.
            parts = urlsplit(emulator)
            form_action = {"form-action": [f"{parts.scheme}://{parts.netloc}"]}
            response._csp_update = form_action  # type: ignore[attr-defined]  # django-csp reads it
        return response

    @property
    def can_manage(self) -> bool:
        return self.request.user.has_perm(MANAGE_PERMISSION)

    def page_context(self, **forms: Any) -> dict[str, Any]:
        """Everything the settings page shows; any form passed in replaces its fresh copy."""
        return settings_page_context(
            integration_settings=self.integration_settings,
            can_manage=self.can_manage,
            settings_initial=self._draft_initial(),
            callback_url=self.callback_url(),
            history_page=int(page)
            if (page := self.request.GET.get("history", "")).isdigit()
            else 1,
            **forms,
        )

    def _draft_initial(self) -> dict[str, Any]:
        """What was typed before *Create Inclusion List*, on the way back from it."""
        if self.request.method != "GET":
            return {}
        draft = self.request.session.pop(DRAFT_SESSION_KEY, None)
        query = self.request.GET
        # Only the way back from *Create Inclusion List* restores what was typed;
        # any other visit shows the saved settings.
        if not ({"restore", "inclusion_list"} & set(query)):
            draft = None
        inclusion_list = query.get("inclusion_list", "")
        return settings_draft_initial(
            integration_settings=self.integration_settings,
            draft=draft,
            inclusion_list=int(inclusion_list) if inclusion_list.isdigit() else None,
        )

    def callback_url(self) -> str:
        """Where Salesforce sends the admin back after *Connect with Salesforce*."""
        return self.request.build_absolute_uri(reverse("settings_ui:salesforce_oauth_callback"))

    def success_redirect(self) -> HttpResponseRedirect:
        return HttpResponseRedirect(reverse("settings_ui:salesforce_settings"))


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


class SyncErrorsView(LoginRequiredMixin, ListView):
    """Records that failed to sync, with Salesforce's own code and message."""

    template_name = "settings_ui/sync_errors.html"
    paginate_by = 50
    context_object_name = "errors"

    def get_queryset(self):
        return sync_errors_open(
            object_type=self.request.GET.get("object", ""), code=self.request.GET.get("code", "")
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(
            facets=sync_error_facets(),
            selected_object=self.request.GET.get("object", ""),
            selected_code=self.request.GET.get("code", ""),
            can_manage=self.request.user.has_perm(MANAGE_PERMISSION),
            query=self.request.GET.urlencode(),
            salesforce_host=credentials_from_settings(integration_settings_get()).login_host,
            **kwargs,
        )


class SyncErrorsRetryView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """*Retry* (one error, ``error`` in the form) or *Retry all* (the filtered list)."""

    permission_required = MANAGE_PERMISSION
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.POST.get("error", "").isdigit():
            ids = [int(request.POST["error"])]
        else:
            errors = sync_errors_open(
                object_type=request.POST.get("object", ""), code=request.POST.get("code", "")
            )
            ids = list(errors.values_list("pk", flat=True))
        count = sync_errors_retry(error_ids=ids)
        messages.success(
            request,
            ngettext(
                "%(count)d record will be retried in the next sync.",
                "%(count)d records will be retried in the next sync.",
                count,
            )
            % {"count": count},
        )
        return HttpResponseRedirect(reverse("settings_ui:sync_errors"))


class SyncErrorsCsvView(LoginRequiredMixin, View):
    """The (filtered) error list as CSV, streamed; formula cells neutralised."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        errors = sync_errors_open(
            object_type=request.GET.get("object", ""), code=request.GET.get("code", "")
        )
        writer = csv_safety.writer(_Echo())
        response = StreamingHttpResponse(
            (writer.writerow(row) for row in sync_errors_csv_rows(errors)),
            content_type="text/csv; charset=utf-8",
        )
        response["Content-Disposition"] = 'attachment; filename="salesforce-sync-errors.csv"'
        return response


class _Echo:
    """A file-like object whose write returns the line (for streaming csv.writer)."""

    def write(self, value: str) -> str:
        return value


class _HeldDeletionsView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """Deletes held by the mass-delete guard (the panel ``_held_deletions.html``):
    POST-only, runs ``service`` on them and says what happened."""

    permission_required = MANAGE_PERMISSION
    http_method_names = ["post"]
    service: Callable[..., int]
    message: Any  # ngettext_lazy(..., "count")

    confirm: bool = False  # the admin must confirm the number of contacts it applies to

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        held = held_deletions_summary()["count"]
        if self.confirm and request.POST.get("confirm") != str(held):
            messages.error(
                request,
                _(
                    "Nothing was deleted: confirm the number of contacts to delete (it may have "
                    "changed since the page was loaded)."
                ),
            )
            return HttpResponseRedirect(reverse("settings_ui:held_deletions"))
        count = type(self).service(acting_user=request.user)
        messages.success(request, self.message % {"count": count})
        return HttpResponseRedirect(reverse("settings_ui:salesforce_settings"))


class HeldDeletionsView(LoginRequiredMixin, ListView):
    """Who the held deletes would delete, paged, with the count; the decision, confirmed."""

    template_name = "settings_ui/held_deletions.html"
    paginate_by = 50
    context_object_name = "held"

    def get_queryset(self):
        return held_deletions_list()

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(
            held_deletions=held_deletions_summary(),
            can_manage=self.request.user.has_perm(MANAGE_PERMISSION),
            **kwargs,
        )


class HeldDeletionsApproveView(_HeldDeletionsView):
    """*Delete them*: carry out the held deletes."""

    service = held_deletions_approve
    confirm = True
    message = ngettext_lazy(
        "%(count)s contact deleted in hubsync, as in Salesforce.",
        "%(count)s contacts deleted in hubsync, as in Salesforce.",
        "count",
    )


class HeldDeletionsDiscardView(_HeldDeletionsView):
    """*Keep them*: the contacts stay in hubsync, unlinked from the deleted records."""

    service = held_deletions_discard
    message = ngettext_lazy(
        "%(count)s contact kept in hubsync and unlinked from Salesforce.",
        "%(count)s contacts kept in hubsync and unlinked from Salesforce.",
        "count",
    )
