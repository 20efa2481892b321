"""Org login policy: SOAP login switched off, the username-password flow blocked, My Domain
hosts (production and sandbox) and orgs that require their My Domain."""

from __future__ import annotations

import pytest
import requests
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceAuthenticationFailed

from salesforce_emulator.pytest_plugin import PASSWORD, SECURITY_TOKEN, USERNAME

TOKEN_URL = "https://{host}/services/oauth2/token"


def password_grant(emulator, host="login.salesforce.com"):
    return emulator.session().post(
        TOKEN_URL.format(host=host),
        data={
            "grant_type": "password",
            "client_id": "KEY",
            "client_secret": "SECRET",
            "username": USERNAME,
            "password": PASSWORD + SECURITY_TOKEN,
        },
    )


def test_soap_login_disabled_is_invalid_operation_fault(emulator):
    emulator.control.configure_org(soap_login_enabled=False)
    with pytest.raises(SalesforceAuthenticationFailed) as exc:
        emulator.salesforce(USERNAME, PASSWORD, SECURITY_TOKEN)
    assert exc.value.code == "INVALID_OPERATION"
    assert exc.value.auth_message == (
        "SOAP API login() is disabled by default in this org. Contact your Salesforce "
        "administrator to enable it."
    )
    resp = emulator.session().post("https://login.salesforce.com/services/Soap/u/59.0", data="<x/>")
    assert resp.status_code == 500
    assert "<faultcode>sf:INVALID_OPERATION</faultcode>" in resp.text
    # OAuth still works, and reset restores the default.
    emulator.control.add_connected_app("KEY", "SECRET")
    assert password_grant(emulator).status_code == 200
    emulator.control.reset()
    assert emulator.control.org()["soap_login_enabled"] is True


def test_username_password_flow_blocked(emulator):
    emulator.control.add_connected_app("KEY", "SECRET")
    emulator.control.configure_org(username_password_flow_enabled=False)
    resp = password_grant(emulator)
    assert resp.status_code == 400
    assert resp.json() == {
        "error": "invalid_request",
        "error_description": "username-password flow is blocked",
    }
    # SOAP login is a separate switch.
    assert (
        emulator.salesforce(USERNAME, PASSWORD, SECURITY_TOKEN).query("SELECT COUNT() FROM Lead")[
            "totalSize"
        ]
        == 0
    )


def test_my_domain_admits_production_users_and_its_sandbox_host_sandbox_users(emulator):
    emulator.control.configure_org(my_domain="https://Acme.my.salesforce.com/")
    assert emulator.control.org()["my_domain"] == "acme.my.salesforce.com"
    sf = emulator.salesforce(USERNAME, PASSWORD, SECURITY_TOKEN, domain="acme.my")
    assert sf.query("SELECT COUNT() FROM Lead")["totalSize"] == 0
    # Another org's My Domain does not know this org's users.
    with pytest.raises(SalesforceAuthenticationFailed):
        emulator.salesforce(USERNAME, PASSWORD, SECURITY_TOKEN, domain="globex.my")

    emulator.control.create_user("sbx@hubsync.test", "pw", "TOK", sandbox=True)
    emulator.control.configure_org(my_domain="acme--uat.sandbox.my.salesforce.com")
    emulator.salesforce("sbx@hubsync.test", "pw", "TOK", domain="acme--uat.sandbox.my")
    with pytest.raises(SalesforceAuthenticationFailed):
        emulator.salesforce(USERNAME, PASSWORD, SECURITY_TOKEN, domain="acme--uat.sandbox.my")


def test_bad_my_domain_setting_is_refused(emulator):
    with pytest.raises(RuntimeError, match="400"):
        emulator.control.configure_org(my_domain="acme.example.com")
    with pytest.raises(RuntimeError, match="400"):
        emulator.control.configure_org(soap_login_enabled="no")


def test_login_requires_my_domain(emulator):
    emulator.control.add_connected_app("KEY", "SECRET")
    emulator.control.configure_org(
        my_domain="acme.my.salesforce.com", login_requires_my_domain=True
    )
    with pytest.raises(SalesforceAuthenticationFailed) as exc:
        emulator.salesforce(USERNAME, PASSWORD, SECURITY_TOKEN, domain="login")
    assert exc.value.code == "INVALID_LOGIN"
    assert "requires its My Domain login URL: https://acme.my.salesforce.com" in (
        exc.value.auth_message
    )
    resp = password_grant(emulator)
    assert resp.status_code == 400
    assert resp.json()["error"] == "invalid_grant"
    assert "My Domain" in resp.json()["error_description"]
    # At the My Domain both work.
    emulator.salesforce(USERNAME, PASSWORD, SECURITY_TOKEN, domain="acme.my")
    assert password_grant(emulator, "acme.my.salesforce.com").status_code == 200
    sf = Salesforce(
        username=USERNAME,
        password=PASSWORD + SECURITY_TOKEN,
        consumer_key="KEY",
        consumer_secret="SECRET",
        domain="acme.my",
        session=emulator.session(),
    )
    assert sf.query("SELECT COUNT() FROM Contact")["totalSize"] == 0


