"""OAuth 2.0: JWT bearer (signature, audience, expiry, subject), client credentials on the
org's My Domain, revocation, the identity URL and the Organization record."""

from __future__ import annotations

import time

import jwt
import pytest
import requests
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceAuthenticationFailed

from salesforce_emulator.pytest_plugin import USERNAME
from salesforce_emulator.testing import jwt_key_pair

JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"


@pytest.fixture(scope="module")
def keys():
    return jwt_key_pair()


@pytest.fixture
def jwt_app(emulator, keys):
    emulator.control.add_connected_app("JWTKEY", "JWTSECRET", certificate=keys[1])
    return keys[0]


def assertion(key, **claims):
    payload = {
        "iss": "JWTKEY",
        "sub": USERNAME,
        "aud": "https://login.salesforce.com",
        "exp": int(time.time()) + 120,
        **claims,
    }
    return jwt.encode(payload, key, algorithm="RS256")


def post_jwt(emulator, token, host="login.salesforce.com"):
    return emulator.session().post(
        f"https://{host}/services/oauth2/token",
        data={"grant_type": JWT_GRANT, "assertion": token},
    )


def test_simple_salesforce_jwt_login(emulator, jwt_app):
    sf = Salesforce(
        username=USERNAME,
        consumer_key="JWTKEY",
        privatekey=jwt_app,
        domain="login",
        session=emulator.session(),
    )
    assert sf.query("SELECT Id, Name FROM Organization")["totalSize"] == 1


def test_simple_salesforce_jwt_on_my_domain(emulator, jwt_app):
    emulator.control.configure_org(
        my_domain="acme.my.salesforce.com", login_requires_my_domain=True
    )
    sf = Salesforce(
        username=USERNAME,
        consumer_key="JWTKEY",
        privatekey=jwt_app,
        domain="acme.my",
        session=emulator.session(),
    )
    assert sf.query("SELECT COUNT() FROM Lead")["totalSize"] == 0
    with pytest.raises(SalesforceAuthenticationFailed) as exc:
        Salesforce(
            username=USERNAME,
            consumer_key="JWTKEY",
            privatekey=jwt_app,
            domain="login",
            session=emulator.session(),
        )
    assert exc.value.code == "invalid_grant"


@pytest.mark.parametrize(
    "claims, description",
    [
        ({"aud": "https://test.salesforce.com"}, "audience is invalid"),
        ({"aud": "https://acme.my.salesforce.com"}, "audience is invalid"),
        ({"exp": int(time.time()) - 600}, "expired authorization code"),
        ({"exp": int(time.time()) + 3600}, "invalid assertion"),
        ({"iss": "UNKNOWN"}, "invalid assertion"),
        ({"sub": "nobody@hubsync.test"}, "authentication failure"),
    ],
)
def test_jwt_refusals(emulator, jwt_app, claims, description):
    resp = post_jwt(emulator, assertion(jwt_app, **claims))
    assert resp.status_code == 400
    assert resp.json() == {"error": "invalid_grant", "error_description": description}


def test_jwt_bad_signature_and_app_without_certificate(emulator, jwt_app):
    other_key, _ = jwt_key_pair()
    resp = post_jwt(emulator, assertion(other_key))
    assert resp.json()["error_description"] == "invalid assertion"
    unsigned = jwt.encode(
        {"iss": "JWTKEY", "sub": USERNAME, "aud": "https://login.salesforce.com"},
        "a-shared-secret-that-is-long-enough!",
        algorithm="HS256",
    )
    assert post_jwt(emulator, unsigned).json()["error_description"] == "invalid assertion"
    emulator.control.add_connected_app("NOCERT", "S")
    resp = post_jwt(emulator, assertion(jwt_app, iss="NOCERT"))
    assert resp.json()["error_description"] == "invalid assertion"
    assert post_jwt(emulator, "not.a.jwt").json()["error_description"] == "invalid assertion"


def test_jwt_inactive_user_and_sandbox_audience(emulator, jwt_app):
    emulator.control.create_user("gone@hubsync.test", "pw", active=False)
    resp = post_jwt(emulator, assertion(jwt_app, sub="gone@hubsync.test"))
    assert resp.json()["error_description"] == "authentication failure"
    emulator.control.create_user("sbx@hubsync.test", "pw", sandbox=True)
    token = assertion(jwt_app, sub="sbx@hubsync.test", aud="https://test.salesforce.com")
    assert post_jwt(emulator, token, "test.salesforce.com").status_code == 200
    assert post_jwt(emulator, assertion(jwt_app, sub="sbx@hubsync.test")).status_code == 400


