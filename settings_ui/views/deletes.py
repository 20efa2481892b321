"""The held deletes page: what the mass-delete guard holds, approved or discarded."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
)
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext_lazy
from django.views.generic import ListView, View

from connector.services.deletions import (
    held_deletions_approve,
    held_deletions_discard,
    held_deletions_list,
    held_deletions_summary,
)

from .base import MANAGE_PERMISSION


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
