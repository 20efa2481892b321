"""Deletes held by the mass-delete guard: *Approve* or *Discard* on the settings page.

POST-only buttons; the panel itself is ``templates/settings_ui/_held_deletions.html``.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import ngettext
from django.views import View

from connector.services import held_deletions_approve, held_deletions_discard

from .views import MANAGE_PERMISSION


class HeldDeletionsApproveView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """*Delete them*: carry out the held deletes."""

    permission_required = MANAGE_PERMISSION
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        count = held_deletions_approve(acting_user=request.user)
        messages.success(
            request,
            ngettext(
                "%(count)s contact deleted in hubsync, as in Salesforce.",
                "%(count)s contacts deleted in hubsync, as in Salesforce.",
                count,
            )
            % {"count": count},
        )
        return HttpResponseRedirect(reverse("settings_ui:salesforce_settings"))


class HeldDeletionsDiscardView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """*Keep them*: the contacts stay in hubsync, unlinked from the deleted records."""

    permission_required = MANAGE_PERMISSION
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        count = held_deletions_discard(acting_user=request.user)
        messages.success(
            request,
            ngettext(
                "%(count)s contact kept in hubsync and unlinked from Salesforce.",
                "%(count)s contacts kept in hubsync and unlinked from Salesforce.",
                count,
            )
            % {"count": count},
        )
        return HttpResponseRedirect(reverse("settings_ui:salesforce_settings"))
