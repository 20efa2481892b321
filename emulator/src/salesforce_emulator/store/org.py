"""Org settings (API limit, state/country picklists, installed connector version, login
policy, My Domain, whether the setup package is deployed), persisted in ``_meta``, and the
rows that mirror them: the ``Organization`` record, the tooling rows of the installed package
(the configuration's ``[package]``) and the ``ExternalString`` rows of the deployed setup
package's custom labels."""

from __future__ import annotations

import json
import re
from typing import Any

from ..config import DEFAULT_CONFIG, EmulatorConfig
from ..schema import SETUP_PACKAGE, SchemaView
from ..soql import quote
from ..values import format_dt, make_id, normalize_id, now_utc
from .base import StoreBase

#: Objects whose change events the emulator can publish (Change Data Capture).
CDC_ENTITIES = (
    "Account",
    "Contact",
    "Lead",
    "Opportunity",
    "Task",
    "Campaign",
    "CampaignMember",
)

DEFAULT_ORG: dict[str, Any] = {
    "api_limit": 100_000,
    "api_used": 0,
    "state_country_picklists": False,
    # Multiple currencies: CurrencyIsoCode on Account, Contact, Lead and Opportunity.
    "multi_currency": False,
    "connector_version": None,
    #: 18 characters with the case-safe suffix, like every id (``values.make_id``).
    "org_id": make_id("00D", 1),
    "org_name": "Emulated Org",
    "soap_login_enabled": True,
    "username_password_flow_enabled": True,
    "my_domain": None,
    "login_requires_my_domain": False,
    # Whether the setup package (the configuration's metadata_dir) is deployed.
    "metadata_deployed": True,
    # The active Lead assignment rule: every Lead it sees goes to this user (a username).
    "lead_assignment_rule_owner": None,
    # Rows the recycle bin holds (all objects) before the oldest are purged; None: no limit.
    "recycle_bin_capacity": None,
    # Long-running API requests allowed in flight at once (Salesforce: 25); None: off.
    "concurrent_request_limit": None,
    # How long (seconds) a request runs before it counts as long-running (Salesforce: 20).
    "long_running_request_s": 20,
    # REST queries on objects with more rows fail QUERY_TIMEOUT unless selective; None: off.
    "query_timeout_rows": None,
    # Pub/Sub API (gRPC, salesforce_emulator/pubsub/): false = every call answers UNAVAILABLE.
    "pubsub_enabled": True,
    # Objects selected for Change Data Capture (Setup > Change Data Capture): their change
    # events are published; the Tooling API lists them as PlatformEventChannelMember rows.
    "change_data_capture_entities": list(CDC_ENTITIES),
    # Seconds between the empty keepalive FetchResponses of an idle subscription (Salesforce:
    # within 270 s).
    "pubsub_keepalive_s": 270,
    # The network: every API request (and Pub/Sub call) waits this long before its answer.
    "latency_ms": 0,
    # Whether composite and sObject Collections writes carry the request's client id
    # (``Sforce-Call-Options: client=<id>``) into changeOrigin: Salesforce documents the header
    # for sObject rows and Bulk API 2.0, not for these; false: their events have no client id.
    "client_id_on_composite": True,
    # Bulk API 2.0 jobs process at most this many records per second; None: as fast as can be.
    "bulk_records_per_s": None,
    # Bulk API 2.0 query jobs: seconds a new job waits in UploadComplete (Salesforce queues
    # it), and seconds it stays InProgress at least; a client can watch and abort it then.
    "bulk_query_queued_s": 0,
    "bulk_query_running_s": 0,
    # Bulk API 2.0 query results without maxRecords: the CSV bytes of one result page
    # (Salesforce: result files of at most 1 GB).
    "bulk_query_page_bytes": 1024**3,
}
BOOLEAN_SETTINGS = (
    "state_country_picklists",
    "multi_currency",
    "soap_login_enabled",
    "username_password_flow_enabled",
    "login_requires_my_domain",
    "metadata_deployed",
    "pubsub_enabled",
    "client_id_on_composite",
)
#: The Tooling object listing the entities selected for Change Data Capture.
CHANNEL_MEMBERS = "PlatformEventChannelMember"
TOOLING_TABLES = ("InstalledSubscriberPackage", "SubscriberPackage", "SubscriberPackageVersion")
MY_DOMAIN_SUFFIX = ".my.salesforce.com"
#: Settings that are a whole number >= 0, or null (off).
OPTIONAL_COUNT_SETTINGS = ("recycle_bin_capacity", "concurrent_request_limit", "query_timeout_rows")


