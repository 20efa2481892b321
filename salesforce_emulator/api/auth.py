"""Authentication: SOAP ``login`` and the OAuth 2.0 token endpoint (password, client
credentials, JWT bearer). Both hand out sessions of the store; neither needs one."""

from __future__ import annotations

import base64
import json
import time
import xml.etree.ElementTree as ET
from html import escape
from typing import Any
from urllib.parse import parse_qsl

from ..store import Store
from .common import API_VERSION, Ctx, Out

SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"
INVALID_LOGIN = "Invalid username, password, security token; or user locked out."


def instance_url(ctx: Ctx) -> str:
    return f"https://{ctx.host}"


def host_allows(sf_host: str, sandbox: bool) -> bool:
    """login.* only admits production users, test.* only sandbox users; My Domain both."""
    first = sf_host.split(".", 1)[0].lower()
    if first == "login":
        return not sandbox
    if first == "test":
        return sandbox
    return True


def soap_fault(code: str, message: str) -> Out:
    xml = f"""<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="{SOAP_NS}" xmlns:sf="urn:fault.partner.soap.sforce.com" \
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><soapenv:Fault>\
<faultcode>sf:{code}</faultcode><faultstring>{code}: {escape(message)}</faultstring><detail>\
<sf:LoginFault xsi:type="sf:LoginFault"><sf:exceptionCode>{code}</sf:exceptionCode>\
<sf:exceptionMessage>{escape(message)}</sf:exceptionMessage></sf:LoginFault></detail>\
</soapenv:Fault></soapenv:Body></soapenv:Envelope>"""
    return Out(500, xml, "text/xml;charset=UTF-8")


class AuthApi:
    """``POST /services/Soap/u/{v}`` and ``POST /services/oauth2/token``."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def soap_login(self, ctx: Ctx) -> Out:
        try:
            root = ET.fromstring(ctx.body)
        except ET.ParseError:
            return soap_fault("INVALID_LOGIN", INVALID_LOGIN)
        username = password = None
        for el in root.iter():
            tag = el.tag.rsplit("}", 1)[-1]
            if tag == "username":
                username = el.text or ""
            elif tag == "password":
                password = el.text or ""
        user = (
            self.store.check_login(username, password)
            if username is not None and password is not None
            else None
        )
        if user is None or not host_allows(ctx.sf_host, user["sandbox"]):
            return soap_fault("INVALID_LOGIN", INVALID_LOGIN)
        sid = self.store.new_session(user)
        version = ctx.values.get("version", API_VERSION)
        org_id = self.store.org["org_id"]
        base = instance_url(ctx)
        xml = f"""<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="{SOAP_NS}" xmlns="urn:partner.soap.sforce.com" \
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><loginResponse><result>\
<metadataServerUrl>{base}/services/Soap/m/{version}/{org_id}</metadataServerUrl>\
<passwordExpired>false</passwordExpired><sandbox>{str(user["sandbox"]).lower()}</sandbox>\
<serverUrl>{base}/services/Soap/u/{version}/{org_id}</serverUrl>\
<sessionId>{escape(sid)}</sessionId><userId>{user["user_id"]}</userId><userInfo>\
<organizationId>{org_id}</organizationId><organizationName>{escape(self.store.org["org_name"])}\
</organizationName><userEmail>{escape(user["username"])}</userEmail><userId>{user["user_id"]}\
</userId><userName>{escape(user["username"])}</userName></userInfo></result></loginResponse>\
</soapenv:Body></soapenv:Envelope>"""
        return Out(200, xml, "text/xml;charset=UTF-8")

    def oauth_token(self, ctx: Ctx) -> Out:
        form = dict(parse_qsl(ctx.body.decode("utf-8", "replace")))
        grant = form.get("grant_type", "")

        def fail(error: str, desc: str) -> Out:
            return Out(400, {"error": error, "error_description": desc})

        auth = ctx.headers.get("Authorization", "")
        if auth.lower().startswith("basic "):
            try:
                key, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
                form.setdefault("client_id", key)
                form.setdefault("client_secret", secret)
            except (ValueError, UnicodeDecodeError):
                return fail("invalid_client", "invalid client credentials")
        user: dict[str, Any] | None
        if grant == "password":
            app = self.store.get_app(form.get("client_id", ""))
            if app is None:
                return fail("invalid_client_id", "client identifier invalid")
            if app[0] != form.get("client_secret"):
                return fail("invalid_client", "invalid client credentials")
            user = self.store.check_login(form.get("username", ""), form.get("password", ""))
        elif grant == "client_credentials":
            if ctx.sf_host.split(".", 1)[0].lower() in ("login", "test"):
                return fail("invalid_request", "request not supported on this domain")
            app = self.store.get_app(form.get("client_id", ""))
            if app is None or app[0] != form.get("client_secret"):
                return fail("invalid_client", "invalid client credentials")
            if not app[1]:
                return fail("invalid_grant", "no client credentials user enabled")
            user = self.store.user_by_username(app[1])
        elif grant == "urn:ietf:params:oauth:grant-type:jwt-bearer":
            user = self._jwt_user(form.get("assertion", ""))
        else:
            return fail("unsupported_grant_type", "grant type not supported")
        if user is None or not host_allows(ctx.sf_host, user["sandbox"]):
            return fail("invalid_grant", "authentication failure")
        sid = self.store.new_session(user)
        instance = instance_url(ctx)
        return Out(
            200,
            {
                "access_token": sid,
                "instance_url": instance,
                "id": f"https://{ctx.sf_host}/id/{self.store.org['org_id']}/{user['user_id']}",
                "token_type": "Bearer",
                "issued_at": str(int(time.time() * 1000)),
                "signature": base64.b64encode(sid[:32].encode()).decode(),
            },
        )

    def _jwt_user(self, assertion: str) -> dict[str, Any] | None:
        """JWT bearer: the signature is not verified (no certificates in the emulator)."""
        try:
            payload_b64 = assertion.split(".")[1]
            payload = json.loads(
                base64.urlsafe_b64decode(payload_b64 + "=" * (-len(payload_b64) % 4))
            )
        except (IndexError, ValueError):
            return None
        if self.store.get_app(str(payload.get("iss", ""))) is None:
            return None
        return self.store.user_by_username(str(payload.get("sub", "")))
