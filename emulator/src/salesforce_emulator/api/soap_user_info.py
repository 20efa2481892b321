"""The partner WSDL's ``GetUserInfoResult``: the ``userInfo`` of a SOAP ``loginResponse`` and
the result of the SOAP ``getUserInfo`` call.

Every element the WSDL requires, in the WSDL's order (``defaultAppIdForProfile``, the one
optional element, is left out as Salesforce leaves it out for a user without a default app).
Clients read it by position: Salesforce's own Pub/Sub example (``PubSub.auth()`` in
forcedotcom/pub-sub-api) takes ``userInfo[8]`` as the organization id.
"""

from __future__ import annotations

from html import escape
from typing import Any

from ..values import make_id

#: The one profile every emulated user has (``00e``: Profile).
PROFILE_ID = make_id("00e", 1)
#: Seconds a session is valid (the org's session timeout, Salesforce's default two hours).
SESSION_SECONDS_VALID = 7200
#: The file size limit of attachments (bytes), Salesforce's default.
ATTACHMENT_SIZE_LIMIT = 5_242_880


def user_info_fields(user: dict[str, Any], org: dict[str, Any]) -> list[tuple[str, Any]]:
    """``GetUserInfoResult`` as ``(element, value)`` pairs in WSDL order; ``None`` is
    ``xsi:nil``. ``user`` is a ``User`` record (``Id``, ``Username``, ``Name``, ``Email``)."""
    multi = bool(org.get("multi_currency"))
    # A multi-currency org has no single currency symbol or locale; its users each have one.
    return [
        ("accessibilityMode", False),
        ("chatterExternal", False),
        ("currencySymbol", None if multi else "$"),
        ("orgAttachmentFileSizeLimit", ATTACHMENT_SIZE_LIMIT),
        ("orgDefaultCurrencyIsoCode", None if multi else "USD"),
        ("orgDefaultCurrencyLocale", None if multi else "en_US"),
        ("orgDisallowHtmlAttachments", False),
        ("orgHasPersonAccounts", False),
        ("organizationId", org["org_id"]),
        ("organizationMultiCurrency", multi),
        ("organizationName", org["org_name"]),
        ("profileId", PROFILE_ID),
        ("roleId", None),
        ("sessionSecondsValid", SESSION_SECONDS_VALID),
        ("userDefaultCurrencyIsoCode", "USD" if multi else None),
        ("userEmail", user.get("Email") or user.get("Username")),
        ("userFullName", user.get("Name") or user.get("Username")),
        ("userId", user["Id"]),
        ("userLanguage", "en_US"),
        ("userLocale", "en_US"),
        ("userName", user.get("Username")),
        ("userTimeZone", "GMT"),
        ("userType", "Standard"),
        ("userUiSkin", "Theme3"),
    ]


def user_info_xml(user: dict[str, Any], org: dict[str, Any]) -> str:
    """The elements of ``GetUserInfoResult`` (no enclosing element)."""
    parts = []
    for name, value in user_info_fields(user, org):
        if value is None:
            parts.append(f'<{name} xsi:nil="true"/>')
        elif isinstance(value, bool):
            parts.append(f"<{name}>{str(value).lower()}</{name}>")
        else:
            parts.append(f"<{name}>{escape(str(value))}</{name}>")
    return "".join(parts)