def check_setting(key: str, value: Any) -> Any:
    """A valid value for org setting ``key`` (ValueError otherwise)."""
    if key not in DEFAULT_ORG:
        raise ValueError(f"unknown org setting {key!r}")
    if key in BOOLEAN_SETTINGS and not isinstance(value, bool):
        raise ValueError(f"org setting {key!r} must be true or false")
    if key in OPTIONAL_COUNT_SETTINGS and not _count_or_none(value):
        raise ValueError(f"org setting {key!r} must be a whole number >= 0 or null")
    if key == "long_running_request_s" and (
        isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0
    ):
        raise ValueError("long_running_request_s must be a number of seconds >= 0")
    if key in (
        "pubsub_keepalive_s",
        "latency_ms",
        "bulk_query_queued_s",
        "bulk_query_running_s",
    ) and (isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0):
        raise ValueError(f"{key} must be a number >= 0")
    if (
        key == "bulk_records_per_s"
        and value is not None
        and (isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0)
    ):
        raise ValueError("bulk_records_per_s must be a number > 0 or null")
    if key == "bulk_query_page_bytes" and (
        isinstance(value, bool) or not isinstance(value, int) or value < 1
    ):
        raise ValueError("bulk_query_page_bytes must be a whole number >= 1")
    if key == "change_data_capture_entities":
        if not isinstance(value, list) or any(v not in CDC_ENTITIES for v in value):
            raise ValueError(
                f"change_data_capture_entities must list some of {', '.join(CDC_ENTITIES)}"
            )
        return sorted(set(value))
    if key == "lead_assignment_rule_owner" and value is not None and not isinstance(value, str):
        raise ValueError("lead_assignment_rule_owner must be a username or null")
    if key == "my_domain" and value is not None:
        host = str(value).lower().removeprefix("https://").rstrip("/")
        if not host.endswith(MY_DOMAIN_SUFFIX) or "/" in host:
            raise ValueError(
                "my_domain must be a My Domain host such as acme.my.salesforce.com or "
                "acme--uat.sandbox.my.salesforce.com"
            )
        return host
    return value


def _count_or_none(value: Any) -> bool:
    return value is None or (isinstance(value, int) and not isinstance(value, bool) and value >= 0)