def test_connected_app_certificate_must_be_pem(emulator):
    with pytest.raises(RuntimeError, match="400"):
        emulator.control.add_connected_app("K", "S", certificate="not a certificate")


def test_client_credentials_require_the_org_my_domain(emulator):
    emulator.control.add_connected_app("KEY", "SECRET", username=USERNAME)
    emulator.control.configure_org(my_domain="acme.my.salesforce.com")
    sf = Salesforce(
        consumer_key="KEY", consumer_secret="SECRET", domain="acme.my", session=emulator.session()
    )
    assert sf.query("SELECT COUNT() FROM Contact")["totalSize"] == 0
    resp = emulator.session().post(
        "https://globex.my.salesforce.com/services/oauth2/token",
        data={"grant_type": "client_credentials", "client_id": "KEY", "client_secret": "SECRET"},
    )
    assert resp.status_code == 400
    assert resp.json()["error"] == "invalid_request"


def token_for(emulator, jwt_key):
    resp = post_jwt(emulator, assertion(jwt_key))
    assert resp.status_code == 200, resp.text
    return resp.json()


def test_identity_url(emulator, jwt_app):
    body = token_for(emulator, jwt_app)
    org_id = emulator.control.org()["org_id"]
    assert body["id"].startswith(f"https://login.salesforce.com/id/{org_id}/005")
    resp = emulator.session().get(
        body["id"], headers={"Authorization": f"Bearer {body['access_token']}"}
    )
    assert resp.status_code == 200
    ident = resp.json()
    assert ident["username"] == USERNAME
    assert ident["organization_id"] == org_id
    assert ident["user_id"] == body["id"].rsplit("/", 1)[1]
    assert ident["active"] is True
    assert ident["email"] and ident["display_name"]
    assert ident["urls"]["rest"].endswith("/services/data/v{version}/")
    bad = emulator.session().get(body["id"], headers={"Authorization": "Bearer nope"})
    assert (bad.status_code, bad.text) == (403, "Bad_OAuth_Token")


def test_revoke_access_token(emulator, jwt_app):
    body = token_for(emulator, jwt_app)
    session = emulator.session()
    limits = f"{body['instance_url']}/services/data/v59.0/limits/"
    headers = {"Authorization": f"Bearer {body['access_token']}"}
    assert session.get(limits, headers=headers).status_code == 200
    resp = session.post(
        "https://login.salesforce.com/services/oauth2/revoke", data={"token": body["access_token"]}
    )
    assert resp.status_code == 200
    assert session.get(limits, headers=headers).status_code == 401
    resp = session.post(
        "https://login.salesforce.com/services/oauth2/revoke", data={"token": "unknown"}
    )
    assert resp.status_code == 400
    assert resp.json()["error"] == "invalid_token"


def test_organization_query(emulator, sf):
    res = sf.query("SELECT Id, Name, IsSandbox FROM Organization")
    org = emulator.control.org()
    assert res["totalSize"] == 1
    assert res["records"][0]["Id"] == org["org_id"]
    assert res["records"][0]["Name"] == org["org_name"]
    emulator.control.configure_org(org_name="Acme Corporation")
    assert sf.query("SELECT Name FROM Organization")["records"][0]["Name"] == "Acme Corporation"
    resp = sf.restful(
        "composite/sobjects",
        method="POST",
        json={"records": [{"attributes": {"type": "Organization"}, "Name": "X"}]},
    )
    assert resp[0]["errors"][0]["statusCode"] == "INVALID_TYPE_FOR_OPERATION"


def test_direct_http_identity(emulator, jwt_app):
    resp = requests.post(
        f"{emulator.url}/services/oauth2/token",
        data={"grant_type": JWT_GRANT, "assertion": assertion(jwt_app)},
        timeout=10,
    )
    body = resp.json()
    assert body["instance_url"] == emulator.url
    ident = requests.get(
        body["id"], headers={"Authorization": f"Bearer {body['access_token']}"}, timeout=10
    )
    assert ident.json()["username"] == USERNAME
