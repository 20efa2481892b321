"""The web server flow's login-and-approve page: ``GET /services/oauth2/authorize`` serves a
plain HTML form (``username``, ``password``, "Log In and Allow"); its ``POST`` checks the
credentials and redirects to the app's callback URL with ``code`` and ``state``. The code
is exchanged at the token endpoint (:mod:`.oauth`), with the PKCE verifier."""

from __future__ import annotations

from html import escape
from urllib.parse import urlencode

from ..store import Store
from .common import Ctx, Out
from .login_hosts import login_host
from .oauth import DEFAULT_SCOPE, form_of

#: Request parameters the page carries from the GET to its form's POST.
CARRIED = (
    "response_type",
    "client_id",
    "redirect_uri",
    "code_challenge",
    "code_challenge_method",
    "state",
    "scope",
)
BAD_CREDENTIALS = (
    "Please check your username and password. If you still can't log in, contact your "
    "Salesforce administrator."
)
HTML = "text/html;charset=UTF-8"


def _page(title: str, body: str, status: int = 200) -> Out:
    html = f"""<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>{escape(title)}</title></head>
<body><main>
{body}
</main></body>
</html>
"""
    return Out(status, html, HTML, headers={"Cache-Control": "no-store"})


def error_page(error: str, description: str, status: int = 400) -> Out:
    """Salesforce's error page for a request it cannot redirect back (bad client or URI)."""
    return _page(
        "OAuth error",
        f'<h1>OAuth error</h1>\n<p role="alert">error=<code>{escape(error)}</code>'
        f"<br>error_description=<code>{escape(description)}</code></p>",
        status,
    )


def _redirect(uri: str, params: dict[str, str]) -> Out:
    sep = "&" if "?" in uri else "?"
    return Out(302, b"", "text/plain", headers={"Location": uri + sep + urlencode(params)})


class AuthorizeApi:
    """``GET``/``POST /services/oauth2/authorize``."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def authorize(self, ctx: Ctx) -> Out:
        params = form_of(ctx)
        app = self.store.get_app(params.get("client_id", ""))
        if app is None:
            return error_page("invalid_client_id", "client identifier invalid")
        redirect_uri = params.get("redirect_uri", "")
        if not app.callback_url or redirect_uri != app.callback_url:
            return error_page("redirect_uri_mismatch", "redirect_uri must match configuration")
        state = {"state": params["state"]} if params.get("state") else {}
        if params.get("response_type") != "code":
            return _redirect(
                redirect_uri,
                {
                    "error": "unsupported_response_type",
                    "error_description": "response type not supported",
                    **state,
                },
            )
        challenge = params.get("code_challenge") or None
        if challenge and params.get("code_challenge_method", "S256") != "S256":
            return _redirect(
                redirect_uri,
                {
                    "error": "invalid_request",
                    "error_description": "unsupported code_challenge_method",
                    **state,
                },
            )
        if ctx.method == "GET":
            return self._login_page(params)
        user = self.store.check_login(
            params.get("username", ""), params.get("password", ""), token_optional=True
        )
        host = login_host(ctx, self.store.org)
        if user is None or not host.admits(user["sandbox"]):
            return self._login_page(params, BAD_CREDENTIALS)
        refusal = host.refusal()
        if refusal:
            return self._login_page(params, refusal[0].upper() + refusal[1:] + ".")
        scope = params.get("scope") or DEFAULT_SCOPE
        code = self.store.new_code(app.consumer_key, user, redirect_uri, challenge, scope)
        return _redirect(redirect_uri, {"code": code, **state})

    def _login_page(self, params: dict[str, str], error: str | None = None) -> Out:
        org = escape(str(self.store.org["org_name"]))
        hidden = "\n".join(
            f'<input type="hidden" name="{name}" value="{escape(params[name])}">'
            for name in CARRIED
            if params.get(name)
        )
        alert = f'<p role="alert" id="error">{escape(error)}</p>\n' if error else ""
        scope = escape(params.get("scope") or DEFAULT_SCOPE)
        body = f"""<h1>Log in to {org}</h1>
<p>An application is asking to access your Salesforce data (scope: <code>{scope}</code>).
Log in to allow it.</p>
{alert}<form method="post" action="/services/oauth2/authorize">
{hidden}
<p><label for="username">Username</label>
<input id="username" name="username" type="text" autocomplete="username" required
 value="{escape(params.get("username", ""))}"></p>
<p><label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password"
 required></p>
<p><button type="submit">Log In and Allow</button></p>
</form>"""
        return _page(f"Log in | {self.store.org['org_name']}", body, 200)