def test_direct_http_login_gets_http_urls(emulator):
    """A client without the adapter (curl, jsforce) gets URLs it can use as returned."""
    emulator.control.add_connected_app("KEY", "SECRET")
    resp = requests.post(
        f"{emulator.url}/services/oauth2/token",
        data={
            "grant_type": "password",
            "client_id": "KEY",
            "client_secret": "SECRET",
            "username": USERNAME,
            "password": PASSWORD + SECURITY_TOKEN,
        },
        timeout=10,
    )
    body = resp.json()
    assert body["instance_url"] == emulator.url
    assert body["id"].startswith(f"{emulator.url}/id/")


def _soap_login(url: str, username: str, secret: str, host: str | None) -> requests.Response:
    """SOAP login as a client that resolves ``host`` to the emulator sends it: the Salesforce
    name in the ``Host`` header, no adapter header."""
    envelope = (
        '<env:Envelope xmlns:env="http://schemas.xmlsoap.org/soap/envelope/"><env:Body>'
        '<n1:login xmlns:n1="urn:partner.soap.sforce.com">'
        f"<n1:username>{username}</n1:username><n1:password>{secret}</n1:password>"
        "</n1:login></env:Body></env:Envelope>"
    )
    headers = {"SOAPAction": "login", "Content-Type": "text/xml"}
    if host:
        headers["Host"] = host
    return requests.post(f"{url}/services/Soap/u/59.0", data=envelope, headers=headers, timeout=10)


def test_login_host_from_the_host_header(emulator):
    """A client that reaches the emulator under a Salesforce name (its DNS or /etc/hosts maps
    test.salesforce.com to it) gets that host's rules from the ``Host`` header, as through the
    adapter's ``X-Salesforce-Host``: sandbox users at test and sandbox My Domains only,
    production users at login and production My Domains only."""
    emulator.control.create_user("sbx@hubsync.test", "pw", "TOK", sandbox=True)
    url = emulator.url
    prod, sbx = (USERNAME, PASSWORD + SECURITY_TOKEN), ("sbx@hubsync.test", "pwTOK")
    port = url.rsplit(":", 1)[1]
    for host in ("test.salesforce.com", f"test.salesforce.com:{port}"):
        assert _soap_login(url, *sbx, host).status_code == 200
        assert _soap_login(url, *prod, host).status_code == 500
    for host in ("login.salesforce.com", f"LOGIN.salesforce.com:{port}"):
        assert _soap_login(url, *prod, host).status_code == 200
        assert _soap_login(url, *sbx, host).status_code == 500
    # The answer's URLs are in the host the client used.
    assert "<serverUrl>http://test.salesforce.com/services/Soap/u/59.0/" in (
        _soap_login(url, *sbx, "test.salesforce.com").text
    )
    # My Domains by Host too.
    emulator.control.configure_org(my_domain="acme.my.salesforce.com")
    assert _soap_login(url, *prod, "acme.my.salesforce.com").status_code == 200
    assert _soap_login(url, *sbx, "acme.my.salesforce.com").status_code == 500
    assert _soap_login(url, *prod, "globex.my.salesforce.com").status_code == 500
    emulator.control.configure_org(my_domain="acme--uat.sandbox.my.salesforce.com")
    assert _soap_login(url, *sbx, "acme--uat.sandbox.my.salesforce.com").status_code == 200
    assert _soap_login(url, *prod, "acme--uat.sandbox.my.salesforce.com").status_code == 500
    # The emulator's own address (an IP, localhost) still admits both.
    for host in (None, f"localhost:{port}"):
        assert _soap_login(url, *prod, host).status_code == 200
        assert _soap_login(url, *sbx, host).status_code == 200
    # OAuth follows the same rules: a sandbox user's password grant at login is refused.
    emulator.control.add_connected_app("KEY", "SECRET")
    grant = {
        "grant_type": "password",
        "client_id": "KEY",
        "client_secret": "SECRET",
        "username": "sbx@hubsync.test",
        "password": "pwTOK",
    }
    token_url = f"{url}/services/oauth2/token"
    refused = requests.post(token_url, data=grant, headers={"Host": "login.salesforce.com"})
    assert refused.json() == {
        "error": "invalid_grant",
        "error_description": "authentication failure",
    }
    allowed = requests.post(token_url, data=grant, headers={"Host": "test.salesforce.com"})
    assert allowed.status_code == 200
    assert allowed.json()["id"].startswith("http://test.salesforce.com/id/")
