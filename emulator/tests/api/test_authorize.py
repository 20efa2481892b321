"""The web server flow with PKCE: login-and-approve page, code, token exchange with the
verifier, refresh, revocation."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests

from salesforce_emulator.pytest_plugin import PASSWORD, USERNAME

CALLBACK = "https://hubsync.example/salesforce/callback"
LOGIN = "https://login.salesforce.com"


def challenge_of(verifier):
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")


@pytest.fixture
def app(emulator):
    emulator.control.add_connected_app("WEBKEY", "WEBSECRET", callback_url=CALLBACK)


def authorize_params(verifier, **extra):
    return {
        "response_type": "code",
        "client_id": "WEBKEY",
        "redirect_uri": CALLBACK,
        "code_challenge": challenge_of(verifier),
        "code_challenge_method": "S256",
        "state": "xyz-123",
        "scope": "api refresh_token",
        **extra,
    }


def log_in(session, base, verifier, password=PASSWORD):
    """GET the page, POST its form like a browser would; the response (302 on success)."""
    page = session.get(f"{base}/services/oauth2/authorize?{urlencode(authorize_params(verifier))}")
    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    form = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page.text))
    action = re.search(r'<form method="post" action="([^"]+)">', page.text).group(1)
    form.update(username=USERNAME, password=password)
    return session.post(f"{base}{action}", data=form, allow_redirects=False)


def code_from(resp):
    assert resp.status_code == 302, resp.text
    location = resp.headers["Location"]
    assert location.startswith(CALLBACK + "?")
    query = parse_qs(urlsplit(location).query)
    assert query["state"] == ["xyz-123"]
    return query["code"][0]


def exchange(session, base, code, verifier, **extra):
    return session.post(
        f"{base}/services/oauth2/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "client_id": "WEBKEY",
            "redirect_uri": CALLBACK,
            "code_verifier": verifier,
            **extra,
        },
    )


def test_login_page_is_an_accessible_form(emulator, app):
    page = emulator.session().get(
        f"{LOGIN}/services/oauth2/authorize?{urlencode(authorize_params('v' * 50))}"
    )
    html = page.text
    assert '<label for="username">Username</label>' in html
    assert '<input id="username" name="username"' in html
    assert '<label for="password">Password</label>' in html
    assert '<input id="password" name="password" type="password"' in html
    assert '<button type="submit">Log In and Allow</button>' in html


def test_web_server_flow_end_to_end(emulator, app):
    session = emulator.session()
    verifier = secrets.token_urlsafe(48)
    code = code_from(log_in(session, LOGIN, verifier))
    resp = exchange(session, LOGIN, code, verifier, client_secret="WEBSECRET")
    assert resp.status_code == 200, resp.text
    token = resp.json()
    assert set(token) >= {
        "access_token",
        "refresh_token",
        "instance_url",
        "id",
        "token_type",
        "issued_at",
        "scope",
        "signature",
    }
    assert token["scope"] == "api refresh_token"
    org_id = emulator.control.org()["org_id"]
    assert token["id"].startswith(f"https://login.salesforce.com/id/{org_id}/005")
    query = f"{token['instance_url']}/services/data/v59.0/query/"
    auth = {"Authorization": f"Bearer {token['access_token']}"}
    got = session.get(query, params={"q": "SELECT Name FROM Organization"}, headers=auth)
    assert got.status_code == 200 and got.json()["totalSize"] == 1

    # The code works once.
    again = exchange(session, LOGIN, code, verifier)
    assert again.json() == {
        "error": "invalid_grant",
        "error_description": "invalid authorization code",
    }

    # Refresh: a new access token, no new refresh token.
    refresh = {"grant_type": "refresh_token", "refresh_token": token["refresh_token"]}
    fresh = session.post(f"{LOGIN}/services/oauth2/token", data={**refresh, "client_id": "WEBKEY"})
    assert fresh.status_code == 200, fresh.text
    assert "refresh_token" not in fresh.json()
    fresh_auth = {"Authorization": f"Bearer {fresh.json()['access_token']}"}
    assert session.get(query, params={"q": "SELECT Id FROM Lead"}, headers=fresh_auth).ok

    # Revoking the refresh token ends its access tokens; refreshing fails.
    revoked = session.post(
        f"{LOGIN}/services/oauth2/revoke", data={"token": token["refresh_token"]}
    )
    assert revoked.status_code == 200
    assert (
        session.get(query, params={"q": "SELECT Id FROM Lead"}, headers=fresh_auth).status_code
        == 401
    )
    failed = session.post(f"{LOGIN}/services/oauth2/token", data={**refresh, "client_id": "WEBKEY"})
    assert failed.status_code == 400
    assert failed.json() == {
        "error": "invalid_grant",
        "error_description": "expired access/refresh token",
    }


def test_wrong_verifier_and_secret(emulator, app):
    session = emulator.session()
    verifier = secrets.token_urlsafe(48)
    code = code_from(log_in(session, LOGIN, verifier))
    resp = exchange(session, LOGIN, code, verifier, client_secret="WRONG")
    assert resp.json()["error"] == "invalid_client"
    resp = exchange(session, LOGIN, code, "not-the-verifier")
    assert resp.json() == {"error": "invalid_grant", "error_description": "invalid code verifier"}


def test_bad_credentials_show_the_page_again(emulator, app):
    resp = log_in(emulator.session(), LOGIN, "v" * 50, password="wrong")
    assert resp.status_code == 200
    assert 'role="alert"' in resp.text and "check your username and password" in resp.text
    assert "Log In and Allow" in resp.text


def test_redirect_uri_must_match_callback(emulator, app):
    params = authorize_params("v" * 50, redirect_uri="https://evil.example/cb")
    resp = emulator.session().get(f"{LOGIN}/services/oauth2/authorize?{urlencode(params)}")
    assert resp.status_code == 400
    assert "redirect_uri_mismatch" in resp.text
    params = authorize_params("v" * 50, client_id="NOPE")
    resp = emulator.session().get(f"{LOGIN}/services/oauth2/authorize?{urlencode(params)}")
    assert resp.status_code == 400 and "invalid_client_id" in resp.text


def test_my_domain_required_refuses_the_generic_login_page(emulator, app):
    emulator.control.configure_org(
        my_domain="acme.my.salesforce.com", login_requires_my_domain=True
    )
    resp = log_in(emulator.session(), LOGIN, "v" * 50)
    assert resp.status_code == 200 and "My Domain" in resp.text
    code_from(log_in(emulator.session(), "https://acme.my.salesforce.com", "v" * 50))


def test_direct_http_flow(emulator, app):
    """Without the adapter (a browser talking to the emulator): http URLs come back."""
    session = requests.Session()
    verifier = secrets.token_urlsafe(48)
    code = code_from(log_in(session, emulator.url, verifier))
    token = exchange(session, emulator.url, code, verifier).json()
    assert token["instance_url"] == emulator.url
    got = session.get(
        f"{token['instance_url']}/services/data/v59.0/query/",
        params={"q": "SELECT Id FROM Organization"},
        headers={"Authorization": f"Bearer {token['access_token']}"},
    )
    assert got.status_code == 200