class OrgSettings(StoreBase):
    """``org``: the settings of the control API's ``/__emulator/org`` (``api_used`` is not
    saved: the API counter starts at zero on every start)."""

    #: The org's configuration: its package (tooling rows) and demo (``seed``).
    config: EmulatorConfig = DEFAULT_CONFIG

    def __init__(self, path: str = ":memory:", *, api_limit: int = 100_000) -> None:
        super().__init__(path)
        self.default_api_limit = api_limit
        #: Settings given on the command line (``--latency-ms``...): the defaults of ``reset``.
        self.start_settings: dict[str, Any] = {}
        self.org: dict[str, Any] = dict(DEFAULT_ORG, api_limit=api_limit)
        with self.lock:
            self._load_meta()

    def _load_meta(self) -> None:
        row = self.conn.execute("SELECT value FROM _meta WHERE key = 'org'").fetchone()
        if row:
            saved = json.loads(row[0])
            saved.pop("api_used", None)
            if normalize_id(str(saved.get("org_id", ""))) != saved.get("org_id"):
                saved.pop("org_id", None)  # saved by an older emulator with a wrong suffix
            # Settings an older emulator had and this one does not: forgotten.
            self.org.update({k: v for k, v in saved.items() if k in DEFAULT_ORG})
        self._sync_tooling()

    def _save_meta(self) -> None:
        data = {k: v for k, v in self.org.items() if k != "api_used"}
        self.conn.execute(
            "INSERT OR REPLACE INTO _meta (key, value) VALUES ('org', ?)", (json.dumps(data),)
        )

    def reset_org(self) -> None:
        """Back to the default settings (the rows are wiped by :meth:`wipe`)."""
        self.org = dict(DEFAULT_ORG, api_limit=self.default_api_limit, **self.start_settings)
        self._sync_tooling()

    def apply_config(self, config: EmulatorConfig) -> None:
        """Use ``config``: its package from now on, its ``[org]`` settings as start settings."""
        with self.lock:
            self.config = config
            self._sync_tooling()
        self.apply_start_settings(**config.org)

    def apply_start_settings(self, **settings: Any) -> None:
        """Settings from the command line: in force now (over saved ones) and after reset."""
        with self.lock:
            checked = {key: check_setting(key, value) for key, value in settings.items()}
            self.start_settings.update(checked)
            self.org.update(checked)

    def configure(self, **settings: Any) -> dict[str, Any]:
        """Change org settings (see README: api_limit, api_used, state_country_picklists,
        multi_currency, connector_version, org_name, soap_login_enabled,
        username_password_flow_enabled, my_domain, login_requires_my_domain,
        metadata_deployed, recycle_bin_capacity, concurrent_request_limit,
        long_running_request_s, query_timeout_rows)."""
        with self.lock:
            checked = {key: check_setting(key, value) for key, value in settings.items()}
            self.org.update(checked)
            self._save_meta()
            if set(checked) - {"api_used", "api_limit"}:
                self._sync_tooling()
            return dict(self.org)

    @property
    def picklists_on(self) -> bool:
        return bool(self.org.get("state_country_picklists"))

    @property
    def metadata_deployed(self) -> bool:
        return bool(self.org.get("metadata_deployed", True))

    def org_view(self) -> SchemaView:
        """The org's schema, without any user's field-level security."""
        return SchemaView(
            picklists_on=self.picklists_on,
            deployed=self.metadata_deployed,
            multi_currency=bool(self.org.get("multi_currency")),
        )

    def _sync_tooling(self) -> None:
        """Mirror the settings into rows: the ``Organization``, the installed package's
        tooling objects (no row = not installed) and the custom labels' ``ExternalString``
        rows (none = the setup package is not deployed)."""
        c = self.conn
        for name in (*TOOLING_TABLES, "ExternalString", "Organization", CHANNEL_MEMBERS):
            c.execute(f"DELETE FROM {quote(name)}")
        self._sync_organization()
        c.executemany(
            f'INSERT INTO {quote(CHANNEL_MEMBERS)} ("Id", "DeveloperName", "MasterLabel", '
            '"EventChannel", "SelectedEntity") VALUES (?, ?, ?, \'ChangeEvents\', ?)',
            [
                (
                    make_id("0v8", n),
                    f"ChangeEvents_{e}ChangeEvent",
                    f"{e}ChangeEvent",
                    f"{e}ChangeEvent",
                )
                for n, e in enumerate(self.org.get("change_data_capture_entities") or [], 1)
            ],
        )
        version = self.org.get("connector_version")
        package = self.config.package
        if self.metadata_deployed:
            c.executemany(
                'INSERT INTO "ExternalString" ("Id", "Name", "MasterLabel", "Value", '
                '"Language", "Category", "NamespacePrefix", "IsProtected") '
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        make_id("101", n),
                        label.name,
                        label.short_description,
                        str(version)
                        if version and label.name == package.version_label
                        else label.value,
                        label.language,
                        label.categories,
                        SETUP_PACKAGE.namespace,
                        int(label.protected),
                    )
                    for n, label in enumerate(SETUP_PACKAGE.custom_labels, 1)
                ],
            )
        if not version:
            return
        parts = [int(p) for p in re.findall(r"\d+", str(version))] + [0, 0, 0, 0]
        pkg_id = make_id("033", 1)
        ver_id = make_id("04t", 1)
        c.execute(
            'INSERT INTO "SubscriberPackage" ("Id", "Name", "NamespacePrefix", "Description") '
            "VALUES (?, ?, ?, ?)",
            (pkg_id, package.name, package.namespace, package.description),
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

    def _sync_organization(self) -> None:
        """The one ``Organization`` record (Id = org id, Name = org name)."""
        org = self.org
        stamp = format_dt(now_utc())
        self.conn.execute(
            'INSERT INTO "Organization" ("Id", "IsDeleted", "CreatedDate", "CreatedById", '
            '"LastModifiedDate", "LastModifiedById", "SystemModstamp", "Name", "IsSandbox", '
            '"OrganizationType", "InstanceName", "LanguageLocaleKey", "TimeZoneSidKey") '
            "VALUES (?, 0, ?, ?, ?, ?, ?, ?, ?, 'Enterprise Edition', 'EMU1', 'en_US', 'GMT')",
            (
                org["org_id"],
                stamp,
                make_id("005", 1),
                stamp,
                make_id("005", 1),
                stamp,
                org["org_name"],
                int(".sandbox." in str(org.get("my_domain") or "")),
            ),
        )
