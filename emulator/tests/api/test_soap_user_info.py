"""SOAP ``userInfo`` of ``loginResponse`` and the ``getUserInfo`` call: the partner WSDL's
``GetUserInfoResult`` elements in WSDL order, so clients that read them by position work."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import requests

from salesforce_emulator.pytest_plugin import PASSWORD, SECURITY_TOKEN, USERNAME

PARTNER = "{urn:partner.soap.sforce.com}"
#: ``GetUserInfoResult``'s sequence in the partner WSDL (API 59.0), without the optional
#: ``defaultAppIdForProfile`` (minOccurs 0).
WSDL_ORDER = [
    "accessibilityMode",
    "chatterExternal",
    "currencySymbol",
    "orgAttachmentFileSizeLimit",
    "orgDefaultCurrencyIsoCode",
    "orgDefaultCurrencyLocale",
    "orgDisallowHtmlAttachments",
    "orgHasPersonAccounts",
    "organizationId",
    "organizationMultiCurrency",
    "organizationName",
    "profileId",
    "roleId",
    "sessionSecondsValid",
    "userDefaultCurrencyIsoCode",
    "userEmail",
    "userFullName",
    "userId",
    "userLanguage",
    "userLocale",
    "userName",
    "userTimeZone",
    "userType",
    "userUiSkin",
]
LOGIN_RESULT_ORDER = [
    "metadataServerUrl",
    "passwordExpired",
    "sandbox",
    "serverUrl",
    "sessionId",
    "userId",
    "userInfo",
]


def _login(url: str) -> ET.Element:
    """A login as Salesforce's Pub/Sub example sends it (``SOAPAction: Login``, CDATA)."""
    xml = (
        "<soapenv:Envelope xmlns:soapenv='http://schemas.xmlsoap.org/soap/envelope/' "
        "xmlns:xsi='http://www.w3.org/2001/XMLSchema-instance' "
        "xmlns:urn='urn:partner.soap.sforce.com'><soapenv:Body>"
        f"<urn:login><urn:username><![CDATA[{USERNAME}]]></urn:username>"
        f"<urn:password><![CDATA[{PASSWORD}{SECURITY_TOKEN}]]></urn:password></urn:login>"
        "</soapenv:Body></soapenv:Envelope>"
    )
    res = requests.post(
        f"{url}/services/Soap/u/59.0/",
        data=xml,
        headers={"content-type": "text/xml", "SOAPAction": "Login"},
        timeout=10,
    )
    assert res.status_code == 200, res.text
    return ET.fromstring(res.content.decode("utf-8"))


def _names(element: ET.Element) -> list[str]:
    return [child.tag.removeprefix(PARTNER) for child in element]


def test_login_user_info_has_the_wsdl_fields_in_order(emulator):
    org = emulator.control.org()
    result = _login(emulator.url)[0][0][0]
    assert _names(result) == LOGIN_RESULT_ORDER
    info = result[6]
    assert _names(info) == WSDL_ORDER
    # By position, as PubSub.auth() reads it.
    assert result[3].text.startswith(f"{emulator.url}/services/Soap/u/59.0/")
    assert result[4].text.startswith(org["org_id"][:15] + "!")
    assert info[8].text == org["org_id"]
    values = {name: info[i] for i, name in enumerate(WSDL_ORDER)}
    assert values["organizationName"].text == org["org_name"]
    assert values["userName"].text == USERNAME
    assert values["userId"].text == result[5].text
    assert values["profileId"].text.startswith("00e")
    nil = "{http://www.w3.org/2001/XMLSchema-instance}nil"
    assert values["roleId"].get(nil) == "true"
    assert values["organizationMultiCurrency"].text == "false"
    assert values["currencySymbol"].text == "$"
    assert values["sessionSecondsValid"].text == "7200"


def test_get_user_info_call(emulator):
    emulator.control.configure_org(multi_currency=True)
    result = _login(emulator.url)[0][0][0]
    server_url, sid = result[3].text, result[4].text
    body = (
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns:urn="urn:partner.soap.sforce.com"><soapenv:Header><urn:SessionHeader>'
        f"<urn:sessionId>{sid}</urn:sessionId></urn:SessionHeader></soapenv:Header>"
        "<soapenv:Body><urn:getUserInfo/></soapenv:Body></soapenv:Envelope>"
    )
    headers = {"content-type": "text/xml", "SOAPAction": "getUserInfo"}
    res = requests.post(server_url, data=body, headers=headers, timeout=10)
    assert res.status_code == 200
    response = ET.fromstring(res.content)[0][0]
    assert response.tag == f"{PARTNER}getUserInfoResponse"
    info = response[0]
    assert _names(info) == WSDL_ORDER
    assert info[8].text == emulator.control.org()["org_id"]
    # A multi-currency org: no org currency symbol, the user's own currency.
    nil = "{http://www.w3.org/2001/XMLSchema-instance}nil"
    assert info[2].get(nil) == "true"
    assert info[9].text == "true"
    assert info[14].text == "USD"
    # An unknown session is a fault.
    res = requests.post(server_url, data=body.replace(sid, "bogus"), headers=headers, timeout=10)
    assert res.status_code == 500
    assert "<faultcode>sf:INVALID_SESSION_ID</faultcode>" in res.text
