"""The *Salesforce Credentials* section: save, Connect with Salesforce (and back), Disconnect,
Test connection, and the setup check. Thin: each action is one service call."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.generic import FormView, View

from connector.credentials.encryption import decrypt_secret, encrypt_secret
from connector.credentials.services import (
    CredentialsOutcome,
    integration_connection_test,
    integration_credentials_save,
    oauth_connect_finish,
    oauth_connect_start,
    oauth_disconnect,
)
from connector.messages import in_language
from connector.models import AuthMethod
from connector.services.setup_check import setup_check_run

from ..forms_credentials import CredentialsForm
from .base import SalesforcePageMixin

# A Connect with Salesforce on its way: state, PKCE verifier and the draft credentials
# (the consumer secret encrypted), until Salesforce sends the admin back.
OAUTH_SESSION_KEY = "salesforce_oauth_pending"


def _refused_text(outcome: CredentialsOutcome) -> str:
    if outcome.limit_reached:
        return _(
            "An API call limit stopped the check of these credentials: %(code)s %(message)s "
            "Nothing was changed."
        ) % {"code": outcome.code, "message": in_language(outcome.message)}
    if outcome.unreachable:
        return _(
            "Salesforce could not be reached to check these credentials (%(e)s). Nothing was "
            "changed."
        ) % {"e": outcome.message}
    return _(
        "Salesforce refused these credentials: %(code)s %(message)s. Nothing was changed: "
        "the working credentials stay in place."
    ) % {"code": outcome.code, "message": outcome.message.rstrip(".")}  # one full stop


def _limit_text(outcome: CredentialsOutcome) -> str:
    return _(
        "%(message)s The credentials were checked with one login call past it; the setup "
        "check and the sync wait until calls free up in the 24-hour window (or the limit "
        "is raised)."
    ) % {"message": in_language(outcome.message)}


class CredentialsView(SalesforcePageMixin, FormView):
    """*Save credentials* (and *Connect with Salesforce*, the same form's other button)."""

    form_class = CredentialsForm
    http_method_names = ["post"]

    def get_form_kwargs(self) -> dict[str, Any]:
        return {
            **super().get_form_kwargs(),
            "integration_settings": self.integration_settings,
            "callback_url": self.callback_url(),
        }

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return self.page_context(credentials_form=kwargs["form"])

    def form_valid(self, form: CredentialsForm) -> HttpResponse:
        values = form.credentials()
        if "connect" in self.request.POST or values["method"] == AuthMethod.WEB_SERVER:
            return self._connect(values)
        outcome = integration_credentials_save(
            integration_settings=self.integration_settings,
            acting_user=self.request.user,
            **values,
        )
        if not outcome.saved:
            # Shown with the form as typed (secrets are never rendered back).
            messages.error(self.request, _refused_text(outcome))
            self.integration_settings.refresh_from_db()
            return self.form_invalid(form)
        messages.success(self.request, _("Your Salesforce credentials work and were saved."))
        if outcome.limit_reached:
            messages.warning(self.request, _limit_text(outcome))
        return self.success_redirect()

    def _connect(self, values: dict[str, Any]) -> HttpResponse:
        pending = oauth_connect_start(
            integration_settings=self.integration_settings,
            consumer_key=values["consumer_key"],
            sandbox=values["sandbox"],
            my_domain=values["my_domain"],
            redirect_uri=self.callback_url(),
        )
        self.request.session[OAUTH_SESSION_KEY] = {
            "state": pending.state,
            "code_verifier": pending.code_verifier,
            "consumer_key": values["consumer_key"],
            "consumer_secret": encrypt_secret(values["consumer_secret"] or ""),
            "sandbox": values["sandbox"],
            "my_domain": values["my_domain"],
            "redirect_uri": self.callback_url(),
        }
        return HttpResponseRedirect(pending.url)


class OAuthCallbackView(SalesforcePageMixin, View):
    """Salesforce sends the admin back here (the callback URL of the External Client App)."""

    http_method_names = ["get"]

    def has_permission(self) -> bool:  # a GET that changes the credentials
        return self.request.user.has_perm(self.permission_required)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        pending = request.session.pop(OAUTH_SESSION_KEY, None)
        if pending is None or request.GET.get("state") != pending["state"]:
            messages.error(request, _("This Salesforce sign-in was not started here. Try again."))
            return self.success_redirect()
        if "error" in request.GET:
            messages.error(
                request,
                _("Salesforce did not connect: %(code)s %(message)s")
                % {
                    "code": request.GET["error"],
                    "message": request.GET.get("error_description", ""),
                },
            )
            return self.success_redirect()
        outcome = oauth_connect_finish(
            integration_settings=self.integration_settings,
            consumer_key=pending["consumer_key"],
            consumer_secret=decrypt_secret(pending["consumer_secret"]),
            sandbox=pending["sandbox"],
            my_domain=pending["my_domain"],
            redirect_uri=pending["redirect_uri"],
            code=request.GET.get("code", ""),
            code_verifier=pending["code_verifier"],
            acting_user=request.user,
        )
        if outcome.saved:
            messages.success(
                request,
                _("Connected as %(user)s (%(org)s).")
                % {
                    "user": self.integration_settings.connected_username,
                    "org": self.integration_settings.connected_org_name,
                },
            )
            if outcome.limit_reached:
                messages.warning(request, _limit_text(outcome))
        else:
            messages.error(request, _refused_text(outcome))
        return self.success_redirect()


class OAuthDisconnectView(SalesforcePageMixin, View):
    """*Disconnect*: a page that asks first (GET; a plain form, no script), then the POST
    revokes the refresh token."""

    http_method_names = ["get", "post"]

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not self.can_manage:
            raise PermissionDenied
        if not self.integration_settings.has_refresh_token:
            return self.success_redirect()  # nothing to disconnect
        return render(
            request,
            "settings_ui/disconnect_confirm.html",
            {"integration_settings": self.integration_settings},
        )

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        oauth_disconnect(integration_settings=self.integration_settings, acting_user=request.user)
        messages.success(request, _("Disconnected: hubsync's access to Salesforce was revoked."))
        return self.success_redirect()


class TestConnectionView(SalesforcePageMixin, View):
    """*Test connection*: logs in with the stored credentials, saves nothing."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        ok, code, message = integration_connection_test(
            integration_settings=self.integration_settings
        )
        if ok:
            messages.success(request, _("Connection test: Salesforce accepted the credentials."))
        else:
            messages.error(
                request,
                _("Connection test failed: %(code)s %(message)s")
                % {"code": code, "message": message},
            )
        return self.success_redirect()


class SetupCheckView(SalesforcePageMixin, View):
    """*Run setup check*: is the org set up for the sync, and what to fix."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        checks = setup_check_run(integration_settings=self.integration_settings)
        failing = [c for c in checks if not c.ok]
        if failing:
            messages.error(
                request,
                _("Setup check: %(n)d of %(total)d checks fail; see Setup check below.")
                % {"n": len(failing), "total": len(checks)},
            )
        else:
            messages.success(request, _("Setup check: everything hubsync needs is in place."))
        return HttpResponseRedirect(self.success_redirect().url + "#section-setup-check")
