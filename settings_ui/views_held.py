"""Deletes held by the mass-delete guard: *Approve* or *Discard* on the settings page.

POST-only buttons; the panel itself is ``templates/settings_ui/_held_deletions.html``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import ngettext_lazy
from django.views import View

from connector.services import held_deletions_approve, held_deletions_discard

from .views import MANAGE_PERMISSION


class _HeldDeletionsView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """POST-only: run ``service`` on the held deletes and say what happened."""

    permission_required = MANAGE_PERMISSION
    http_method_names = ["post"]
    service: Callable[..., int]
    message: Any  # ngettext_lazy(..., "count")

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        count = type(self).service(acting_user=request.user)
        messages.success(request, self.message % {"count": count})
        return HttpResponseRedirect(reverse("settings_ui:salesforce_settings"))


class HeldDeletionsApproveView(_HeldDeletionsView):
    """*Delete them*: carry out the held deletes."""

    service = held_deletions_approve
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
