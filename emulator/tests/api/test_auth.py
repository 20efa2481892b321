"""Login: SOAP (production vs sandbox), OAuth 2.0 grants, session expiry and re-login."""

from __future__ import annotations

import time

import jwt
import pytest
import requests
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceAuthenticationFailed, SalesforceExpiredSession

from salesforce_emulator.client import emulator_session
from salesforce_emulator.pytest_plugin import PASSWORD, SECURITY_TOKEN, USERNAME
from salesforce_emulator.testing import jwt_key_pair


def test_soap_login_returns_instance_and_session(emulator):
    sf = Salesforce(
        username=USERNAME,
        password=PASSWORD,
        security_token=SECURITY_TOKEN,
        session=emulator_session(emulator.url),
    )
    host_port = emulator.url.split("//", 1)[1]
    assert sf.sf_instance == host_port
    assert sf.base_url == f"https://{host_port}/services/data/v59.0/"
    assert sf.query("SELECT Id FROM Contact")["totalSize"] == 0


@pytest.mark.parametrize("password, token", [("wrong", SECURITY_TOKEN), (PASSWORD, "WRONG")])
def test_bad_credentials_give_invalid_login(emulator, password, token):
    with pytest.raises(SalesforceAuthenticationFailed) as exc:
        Salesforce(
            username=USERNAME,
            password=password,
            security_token=token,
            session=emulator_session(emulator.url),
        )
    assert exc.value.code == "INVALID_LOGIN"
    assert "Invalid username, password, security token" in exc.value.auth_message


def test_unknown_user_gives_invalid_login(emulator):
    with pytest.raises(SalesforceAuthenticationFailed) as exc:
        emulator.salesforce("nobody@example.com", PASSWORD, SECURITY_TOKEN)
    assert exc.value.code == "INVALID_LOGIN"


def test_sandbox_user_logs_in_on_test_domain_only(emulator):
    emulator.control.create_user("sbx@hubsync.test", "pw", "TOK", sandbox=True)
    sf = emulator.salesforce("sbx@hubsync.test", "pw", "TOK", domain="test")
    assert sf.query("SELECT COUNT() FROM Lead")["totalSize"] == 0
    with pytest.raises(SalesforceAuthenticationFailed):
        emulator.salesforce("sbx@hubsync.test", "pw", "TOK", domain="login")


def test_production_user_does_not_log_in_on_test_domain(emulator):
    with pytest.raises(SalesforceAuthenticationFailed):
        emulator.salesforce(USERNAME, PASSWORD, SECURITY_TOKEN, domain="test")


def test_soap_fault_uses_sf_prefix(emulator):
    resp = emulator.session().post(
        "https://login.salesforce.com/services/Soap/u/59.0",
        data="<x/>",
        headers={"SOAPAction": "login", "content-type": "text/xml"},
    )
    assert resp.status_code == 500
    assert "<sf:exceptionCode>INVALID_LOGIN</sf:exceptionCode>" in resp.text
    assert "<faultcode>sf:INVALID_LOGIN</faultcode>" in resp.text


def test_oauth_password_grant(emulator):
    emulator.control.add_connected_app("KEY", "SECRET")
    sf = Salesforce(
        username=USERNAME,
        password=PASSWORD + SECURITY_TOKEN,
        consumer_key="KEY",
        consumer_secret="SECRET",
        session=emulator_session(emulator.url),
    )
    assert sf.query("SELECT COUNT() FROM Contact")["totalSize"] == 0


def test_oauth_password_grant_bad_password_is_invalid_grant(emulator):
    emulator.control.add_connected_app("KEY", "SECRET")
    with pytest.raises(SalesforceAuthenticationFailed) as exc:
        Salesforce(
            username=USERNAME,
            password="nope",
            consumer_key="KEY",
            consumer_secret="SECRET",
            session=emulator_session(emulator.url),
        )
    assert exc.value.code == "invalid_grant"
    assert exc.value.auth_message == "authentication failure"


