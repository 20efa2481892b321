"""The sync errors page: the open errors, *Retry*, and the CSV export."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.urls import reverse
from django.utils.translation import ngettext
from django.views.generic import ListView, View

from connector.credentials.methods import credentials_from_settings
from connector.selectors import (
    integration_settings_get,
    sync_error_facets,
    sync_errors_open,
)
from connector.services.sync_errors import sync_errors_retry
from marketing import csv_safety

from ..presenters import sync_errors_csv_rows
from .base import MANAGE_PERMISSION


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
