"""SOAP ``login`` (``POST /services/Soap/u/{v}``): hands out a session of the store; and
``getUserInfo`` (``POST /services/Soap/u/{v}/{org}`` with the session in the ``SessionHeader``).

The org may have switched it off (``soap_login_enabled``, off by default in orgs created
since Winter '26) or require its My Domain (``login_requires_my_domain``). The OAuth 2.0
endpoints are in :mod:`.oauth`.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from html import escape

from ..store import Store
from .common import API_VERSION, Ctx, Out
from .login_hosts import login_host
from .soap_user_info import user_info_xml

SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"
INVALID_LOGIN = "Invalid username, password, security token; or user locked out."
INVALID_SESSION = "Invalid Session ID found in SessionHeader: Illegal Session"
SOAP_LOGIN_DISABLED = (
    "SOAP API login() is disabled by default in this org. Contact your Salesforce "
    "administrator to enable it."
)


def soap_fault(code: str, message: str, kind: str = "LoginFault") -> Out:
    xml = f"""<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="{SOAP_NS}" xmlns:sf="urn:fault.partner.soap.sforce.com" \
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><soapenv:Fault>\
<faultcode>sf:{code}</faultcode><faultstring>{code}: {escape(message)}</faultstring><detail>\
<sf:{kind} xsi:type="sf:{kind}"><sf:exceptionCode>{code}</sf:exceptionCode>\
<sf:exceptionMessage>{escape(message)}</sf:exceptionMessage></sf:{kind}></detail>\
</soapenv:Fault></soapenv:Body></soapenv:Envelope>"""
    return Out(500, xml, "text/xml;charset=UTF-8")


class AuthApi:
    """``POST /services/Soap/u/{v}``."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def soap_login(self, ctx: Ctx) -> Out:
        """The partner endpoint: ``login``, or ``getUserInfo`` (by the body's operation)."""
        try:
            root = ET.fromstring(ctx.body)
        except ET.ParseError:
            root = None
        texts: dict[str, str] = {}
        for el in root.iter() if root is not None else ():
            texts.setdefault(el.tag.rsplit("}", 1)[-1], el.text or "")
        if "getUserInfo" in texts:
            return self._get_user_info(texts.get("sessionId", ""))
        if not self.store.org.get("soap_login_enabled", True):
            return soap_fault("INVALID_OPERATION", SOAP_LOGIN_DISABLED)
        username, password = texts.get("username"), texts.get("password")
        user = (
            self.store.check_login(username, password)
            if username is not None and password is not None
            else None
        )
        host = login_host(ctx, self.store.org)
        if user is None or not host.admits(user["sandbox"]):
            return soap_fault("INVALID_LOGIN", INVALID_LOGIN)
        refusal = host.refusal()
        if refusal:
            return soap_fault("INVALID_LOGIN", refusal[0].upper() + refusal[1:] + ".")
        sid = self.store.new_session(user)
        record = self.store.user_by_id(user["user_id"]) or {}
        info = user_info_xml(dict(record, Id=user["user_id"]), self.store.org)
        version = ctx.values.get("version", API_VERSION)
        org_id = self.store.org["org_id"]
        base = ctx.base_url
        xml = f"""<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="{SOAP_NS}" xmlns="urn:partner.soap.sforce.com" \
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><loginResponse><result>\
<metadataServerUrl>{base}/services/Soap/m/{version}/{org_id}</metadataServerUrl>\
<passwordExpired>false</passwordExpired><sandbox>{str(user["sandbox"]).lower()}</sandbox>\
<serverUrl>{base}/services/Soap/u/{version}/{org_id}</serverUrl>\
<sessionId>{escape(sid)}</sessionId><userId>{user["user_id"]}</userId><userInfo>{info}\
</userInfo></result></loginResponse></soapenv:Body></soapenv:Envelope>"""
        return Out(200, xml, "text/xml;charset=UTF-8")

    def _get_user_info(self, sid: str) -> Out:
        """``getUserInfo``: the session's user (an unknown session: ``INVALID_SESSION_ID``)."""
        session = self.store.session(sid.strip()) if sid.strip() else None
        record = self.store.user_by_id(session["user_id"]) if session else None
        if session is None or record is None:
            return soap_fault("INVALID_SESSION_ID", INVALID_SESSION, "UnexpectedErrorFault")
        info = user_info_xml(dict(record, Id=session["user_id"]), self.store.org)
        xml = f"""<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="{SOAP_NS}" xmlns="urn:partner.soap.sforce.com" \
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><getUserInfoResponse>\
<result>{info}</result></getUserInfoResponse></soapenv:Body></soapenv:Envelope>"""
        return Out(200, xml, "text/xml;charset=UTF-8")