def test_oauth_token_response_shape(emulator):
    emulator.control.add_connected_app("KEY", "SECRET")
    resp = emulator.session().post(
        "https://login.salesforce.com/services/oauth2/token",
        data={
            "grant_type": "password",
            "client_id": "KEY",
            "client_secret": "SECRET",
            "username": USERNAME,
            "password": PASSWORD + SECURITY_TOKEN,
        },
    )
    body = resp.json()
    assert resp.status_code == 200
    assert body["instance_url"].startswith("https://127.0.0.1:")
    assert not body["instance_url"].endswith("/")
    assert body["token_type"] == "Bearer" and body["access_token"]


def test_client_credentials_only_on_my_domain(emulator):
    emulator.control.add_connected_app("KEY", "SECRET", username=USERNAME)
    sf = Salesforce(
        consumer_key="KEY",
        consumer_secret="SECRET",
        domain="acme.my",
        session=emulator_session(emulator.url),
    )
    assert sf.query("SELECT COUNT() FROM Contact")["totalSize"] == 0
    with pytest.raises(SalesforceAuthenticationFailed) as exc:
        Salesforce(
            consumer_key="KEY",
            consumer_secret="SECRET",
            domain="login",
            session=emulator_session(emulator.url),
        )
    # simple-salesforce refuses client credentials on login/test before calling; the
    # emulator refuses them too when asked directly:
    resp = emulator.session().post(
        "https://login.salesforce.com/services/oauth2/token",
        data={"grant_type": "client_credentials", "client_id": "KEY", "client_secret": "SECRET"},
    )
    assert resp.status_code == 400
    assert resp.json()["error"] == "invalid_request"
    # (simple-salesforce's own refusal, made before any request on the login domain)
    assert (exc.value.code, exc.value.auth_message) == (
        "INVALID AUTH",
        "You must submit either a security token or organizationId for authentication",
    )


def test_jwt_bearer_grant(emulator):
    # The emulator verifies the RS256 signature against the app's certificate (more cases
    # in test_oauth.py).
    key_pem, cert_pem = jwt_key_pair()
    emulator.control.add_connected_app("KEY", "SECRET", certificate=cert_pem)
    assertion = jwt.encode(
        {
            "iss": "KEY",
            "sub": USERNAME,
            "aud": "https://login.salesforce.com",
            "exp": int(time.time()) + 60,
        },
        key_pem,
        algorithm="RS256",
    )
    resp = emulator.session().post(
        "https://login.salesforce.com/services/oauth2/token",
        data={"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": assertion},
    )
    assert resp.status_code == 200, resp.text


def test_expired_session_is_401_list_body(emulator, sf):
    emulator.control.expire_sessions()
    resp = requests.Session()
    session = emulator.session()
    r = session.get(f"{sf.base_url}limits/", headers=sf.headers)
    assert r.status_code == 401
    assert r.json() == [
        {"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID", "fields": []}
    ]
    resp.close()


def test_expired_session_relogin_through_salesforce_methods(emulator, sf):
    old = sf.session_id
    emulator.control.expire_sessions()
    # Salesforce.query / restful / limits re-login on INVALID_SESSION_ID and retry.
    assert sf.query("SELECT COUNT() FROM Contact")["totalSize"] == 0
    assert sf.session_id != old
    emulator.control.expire_sessions()
    # SFType methods (sf.Contact.*) re-login as well.
    assert sf.Contact.create({"LastName": "Again"})["success"] is True


def test_bulk2_handler_does_not_relogin(emulator, sf):
    """simple-salesforce's Bulk 2.0 handler keeps the session id it was built with and
    never re-logs in: the connector must catch SalesforceExpiredSession, call
    ``sf._refresh_session()`` (or log in again) and take a fresh ``sf.bulk2``."""
    bulk = sf.bulk2.Contact
    emulator.control.expire_sessions()
    with pytest.raises(SalesforceExpiredSession):
        bulk.insert(records=[{"LastName": "X"}], wait=0)
    sf._refresh_session()
    result = sf.bulk2.Contact.insert(records=[{"LastName": "X"}], wait=0)
    assert result[0]["numberRecordsProcessed"] == 1
