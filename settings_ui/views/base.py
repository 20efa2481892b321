"""What every Salesforce page shares: who may look and who may save, the settings row, the
settings page's context and its way back."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings as django_settings
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.http import (
    HttpRequest,
    HttpResponseBase,
    HttpResponseRedirect,
)
from django.urls import reverse

from connector.selectors import (
    integration_settings_get,
)

from ..presenters import settings_draft_initial, settings_page_context

MANAGE_PERMISSION = "connector.change_integrationsettings"
# Unsaved settings-form input, parked while the user creates an inclusion list.


DRAFT_SESSION_KEY = "salesforce_settings_draft"


SETTINGS_TEMPLATE = "settings_ui/salesforce_settings.html"


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
