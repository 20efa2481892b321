"""Who a token belongs to: the identity URL ``/id/<org_id>/<user_id>`` (the ``id`` of every
OAuth token response) and OpenID Connect's ``/services/oauth2/userinfo``.

Both take ``Authorization: Bearer <access token>`` (or ``OAuth <token>``, or
``?oauth_token=``); a bad token is a 403 ``Bad_OAuth_Token``, as in Salesforce.
"""

from __future__ import annotations

from typing import Any

from ..store import Store
from .common import Ctx, Out

TEXT = "text/plain;charset=UTF-8"


def bearer(ctx: Ctx) -> str:
    """The access token of the request (header, or the ``oauth_token`` parameter)."""
    auth = ctx.headers.get("Authorization", "")
    return auth.split(" ", 1)[1].strip() if " " in auth else ctx.args.get("oauth_token", "")


class IdentityApi:
    """``GET /id/<org_id>/<user_id>``, ``GET|POST /services/oauth2/userinfo``."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def identity(self, ctx: Ctx) -> Out:
        sid = bearer(ctx)
        if not sid or self.store.session(sid) is None:
            return Out(403, "Bad_OAuth_Token", TEXT)
        org_id = self.store.org["org_id"]
        user = self.store.user_by_id(ctx.values["user_id"])
        if ctx.values["org_id"] not in (org_id, org_id[:15]) or user is None:
            return Out(403, "Bad_Id", TEXT)
        uid = user.get("Id") or ctx.values["user_id"]
        return Out(
            200,
            {
                "id": self._id_url(ctx, uid),
                "asserted_user": True,
                "user_id": uid,
                "organization_id": org_id,
                "username": user.get("Username"),
                "nick_name": user.get("Alias"),
                "display_name": user.get("Name"),
                "email": user.get("Email"),
                "email_verified": True,
                "first_name": user.get("FirstName"),
                "last_name": user.get("LastName"),
                "timezone": "GMT",
                "photos": self._photos(ctx, uid),
                "addr_street": None,
                "addr_city": None,
                "addr_state": None,
                "addr_country": None,
                "addr_zip": None,
                "mobile_phone": None,
                "mobile_phone_verified": False,
                "is_lightning_login_user": False,
                "status": {"created_date": None, "body": None},
                **self._user_common(ctx, user, uid),
                "last_modified_date": user.get("LastModifiedDate"),
                "is_app_installed": True,
            },
        )

    def _user_common(self, ctx: Ctx, user: dict[str, Any], uid: str) -> dict[str, Any]:
        """What the identity URL and userinfo both say of the user."""
        return {
            "urls": self._urls(ctx, uid),
            "active": bool(user["IsActive"]),
            "user_type": "STANDARD",
            "language": "en_US",
            "locale": "en_US",
            "utcOffset": 0,
        }

    def userinfo(self, ctx: Ctx) -> Out:
        """OpenID Connect claims of the token's user (``sub`` is the identity URL)."""
        session = self.store.session(bearer(ctx)) if bearer(ctx) else None
        user = self.store.user_by_id(session["user_id"]) if session else None
        if session is None or user is None:
            return Out(403, "Bad_OAuth_Token", TEXT)
        uid = user.get("Id") or session["user_id"]
        stamp = str(user.get("LastModifiedDate") or "")
        return Out(
            200,
            {
                "sub": self._id_url(ctx, uid),
                "user_id": uid,
                "organization_id": self.store.org["org_id"],
                "preferred_username": user.get("Username"),
                "nickname": user.get("Alias"),
                "name": user.get("Name"),
                "email": user.get("Email"),
                "email_verified": True,
                "given_name": user.get("FirstName"),
                "family_name": user.get("LastName"),
                "zoneinfo": "GMT",
                "photos": self._photos(ctx, uid),
                "profile": f"{ctx.base_url}/{uid}",
                "picture": self._photos(ctx, uid)["picture"],
                "address": {},
                "is_salesforce_integration_user": False,
                **self._user_common(ctx, user, uid),
                # OpenID Connect's form: 2024-01-31T10:00:00Z.
                "updated_at": stamp[:19] + "Z" if stamp else None,
                "is_app_installed": True,
            },
        )

    # ---------------------------------------------------------------- helpers

    def _id_url(self, ctx: Ctx, uid: str) -> str:
        return f"{ctx.url_for(ctx.sf_host)}/id/{self.store.org['org_id']}/{uid}"

    def _photos(self, ctx: Ctx, uid: str) -> dict[str, str]:
        base = f"{ctx.base_url}/profilephoto/005/"
        return {"picture": f"{base}F", "thumbnail": f"{base}T"}

    def _urls(self, ctx: Ctx, uid: str) -> dict[str, Any]:
        """Salesforce's URL templates (``{version}`` is literal, the client fills it in)."""
        base, org_id, v = ctx.base_url, self.store.org["org_id"], "{version}"
        my_domain = self.store.org.get("my_domain")
        return {
            "enterprise": f"{base}/services/Soap/c/{v}/{org_id}",
            "metadata": f"{base}/services/Soap/m/{v}/{org_id}",
            "partner": f"{base}/services/Soap/u/{v}/{org_id}",
            "rest": f"{base}/services/data/v{v}/",
            "sobjects": f"{base}/services/data/v{v}/sobjects/",
            "search": f"{base}/services/data/v{v}/search/",
            "query": f"{base}/services/data/v{v}/query/",
            "recent": f"{base}/services/data/v{v}/recent/",
            "tooling_soap": f"{base}/services/Soap/T/{v}/{org_id}",
            "tooling_rest": f"{base}/services/data/v{v}/tooling/",
            "profile": f"{base}/{uid}",
            "feeds": f"{base}/services/data/v{v}/chatter/feeds",
            "groups": f"{base}/services/data/v{v}/chatter/groups",
            "users": f"{base}/services/data/v{v}/chatter/users",
            "feed_items": f"{base}/services/data/v{v}/chatter/feed-items",
            "feed_elements": f"{base}/services/data/v{v}/chatter/feed-elements",
            "custom_domain": f"https://{my_domain}" if my_domain else None,
        }
