"""Org settings (API limit, state/country picklists, installed connector version), persisted
in ``_meta``, and the tooling rows that mirror the installed package."""

from __future__ import annotations

import json
import re
from typing import Any

from ..soql import quote
from ..values import make_id
from .base import StoreBase

DEFAULT_ORG: dict[str, Any] = {
    "api_limit": 100_000,
    "api_used": 0,
    "state_country_picklists": False,
    "connector_version": None,
    "org_id": "00DHs0000000001EAA",
    "org_name": "HubSync Emulated Org",
}
TOOLING_TABLES = ("InstalledSubscriberPackage", "SubscriberPackage", "SubscriberPackageVersion")


class OrgSettings(StoreBase):
    """``org``: the settings of the control API's ``/__emulator/org`` (``api_used`` is not
    saved: the API counter starts at zero on every start)."""

    def __init__(self, path: str = ":memory:", *, api_limit: int = 100_000) -> None:
        super().__init__(path)
        self.default_api_limit = api_limit
        self.org: dict[str, Any] = dict(DEFAULT_ORG, api_limit=api_limit)
        with self.lock:
            self._load_meta()

    def _load_meta(self) -> None:
        row = self.conn.execute("SELECT value FROM _meta WHERE key = 'org'").fetchone()
        if row:
            saved = json.loads(row[0])
            saved.pop("api_used", None)
            self.org.update(saved)
        self._sync_tooling()

    def _save_meta(self) -> None:
        data = {k: v for k, v in self.org.items() if k != "api_used"}
        self.conn.execute(
            "INSERT OR REPLACE INTO _meta (key, value) VALUES ('org', ?)", (json.dumps(data),)
        )

    def reset_org(self) -> None:
        """Back to the default settings (the rows are wiped by :meth:`wipe`)."""
        self.org = dict(DEFAULT_ORG, api_limit=self.default_api_limit)
        self._sync_tooling()

    def configure(self, **settings: Any) -> dict[str, Any]:
        """Change org settings (see README: api_limit, api_used, state_country_picklists,
        connector_version)."""
        with self.lock:
            for key, value in settings.items():
                if key not in DEFAULT_ORG:
                    raise ValueError(f"unknown org setting {key!r}")
                self.org[key] = value
            self._save_meta()
            if "connector_version" in settings:
                self._sync_tooling()
            return dict(self.org)

    @property
    def picklists_on(self) -> bool:
        return bool(self.org.get("state_country_picklists"))

    def _sync_tooling(self) -> None:
        """Mirror ``connector_version`` into the tooling objects (no row = not installed)."""
        c = self.conn
        for name in TOOLING_TABLES:
            c.execute(f"DELETE FROM {quote(name)}")
        version = self.org.get("connector_version")
        if not version:
            return
        parts = [int(p) for p in re.findall(r"\d+", str(version))] + [0, 0, 0, 0]
        pkg_id = make_id("033", 1)
        ver_id = make_id("04t", 1)
        c.execute(
            'INSERT INTO "SubscriberPackage" ("Id", "Name", "NamespacePrefix", "Description") '
            "VALUES (?, 'HubSync Connector', 'hubsync', 'HubSync marketing sync')",
            (pkg_id,),
        )
        c.execute(
            'INSERT INTO "SubscriberPackageVersion" ("Id", "Name", "MajorVersion", '
            '"MinorVersion", "PatchVersion", "BuildNumber", "IsBeta") VALUES (?,?,?,?,?,?,0)',
            (ver_id, str(version), parts[0], parts[1], parts[2], parts[3] or 1),
        )
        c.execute(
            'INSERT INTO "InstalledSubscriberPackage" ("Id", "SubscriberPackageId", '
            '"SubscriberPackageVersionId") VALUES (?,?,?)',
            (make_id("0A3", 1), pkg_id, ver_id),
        )
