"""SQLite storage of the emulated org: records, users, org settings, query cursors.

One table per object with a real column per field, indexes on ``Id``, ``SystemModstamp``,
``CreatedDate``, ``LastModifiedDate``, ``Email``, ``HubSync_Id__c`` and every foreign key,
so orgs of 100,000+ records stay fast. A single connection guarded by one re-entrant lock
serves every thread: SQLite work is short, and the lock makes ``:memory:`` databases and
all-or-none rollbacks correct under waitress's worker threads.

Writes validate like Salesforce (required fields, lengths, e-mails, restricted picklists,
state/country picklists, references, unique external ids) and report errors as
``{"statusCode", "message", "fields"}`` dicts, in the sObject Collections shape.
"""

from __future__ import annotations

import json
import re
import secrets
import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from . import geo
from .schema import (
    DATA_OBJECTS,
    OBJECTS,
    OBJECTS_LOWER,
    STAGE_INFO,
    Field,
    SObject,
    describe_field,
    visible_fields,
)
from .soql import Compiled, SoqlError, compile_query, quote
from .values import (
    format_dt,
    make_id,
    normalize_id,
    now_utc,
    parse_date,
    parse_dt,
)

EMAIL_RE = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)
ADDRESS_PREFIXES = {"Lead": [""], "Contact": ["Mailing"], "Account": ["Billing"]}
#: Deleting a parent deletes these children too, as Salesforce does.
CASCADES = {
    "Account": [("Contact", "AccountId"), ("Opportunity", "AccountId")],
    "Contact": [("OpportunityContactRole", "ContactId")],
    "Opportunity": [("OpportunityContactRole", "OpportunityId")],
}
DEFAULT_ORG: dict[str, Any] = {
    "api_limit": 100_000,
    "api_used": 0,
    "state_country_picklists": False,
    "connector_version": None,
    "org_id": "00DHs0000000001EAA",
    "org_name": "HubSync Emulated Org",
}
ROLLED_BACK = {
    "statusCode": "ALL_OR_NONE_OPERATION_ROLLED_BACK",
    "message": "Record rolled back because not all records were valid and the request was "
    "using AllOrNone header",
    "fields": [],
}
CURSOR_LIMIT = 200
#: Key prefix -> object name, to route ids of any type (collections delete, references).
BY_PREFIX_LEN = {o.key_prefix: o.name for o in OBJECTS.values()}


def err(code: str, message: str, fields: list[str] | None = None) -> dict[str, Any]:
    """One record error, in the sObject Collections shape."""
    return {"statusCode": code, "message": message, "fields": fields or []}


class RecordNotFound(Exception):
    """Raised for reads/writes of an id that does not exist (or is deleted)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class WriteResult:
    """The outcome for one record of a write: an id, or errors."""

    id: str | None = None
    errors: list[dict[str, Any]] = field(default_factory=list)
    created: bool = False

    @property
    def success(self) -> bool:
        return not self.errors

    def as_json(self, *, with_created: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "success": self.success, "errors": self.errors}
        if with_created:
            out["created"] = self.created if self.success else False
        return out


@dataclass
class Cursor:
    compiled: Compiled
    rowids: list[int]
    batch: int
    created: float


def _to_json(f: Field, value: Any) -> Any:
    if value is None:
        return None
    if f.type == "boolean":
        return bool(value)
    if f.type == "int":
        return int(value)
    if f.type in ("double", "currency", "percent"):
        return float(value)
    return value


class Store:
    """All state of one emulated org."""

    def __init__(self, path: str = ":memory:", *, api_limit: int = 100_000) -> None:
        self.path = path
        self.lock = threading.RLock()
        self.conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self.conn.execute("PRAGMA foreign_keys = OFF")
        if path != ":memory:":
            self.conn.execute("PRAGMA journal_mode = WAL")
            self.conn.execute("PRAGMA synchronous = OFF")
        self.default_api_limit = api_limit
        self.org: dict[str, Any] = dict(DEFAULT_ORG, api_limit=api_limit)
        self.sessions: dict[str, dict[str, Any]] = {}
        self.cursors: OrderedDict[str, Cursor] = OrderedDict()
        self._next: dict[str, int] = {}
        self._sp = 0
        with self.lock:
            self._create_schema()
            self._load_meta()

    # ------------------------------------------------------------ schema & meta

    def _create_schema(self) -> None:
        c = self.conn
        c.execute("CREATE TABLE IF NOT EXISTS _meta (key TEXT PRIMARY KEY, value TEXT)")
        c.execute(
            "CREATE TABLE IF NOT EXISTS _credentials (username TEXT PRIMARY KEY COLLATE NOCASE,"
            " user_id TEXT, password TEXT, security_token TEXT, sandbox INTEGER)"
        )
        c.execute(
            "CREATE TABLE IF NOT EXISTS _apps (consumer_key TEXT PRIMARY KEY, "
            "consumer_secret TEXT, username TEXT)"
        )
        for obj in OBJECTS.values():
            cols = ", ".join(
                f"{quote(f.name)} {f.sql_type}" + (" UNIQUE NOT NULL" if f.name == "Id" else "")
                for f in obj.fields
            )
            c.execute(f"CREATE TABLE IF NOT EXISTS {quote(obj.name)} ({cols})")
            table = obj.name
            for f in obj.fields:
                if f.name == "Id":
                    continue
                if f.unique and f.name != "Username":
                    c.execute(
                        f'CREATE UNIQUE INDEX IF NOT EXISTS "ux_{table}_{f.name}" ON '
                        f'{quote(table)} ({quote(f.name)}) WHERE "IsDeleted" = 0'
                    )
                elif f.indexed or f.type == "reference":
                    c.execute(
                        f'CREATE INDEX IF NOT EXISTS "ix_{table}_{f.name}" ON {quote(table)} '
                        f"({quote(f.name)})"
                    )
            self._next[obj.name] = (
                c.execute(f"SELECT coalesce(max(rowid), 0) FROM {quote(table)}").fetchone()[0] + 1
            )

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

    def reset(self) -> None:
        """Forget everything: records, users, apps, sessions, cursors, org settings."""
        with self.lock:
            for obj in OBJECTS.values():
                self.conn.execute(f"DELETE FROM {quote(obj.name)}")
                self._next[obj.name] = 1
            self.conn.execute("DELETE FROM _credentials")
            self.conn.execute("DELETE FROM _apps")
            self.conn.execute("DELETE FROM _meta")
            self.org = dict(DEFAULT_ORG, api_limit=self.default_api_limit)
            self.sessions.clear()
            self.cursors.clear()
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
        for name in ("InstalledSubscriberPackage", "SubscriberPackage", "SubscriberPackageVersion"):
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

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """A (nestable) transaction: commits on success, rolls back on an exception."""
        with self.lock:
            self._sp += 1
            name = f"sp{self._sp}"
            self.conn.execute(f"SAVEPOINT {name}")
            try:
                yield
            except BaseException:
                self.conn.execute(f"ROLLBACK TO {name}")
                self.conn.execute(f"RELEASE {name}")
                raise
            else:
                self.conn.execute(f"RELEASE {name}")
            finally:
                self._sp -= 1

    # ------------------------------------------------------------ users & sessions

    def create_user(
        self,
        *,
        username: str,
        password: str,
        security_token: str = "",
        sandbox: bool = False,
        first_name: str = "Emulated",
        last_name: str | None = None,
        email: str | None = None,
    ) -> dict[str, Any]:
        """Create a User record and its login credentials; returns ``{id, username}``."""
        with self.lock, self.transaction():
            existing = self.conn.execute(
                "SELECT user_id FROM _credentials WHERE username = ?", (username,)
            ).fetchone()
            if existing:
                self.conn.execute(
                    "UPDATE _credentials SET password = ?, security_token = ?, sandbox = ? "
                    "WHERE username = ?",
                    (password, security_token, int(sandbox), username),
                )
                return {"id": existing[0], "username": username}
            data = {
                "Username": username,
                "FirstName": first_name,
                "LastName": last_name or username.split("@")[0],
                "Email": email or (username if "@" in username else f"{username}@example.com"),
                "Alias": username[:8],
            }
            res = self.insert("User", [data], user_id=None)[0]
            if not res.success:
                raise ValueError(res.errors[0]["message"])
            self.conn.execute(
                "INSERT INTO _credentials VALUES (?,?,?,?,?)",
                (username, res.id, password, security_token, int(sandbox)),
            )
            return {"id": res.id, "username": username}

    def check_login(self, username: str, secret: str) -> dict[str, Any] | None:
        """Credentials check: ``secret`` is the password followed by the security token."""
        with self.lock:
            row = self.conn.execute(
                "SELECT user_id, password, security_token, sandbox FROM _credentials "
                "WHERE username = ?",
                (username,),
            ).fetchone()
        if row is None:
            return None
        user_id, password, token, sandbox = row
        if secret not in (password + (token or ""), password if not token else None):
            return None
        return {"user_id": user_id, "username": username, "sandbox": bool(sandbox)}

    def add_app(self, consumer_key: str, consumer_secret: str, username: str | None) -> None:
        with self.lock:
            self.conn.execute(
                "INSERT OR REPLACE INTO _apps VALUES (?,?,?)",
                (consumer_key, consumer_secret, username),
            )

    def get_app(self, consumer_key: str) -> tuple[str, str | None] | None:
        with self.lock:
            row = self.conn.execute(
                "SELECT consumer_secret, username FROM _apps WHERE consumer_key = ?",
                (consumer_key,),
            ).fetchone()
        return (row[0], row[1]) if row else None

    def user_by_username(self, username: str) -> dict[str, Any] | None:
        with self.lock:
            row = self.conn.execute(
                "SELECT user_id, sandbox FROM _credentials WHERE username = ?", (username,)
            ).fetchone()
        return {"user_id": row[0], "username": username, "sandbox": bool(row[1])} if row else None

    def any_user_id(self) -> str | None:
        """The first user's id (owner for records loaded through the control API)."""
        with self.lock:
            row = self.conn.execute("SELECT user_id FROM _credentials LIMIT 1").fetchone()
        return row[0] if row else None

    def new_session(self, user: dict[str, Any]) -> str:
        sid = f"{self.org['org_id'][:15]}!{secrets.token_urlsafe(48)}"
        with self.lock:
            self.sessions[sid] = dict(user, created=time.time())
        return sid

    def session(self, sid: str) -> dict[str, Any] | None:
        return self.sessions.get(sid)

    def expire_sessions(self) -> int:
        with self.lock:
            n = len(self.sessions)
            self.sessions.clear()
            return n

    # ------------------------------------------------------------ validation

    def _field_error(self, obj: SObject, name: str) -> dict[str, Any]:
        return err(
            "INVALID_FIELD", f"No such column '{name}' on sobject of type {obj.name}", [name]
        )

    def _convert(self, f: Field, value: Any, csv_mode: bool) -> tuple[Any, dict[str, Any] | None]:
        """Convert one incoming value to its stored form; returns (value, error)."""
        label = f.label or f.name
        if value is None:
            return None, None
        if isinstance(value, (dict, list)):
            return None, err(
                "JSON_PARSER_ERROR",
                f"Cannot deserialize instance of {f.type} from {type(value).__name__} value",
                [f.name],
            )
        t = f.type
        if f.is_text:
            text = ("true" if value else "false") if isinstance(value, bool) else str(value)
            if text == "":
                return None, None
            if len(text) > f.length:
                return None, err(
                    "STRING_TOO_LONG",
                    f"{label}: data value too large: {text[:40]} (max length={f.length})",
                    [f.name],
                )
            if t == "email" and not EMAIL_RE.match(text):
                return None, err(
                    "INVALID_EMAIL_ADDRESS", f"{label}: invalid email address: {text}", [f.name]
                )
            if f.restricted and f.picklist and text not in f.picklist:
                return None, err(
                    "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                    f"{label}: bad value for restricted picklist field: {text}",
                    [f.name],
                )
            return text, None
        if t == "boolean":
            if isinstance(value, bool):
                return int(value), None
            if isinstance(value, str) and value.lower() in ("true", "false", "1", "0"):
                return int(value.lower() in ("true", "1")), None
            return None, err(
                "JSON_PARSER_ERROR" if not csv_mode else "INVALID_FIELD_VALUE",
                f"Cannot deserialize instance of boolean from value {value}",
                [f.name],
            )
        if t in ("int", "double", "currency", "percent"):
            try:
                if isinstance(value, bool):
                    raise ValueError
                num = float(value)
                if t == "int":
                    if num != int(num):
                        raise ValueError
                    return int(num), None
                return num, None
            except (TypeError, ValueError):
                return None, err(
                    "JSON_PARSER_ERROR" if not csv_mode else "INVALID_FIELD_VALUE",
                    f"Cannot deserialize instance of {t} from VALUE_STRING value {value}",
                    [f.name],
                )
        if t == "date":
            text = str(value)
            d = parse_date(text[:10]) if len(text) >= 10 else None
            if d is None:
                return None, err(
                    "JSON_PARSER_ERROR" if not csv_mode else "INVALID_FIELD_VALUE",
                    f"Cannot deserialize instance of date from VALUE_STRING value {text}",
                    [f.name],
                )
            return d.isoformat(), None
        if t == "datetime":
            dt = parse_dt(str(value))
            if dt is None:
                return None, err(
                    "JSON_PARSER_ERROR" if not csv_mode else "INVALID_FIELD_VALUE",
                    f"Cannot deserialize instance of datetime from VALUE_STRING value {value}",
                    [f.name],
                )
            return format_dt(dt), None
        if t in ("reference", "id"):
            nid = normalize_id(str(value))
            if nid is None:
                return None, err(
                    "MALFORMED_ID", f"{label}: id value of incorrect type: {value}", [f.name]
                )
            targets = {OBJECTS[n].key_prefix for n in f.reference_to}
            if f.reference_to and nid[:3] not in targets:
                return None, err(
                    "FIELD_INTEGRITY_EXCEPTION",
                    f"field integrity exception: unknown ({label}: id value of incorrect "
                    f"type: {value})",
                    [f.name],
                )
            return nid, None
        return value, None

    def _prepare(
        self,
        obj: SObject,
        data: dict[str, Any],
        *,
        insert: bool,
        existing: dict[str, Any] | None,
        csv_mode: bool = False,
        allow_keys: tuple[str, ...] = (),
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """Validate one record's data; return (column values to write, errors)."""
        row: dict[str, Any] = {}
        errors: list[dict[str, Any]] = []
        ro: list[str] = []
        picklists = self.picklists_on
        for key, value in data.items():
            if key == "attributes" or key in allow_keys:
                continue
            f = obj.field(key)
            if f is None or (f.needs_picklists and not picklists):
                errors.append(self._field_error(obj, key))
                continue
            if f.name == "Id":
                if insert:
                    errors.append(
                        err(
                            "INVALID_FIELD_FOR_INSERT_UPDATE",
                            "cannot specify Id in an insert call",
                            ["Id"],
                        )
                    )
                continue
            if csv_mode:
                if value == "":
                    continue
                if value == "#N/A":
                    value = None
            if (insert and not f.createable) or (not insert and not f.updateable):
                ro.append(f.name)
                continue
            conv, e = self._convert(f, value, csv_mode)
            if e:
                errors.append(e)
                continue
            if conv is None and f.type == "boolean":
                conv = 0
            if conv is None and not f.nillable and f.default is None:
                errors.append(
                    err(
                        "REQUIRED_FIELD_MISSING",
                        f"Required fields are missing: [{f.name}]",
                        [f.name],
                    )
                )
                continue
            if conv is None and not f.nillable:
                conv = f.default
            row[f.name] = conv
        if ro:
            errors.append(
                err(
                    "INVALID_FIELD_FOR_INSERT_UPDATE",
                    f"Unable to create/update fields: {', '.join(ro)}. Please check the "
                    "security settings of this field and verify that it is read/write for "
                    "your profile or permission set.",
                    ro,
                )
            )
        if insert:
            missing = [f.name for f in obj.fields if f.required and row.get(f.name) is None]
            if missing:
                errors.append(
                    err(
                        "REQUIRED_FIELD_MISSING",
                        f"Required fields are missing: [{', '.join(missing)}]",
                        missing,
                    )
                )
            for f in obj.fields:
                if f.default is not None and f.name not in row:
                    row[f.name] = int(f.default) if isinstance(f.default, bool) else f.default
        if not errors and obj.name in ADDRESS_PREFIXES and picklists:
            for prefix in ADDRESS_PREFIXES[obj.name]:
                errors.extend(self._address(obj, prefix, row, existing or {}))
        return row, errors

    def _address(
        self, obj: SObject, p: str, row: dict[str, Any], existing: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """State/country picklist rules: codes are restricted, text is mapped to codes."""
        cf, sf, ccf, scf = f"{p}Country", f"{p}State", f"{p}CountryCode", f"{p}StateCode"
        errors: list[dict[str, Any]] = []
        country_label = obj.field(ccf).label  # type: ignore[union-attr]
        state_label = obj.field(scf).label  # type: ignore[union-attr]
        if ccf in row or cf in row:
            code = row.get(ccf)
            text = row.get(cf)
            if ccf in row and code is not None:
                code = code.upper()
                if code not in geo.countries():
                    return [
                        err(
                            "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                            f"{country_label}: bad value for restricted picklist field: {row[ccf]}",
                            [ccf],
                        )
                    ]
                if text is not None and geo.country_code_for(text) != code:
                    return [
                        err(
                            "FIELD_INTEGRITY_EXCEPTION",
                            f"There's a problem with this country, even though it may "
                            f"appear correct. Please select a country/territory from the "
                            f"list of valid countries.: {cf}",
                            [cf],
                        )
                    ]
            elif text is not None:
                code = geo.country_code_for(text)
                if code is None:
                    return [
                        err(
                            "FIELD_INTEGRITY_EXCEPTION",
                            "There's a problem with this country, even though it may "
                            "appear correct. Please select a country/territory from the "
                            f"list of valid countries.: {cf}",
                            [cf],
                        )
                    ]
            row[ccf] = code
            row[cf] = geo.countries()[code] if code else None
        country = row.get(ccf, existing.get(ccf))
        if scf in row or sf in row:
            code = row.get(scf)
            text = row.get(sf)
            given = code if (scf in row and code is not None) else text
            if given is not None:
                if not country:
                    return [
                        err(
                            "FIELD_INTEGRITY_EXCEPTION",
                            "A country/territory must be specified before specifying a "
                            f"state value for field: {state_label}",
                            [scf],
                        )
                    ]
                table = geo.states(country)
                if scf in row and code is not None:
                    if code.upper() not in table:
                        return [
                            err(
                                "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                                f"{state_label}: bad value for restricted picklist field: {code}",
                                [scf],
                            )
                        ]
                    code = code.upper()
                    row[sf] = table[code]
                elif table:
                    code = geo.state_code_for(country, text)
                    if code is None:
                        return [
                            err(
                                "FIELD_INTEGRITY_EXCEPTION",
                                "There's a problem with this state, even though it may "
                                "appear correct. Please select a state from the list of "
                                f"valid states.: {sf}",
                                [sf],
                            )
                        ]
                    row[sf] = table[code]
                else:
                    code = None  # country without states: keep the text only
                row[scf] = code
            else:
                row[scf] = None
                row[sf] = None
        return errors

    def _derive(self, obj: SObject, row: dict[str, Any]) -> None:
        if obj.name == "Opportunity" and "StageName" in row and row["StageName"]:
            prob, closed, won = STAGE_INFO[row["StageName"]]
            row["IsClosed"] = int(closed)
            row["IsWon"] = int(won)
            row.setdefault("Probability", prob)
        if obj.name == "Task" and "Status" in row:
            row["IsClosed"] = int(row["Status"] == "Completed")

    def _check_refs(
        self, obj: SObject, rows: list[tuple[int, dict[str, Any]]], results: list[WriteResult]
    ) -> None:
        """Existence of referenced records (INVALID_CROSS_REFERENCE_KEY), batched per field."""
        for f in obj.fields:
            if f.type != "reference":
                continue
            wanted = {r[f.name] for _, r in rows if r.get(f.name)}
            if not wanted:
                continue
            found: set[str] = set()
            by_obj: dict[str, list[str]] = {}
            for rid in wanted:
                target = BY_PREFIX_LEN.get(rid[:3])
                if target:
                    by_obj.setdefault(target, []).append(rid)
            for target, ids in by_obj.items():
                for chunk in _chunks(ids, 500):
                    found.update(
                        r[0]
                        for r in self.conn.execute(
                            f'SELECT "Id" FROM {quote(target)} WHERE "IsDeleted" = 0 AND "Id" '
                            f"IN ({','.join('?' * len(chunk))})",
                            chunk,
                        )
                    )
            for i, r in rows:
                v = r.get(f.name)
                if v and v not in found and results[i].success:
                    results[i].errors.append(
                        err(
                            "INVALID_CROSS_REFERENCE_KEY",
                            f"invalid cross reference id: {v}",
                            [f.name],
                        )
                    )

    def _check_unique(
        self,
        obj: SObject,
        rows: list[tuple[int, dict[str, Any]]],
        results: list[WriteResult],
        own_ids: dict[int, str] | None = None,
    ) -> None:
        """Unique fields (HubSync_Id__c, Username): against the org and within the batch."""
        for f in obj.fields:
            if not f.unique:
                continue
            values = [(i, r[f.name]) for i, r in rows if r.get(f.name) is not None]
            if not values:
                continue
            taken: dict[str, str] = {}
            keys = list({v.lower() for _, v in values})
            for chunk in _chunks(keys, 500):
                for rid, val in self.conn.execute(
                    f'SELECT "Id", {quote(f.name)} FROM {quote(obj.name)} WHERE "IsDeleted" = 0 '
                    f"AND {quote(f.name)} IN ({','.join('?' * len(chunk))})",
                    chunk,
                ):
                    taken[val.lower()] = rid
            seen: dict[str, int] = {}
            for i, v in values:
                key = v.lower()
                mine = (own_ids or {}).get(i)
                holder = taken.get(key)
                if (holder and holder != mine) or key in seen:
                    if results[i].success:
                        results[i].errors.append(
                            err(
                                "DUPLICATE_VALUE",
                                f"duplicate value found: {f.name} duplicates value on record "
                                f"with id: {holder or 'in this request'}",
                                [f.name],
                            )
                        )
                else:
                    seen[key] = i

    # ------------------------------------------------------------ writes

    def insert(
        self,
        obj_name: str,
        records: list[dict[str, Any]],
        *,
        user_id: str | None,
        all_or_none: bool = False,
        csv_mode: bool = False,
    ) -> list[WriteResult]:
        """Create records; one :class:`WriteResult` per input record, in order."""
        obj = OBJECTS[obj_name]
        with self.lock:
            results = [WriteResult() for _ in records]
            rows: list[tuple[int, dict[str, Any]]] = []
            for i, data in enumerate(records):
                row, errors = self._prepare(
                    obj, data, insert=True, existing=None, csv_mode=csv_mode
                )
                if errors:
                    results[i].errors = errors
                else:
                    rows.append((i, row))
            self._check_refs(obj, rows, results)
            self._check_unique(obj, rows, results)
            if all_or_none and any(not r.success for r in results):
                return _roll_back(results)
            good = [(i, r) for i, r in rows if results[i].success]
            if not good:
                return results
            stamp = format_dt(now_utc())
            owner = user_id
            names = [f.name for f in obj.fields]
            has_owner = obj.field("OwnerId") is not None
            values = []
            for i, row in good:
                n = self._next[obj.name]
                self._next[obj.name] = n + 1
                rid = make_id(obj.key_prefix, n)
                row["Id"] = rid
                row["IsDeleted"] = 0
                row["CreatedDate"] = row["LastModifiedDate"] = row["SystemModstamp"] = stamp
                row["CreatedById"] = row["LastModifiedById"] = user_id or rid
                if has_owner and not row.get("OwnerId"):
                    row["OwnerId"] = owner or rid
                if obj.field("Name") and obj.field("LastName"):
                    row["Name"] = _full_name(row.get("FirstName"), row.get("LastName"))
                self._derive(obj, row)
                results[i].id = rid
                results[i].created = True
                values.append([n] + [row.get(c) for c in names])
            cols = ", ".join(["rowid"] + [quote(c) for c in names])
            marks = ", ".join("?" * (len(names) + 1))
            with self.transaction():
                self.conn.executemany(
                    f"INSERT INTO {quote(obj.name)} ({cols}) VALUES ({marks})", values
                )
            return results

    def _existing(self, obj: SObject, ids: list[str]) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        names = [f.name for f in obj.fields]
        cols = ", ".join(quote(c) for c in names)
        for chunk in _chunks(ids, 500):
            for r in self.conn.execute(
                f'SELECT {cols} FROM {quote(obj.name)} WHERE "Id" IN '
                f"({','.join('?' * len(chunk))})",
                chunk,
            ):
                out[r[0]] = dict(zip(names, r, strict=True))
        return out

    def update(
        self,
        obj_name: str | None,
        records: list[dict[str, Any]],
        *,
        user_id: str | None,
        all_or_none: bool = False,
        csv_mode: bool = False,
    ) -> list[WriteResult]:
        """Update records (each carries ``Id``); ``obj_name`` None = by id prefix."""
        with self.lock:
            results = [WriteResult() for _ in records]
            by_obj: dict[str, list[tuple[int, str, dict[str, Any]]]] = {}
            for i, data in enumerate(records):
                raw = next((v for k, v in data.items() if k.lower() == "id"), None)
                rid = normalize_id(str(raw)) if raw else None
                if rid is None:
                    results[i].errors = [
                        err(
                            "MISSING_ARGUMENT" if not raw else "MALFORMED_ID",
                            "Id not specified in an update call"
                            if not raw
                            else f"invalid record id: {raw}",
                            ["Id"],
                        )
                    ]
                    continue
                target = BY_PREFIX_LEN.get(rid[:3])
                if target is None or (obj_name and target != obj_name):
                    results[i].errors = [
                        err(
                            "MALFORMED_ID" if target is None else "FIELD_INTEGRITY_EXCEPTION",
                            f"invalid cross reference id: {raw}"
                            if target is None
                            else f"field integrity exception: unknown (id value of incorrect type: "
                            f"{raw})",
                            ["Id"],
                        )
                    ]
                    continue
                by_obj.setdefault(target, []).append((i, rid, data))
            seen: set[str] = set()
            pending: list[tuple[SObject, list[tuple[int, dict[str, Any]]]]] = []
            for name, items in by_obj.items():
                obj = OBJECTS[name]
                existing = self._existing(obj, [rid for _, rid, _ in items])
                rows: list[tuple[int, dict[str, Any]]] = []
                own: dict[int, str] = {}
                for i, rid, data in items:
                    cur = existing.get(rid)
                    if cur is None:
                        results[i].errors = [
                            err("NOT_FOUND", "The requested resource does not exist", [])
                        ]
                        continue
                    if cur["IsDeleted"]:
                        results[i].errors = [err("ENTITY_IS_DELETED", "entity is deleted", [])]
                        continue
                    if rid in seen:
                        results[i].errors = [
                            err("DUPLICATE_ID", "duplicate id in the list", ["Id"])
                        ]
                        continue
                    seen.add(rid)
                    row, errors = self._prepare(
                        obj, data, insert=False, existing=cur, csv_mode=csv_mode
                    )
                    if errors:
                        results[i].errors = errors
                        continue
                    row["Id"] = rid
                    if ("FirstName" in row or "LastName" in row) and obj.field("LastName"):
                        row["Name"] = _full_name(
                            row.get("FirstName", cur.get("FirstName")),
                            row.get("LastName", cur.get("LastName")),
                        )
                    self._derive(obj, row)
                    results[i].id = rid
                    own[i] = rid
                    rows.append((i, row))
                self._check_refs(obj, rows, results)
                self._check_unique(obj, rows, results, own)
                pending.append((obj, rows))
            if all_or_none and any(not r.success for r in results):
                return _roll_back(results)
            stamp = format_dt(now_utc())
            with self.transaction():
                for obj, rows in pending:
                    groups: dict[tuple[str, ...], list[list[Any]]] = {}
                    for i, row in rows:
                        if not results[i].success:
                            results[i].id = None
                            continue
                        row["LastModifiedDate"] = row["SystemModstamp"] = stamp
                        row["LastModifiedById"] = user_id or row["Id"]
                        cols = tuple(k for k in row if k != "Id")
                        groups.setdefault(cols, []).append([row[c] for c in cols] + [row["Id"]])
                    for cols, vals in groups.items():
                        sets = ", ".join(f"{quote(c)} = ?" for c in cols)
                        self.conn.executemany(
                            f'UPDATE {quote(obj.name)} SET {sets} WHERE "Id" = ?', vals
                        )
            for r in results:
                if not r.success:
                    r.id = None
            return results

    def upsert(
        self,
        obj_name: str,
        ext_field: str,
        records: list[dict[str, Any]],
        *,
        user_id: str | None,
        all_or_none: bool = False,
        csv_mode: bool = False,
    ) -> list[WriteResult]:
        """Insert or update by an external id field (or ``Id``); sets ``created``."""
        obj = OBJECTS[obj_name]
        f = obj.field(ext_field)
        with self.lock:
            results = [WriteResult() for _ in records]
            if f is None or not (f.external_id or f.name == "Id"):
                for r in results:
                    r.errors = [
                        err(
                            "INVALID_FIELD",
                            f"Field name provided, {ext_field} is not an External ID "
                            f"or indexed field for {obj.name}",
                            [ext_field],
                        )
                    ]
                return results
            keys: list[str | None] = []
            for data in records:
                v = next((val for k, val in data.items() if k.lower() == f.name.lower()), None)
                keys.append(None if v in (None, "") else str(v))
            # Look the keys up (non-deleted records only).
            found: dict[str, list[str]] = {}
            wanted = [k for k in keys if k is not None]
            if f.name == "Id":
                wanted = [normalize_id(k) or k for k in wanted]
            for chunk in _chunks(list({k.lower() if f.name != "Id" else k for k in wanted}), 500):
                for rid, val in self.conn.execute(
                    f'SELECT "Id", {quote(f.name)} FROM {quote(obj.name)} WHERE "IsDeleted" = 0 '
                    f"AND {quote(f.name)} IN ({','.join('?' * len(chunk))})",
                    chunk,
                ):
                    k = val if f.name == "Id" else val.lower()
                    found.setdefault(k, []).append(rid)
            inserts: list[tuple[int, dict[str, Any]]] = []
            updates: list[tuple[int, dict[str, Any]]] = []
            seen: dict[str, int] = {}
            for i, (data, key) in enumerate(zip(records, keys, strict=True)):
                if key is None:
                    results[i].errors = [
                        err("MISSING_ARGUMENT", f"{f.name} not specified", [f.name])
                    ]
                    continue
                norm = (normalize_id(key) or key) if f.name == "Id" else key.lower()
                if norm in seen:
                    results[i].errors = [
                        err(
                            "DUPLICATE_EXTERNAL_ID",
                            f"Duplicate external id specified: {key}",
                            [f.name],
                        )
                    ]
                    continue
                seen[norm] = i
                matches = found.get(norm, [])
                if len(matches) > 1:
                    results[i].errors = [
                        err(
                            "DUPLICATE_EXTERNAL_ID",
                            f"{f.name}: more than one record found for "
                            f"external id field: {matches}",
                            [f.name],
                        )
                    ]
                    continue
                body = {k: v for k, v in data.items() if k.lower() not in ("id",)}
                if matches:
                    body["Id"] = matches[0]
                    updates.append((i, body))
                elif f.name == "Id":
                    results[i].errors = [
                        err("NOT_FOUND", "The requested resource does not exist", [])
                    ]
                else:
                    body[f.name] = key
                    inserts.append((i, body))
            try:
                with self.transaction():
                    self._upsert_apply(
                        obj, updates, inserts, results, user_id, csv_mode, all_or_none
                    )
            except _RollBack:
                return _roll_back(results)
        return results

    def _upsert_apply(
        self,
        obj: SObject,
        updates: list[tuple[int, dict[str, Any]]],
        inserts: list[tuple[int, dict[str, Any]]],
        results: list[WriteResult],
        user_id: str | None,
        csv_mode: bool,
        all_or_none: bool,
    ) -> None:
        """Apply an upsert's updates and inserts (results are filled in place)."""
        if updates:
            ures = self.update(
                obj.name, [b for _, b in updates], user_id=user_id, csv_mode=csv_mode
            )
            for (i, _), r in zip(updates, ures, strict=True):
                results[i] = r
        if inserts:
            ires = self.insert(
                obj.name, [b for _, b in inserts], user_id=user_id, csv_mode=csv_mode
            )
            for (i, _), r in zip(inserts, ires, strict=True):
                results[i] = r
        if all_or_none and any(not r.success for r in results):
            raise _RollBack

    def delete(
        self,
        ids: list[str],
        *,
        obj_name: str | None = None,
        user_id: str | None = None,
        all_or_none: bool = False,
    ) -> list[WriteResult]:
        """Move records to the recycle bin (IsDeleted = true), cascading to children."""
        with self.lock:
            results = [WriteResult() for _ in ids]
            targets: dict[str, list[tuple[int, str]]] = {}
            for i, raw in enumerate(ids):
                rid = normalize_id(raw)
                target = BY_PREFIX_LEN.get(rid[:3]) if rid else None
                if rid is None or target is None:
                    results[i].errors = [err("MALFORMED_ID", f"malformed id {raw}", [])]
                elif obj_name and target != obj_name:
                    results[i].errors = [
                        err("NOT_FOUND", "The requested resource does not exist", [])
                    ]
                else:
                    targets.setdefault(target, []).append((i, rid))
            todo: dict[str, list[str]] = {}
            for name, items in targets.items():
                existing = self._existing(OBJECTS[name], [rid for _, rid in items])
                for i, rid in items:
                    cur = existing.get(rid)
                    if cur is None:
                        results[i].errors = [
                            err("NOT_FOUND", "The requested resource does not exist", [])
                        ]
                    elif cur["IsDeleted"]:
                        results[i].errors = [err("ENTITY_IS_DELETED", "entity is deleted", [])]
                    else:
                        results[i].id = rid
                        todo.setdefault(name, []).append(rid)
            if all_or_none and any(not r.success for r in results):
                return _roll_back(results)
            stamp = format_dt(now_utc())
            with self.transaction():
                self._soft_delete(todo, stamp, user_id)
            return results

    def _soft_delete(self, todo: dict[str, list[str]], stamp: str, user_id: str | None) -> None:
        queue = list(todo.items())
        while queue:
            name, rids = queue.pop()
            for chunk in _chunks(rids, 500):
                marks = ",".join("?" * len(chunk))
                self.conn.execute(
                    f'UPDATE {quote(name)} SET "IsDeleted" = 1, "SystemModstamp" = ?, '
                    f'"LastModifiedDate" = ?, "LastModifiedById" = coalesce(?, '
                    f'"LastModifiedById") WHERE "IsDeleted" = 0 AND "Id" IN ({marks})',
                    [stamp, stamp, user_id, *chunk],
                )
                for child, fk in CASCADES.get(name, []):
                    kids = [
                        r[0]
                        for r in self.conn.execute(
                            f'SELECT "Id" FROM {quote(child)} WHERE "IsDeleted" = 0 AND '
                            f"{quote(fk)} IN ({marks})",
                            chunk,
                        )
                    ]
                    if kids:
                        queue.append((child, kids))

    # ------------------------------------------------------------ reads

    def get(
        self,
        obj_name: str,
        rid_raw: str,
        fields: list[str] | None = None,
        *,
        api_version: str = "59.0",
    ) -> dict[str, Any]:
        """One record by id (raises :class:`RecordNotFound`)."""
        obj = OBJECTS[obj_name]
        rid = normalize_id(rid_raw)
        if rid is None or rid[:3] != obj.key_prefix:
            raise RecordNotFound(
                "NOT_FOUND",
                f"Provided external ID field does not exist or is not accessible: {rid_raw}",
            )
        with self.lock:
            cur = self._existing(obj, [rid]).get(rid)
        if cur is None:
            raise RecordNotFound("NOT_FOUND", "The requested resource does not exist")
        if cur["IsDeleted"]:
            raise RecordNotFound("ENTITY_IS_DELETED", "entity is deleted")
        return self.shape_full(obj, cur, fields, api_version=api_version)

    def shape_full(
        self,
        obj: SObject,
        cur: dict[str, Any],
        fields: list[str] | None = None,
        *,
        api_version: str = "59.0",
    ) -> dict[str, Any]:
        out: dict[str, Any] = {
            "attributes": {
                "type": obj.name,
                "url": f"/services/data/v{api_version}/sobjects/{obj.name}/{cur['Id']}",
            }
        }
        wanted = visible_fields(obj, self.picklists_on)
        if fields:
            lower = {x.strip().lower() for x in fields}
            bad = [x for x in fields if obj.field(x.strip()) is None]
            if bad:
                raise SoqlError(
                    "INVALID_FIELD", f"No such column '{bad[0]}' on entity '{obj.name}'"
                )
            wanted = [f for f in wanted if f.name.lower() in lower]
        for f in wanted:
            out[f.name] = _to_json(f, cur.get(f.name))
        return out

    def find_by_external(self, obj_name: str, field_name: str, value: str) -> list[str]:
        obj = OBJECTS[obj_name]
        f = obj.field(field_name)
        if f is None:
            raise RecordNotFound(
                "NOT_FOUND",
                f"Provided external ID field does not exist or is not accessible: {field_name}",
            )
        if f.name == "Id":
            nid = normalize_id(value)
            value = nid or value
        with self.lock:
            return [
                r[0]
                for r in self.conn.execute(
                    f'SELECT "Id" FROM {quote(obj.name)} WHERE "IsDeleted" = 0 AND '
                    f"{quote(f.name)} = ?",
                    (value,),
                )
            ]

    def all_rows(self, obj_name: str, *, include_deleted: bool = True) -> list[dict[str, Any]]:
        """Every row of an object as plain JSON values (control API, no API usage)."""
        obj = OBJECTS[obj_name]
        names = [f.name for f in obj.fields]
        where = "" if include_deleted else ' WHERE "IsDeleted" = 0'
        with self.lock:
            rows = self.conn.execute(
                f"SELECT {', '.join(quote(n) for n in names)} FROM {quote(obj.name)}{where} "
                "ORDER BY rowid"
            ).fetchall()
        return [{f.name: _to_json(f, v) for f, v in zip(obj.fields, r, strict=True)} for r in rows]

    def changed_ids(
        self, obj_name: str, start: str, end: str, *, deleted: bool
    ) -> list[tuple[str, str]]:
        """Ids (and stamps) modified (or deleted) with start <= SystemModstamp < end."""
        with self.lock:
            return [
                (r[0], r[1])
                for r in self.conn.execute(
                    f'SELECT "Id", "SystemModstamp" FROM {quote(obj_name)} WHERE '
                    f'"SystemModstamp" >= ? AND "SystemModstamp" < ? AND "IsDeleted" = ? '
                    'ORDER BY "SystemModstamp", rowid',
                    (start, end, int(deleted)),
                )
            ]

    # ------------------------------------------------------------ queries

    def compile(self, soql: str, *, include_deleted: bool, tooling: bool = False) -> Compiled:
        """Compile against the data objects (or, with ``tooling``, the tooling objects)."""
        objects = {k: v for k, v in OBJECTS_LOWER.items() if v.tooling == tooling}
        return compile_query(
            soql, objects, include_deleted=include_deleted, picklists_on=self.picklists_on
        )

    def query(
        self,
        soql: str,
        *,
        include_deleted: bool = False,
        batch_size: int = 2000,
        api_version: str = "59.0",
        tooling: bool = False,
    ) -> dict[str, Any]:
        """Run SOQL; the first page, ``nextRecordsUrl`` when more pages exist."""
        c = self.compile(soql, include_deleted=include_deleted, tooling=tooling)
        limit = c.limit if c.limit is not None else -1
        offset = c.offset or 0
        with self.lock:
            if c.count_only:
                n = self.conn.execute(
                    f"SELECT count(*) FROM (SELECT 1 {c.from_where_sql} LIMIT ? OFFSET ?)",
                    [*c.params, limit, offset],
                ).fetchone()[0]
                return {"totalSize": n, "done": True, "records": []}
            if c.aggregates:
                row = self.conn.execute(
                    f"SELECT {', '.join(a[1] for a in c.aggregates)} {c.from_where_sql}",
                    c.params,
                ).fetchone()
                rec: dict[str, Any] = {"attributes": {"type": "AggregateResult"}}
                for (label, _, f), v in zip(c.aggregates, row, strict=True):
                    rec[label] = _to_json(f, v) if f else v
                return {"totalSize": 1, "done": True, "records": [rec]}
            first_n = batch_size + 1 if limit < 0 else min(limit, batch_size + 1)
            rows = self.conn.execute(
                f"{c.select_sql} LIMIT ? OFFSET ?", [*c.params, first_n, offset]
            ).fetchall()
            if len(rows) <= batch_size:
                return {
                    "totalSize": len(rows),
                    "done": True,
                    "records": [self.shape(c, r, api_version) for r in rows],
                }
            rowids = [
                r[0]
                for r in self.conn.execute(
                    f"SELECT t0.rowid {c.from_where_sql}{c.order_sql} LIMIT ? OFFSET ?",
                    [*c.params, limit, offset],
                )
            ]
            cursor_id = self._new_cursor(c, rowids, batch_size)
            kind = "queryAll" if include_deleted else "query"
            base = "tooling/" if tooling else ""
            return {
                "totalSize": len(rowids),
                "done": False,
                "nextRecordsUrl": f"/services/data/v{api_version}/{base}{kind}/"
                f"{cursor_id}-{batch_size}",
                "records": [self.shape(c, r, api_version) for r in rows[:batch_size]],
            }

    def _new_cursor(self, c: Compiled, rowids: list[int], batch: int) -> str:
        cursor_id = "01g" + secrets.token_hex(6).upper()[:12] + "AAA"
        self.cursors[cursor_id] = Cursor(c, rowids, batch, time.time())
        while len(self.cursors) > CURSOR_LIMIT:
            self.cursors.popitem(last=False)
        return cursor_id

    def query_more(
        self, locator: str, *, api_version: str = "59.0", kind: str = "query"
    ) -> dict[str, Any]:
        cursor_id, _, pos_text = locator.rpartition("-")
        cur = self.cursors.get(cursor_id)
        if cur is None or not pos_text.isdigit():
            raise SoqlError("INVALID_QUERY_LOCATOR", "invalid query locator")
        pos = int(pos_text)
        page_ids = cur.rowids[pos : pos + cur.batch]
        rows = self.rows_by_rowid(cur.compiled, page_ids)
        out: dict[str, Any] = {
            "totalSize": len(cur.rowids),
            "done": pos + cur.batch >= len(cur.rowids),
            "records": [self.shape(cur.compiled, r, api_version) for r in rows],
        }
        if not out["done"]:
            out["nextRecordsUrl"] = (
                f"/services/data/v{api_version}/{kind}/{cursor_id}-{pos + cur.batch}"
            )
        return out

    def rows_by_rowid(self, c: Compiled, rowids: list[int]) -> list[tuple[Any, ...]]:
        if not rowids:
            return []
        with self.lock:
            fetched = self.conn.execute(
                f"SELECT {c.cols_sql} {c.from_sql} WHERE t0.rowid IN "
                "(SELECT value FROM json_each(?))",
                (json.dumps(rowids),),
            ).fetchall()
        by_id = {r[0]: r for r in fetched}
        return [by_id[i] for i in rowids if i in by_id]

    def query_rowids(self, c: Compiled) -> list[int]:
        """All matching rowids in order (snapshot for Bulk API 2.0 query jobs)."""
        limit = c.limit if c.limit is not None else -1
        with self.lock:
            return [
                r[0]
                for r in self.conn.execute(
                    f"SELECT t0.rowid {c.from_where_sql}{c.order_sql} LIMIT ? OFFSET ?",
                    [*c.params, limit, c.offset or 0],
                )
            ]

    def shape(self, c: Compiled, row: tuple[Any, ...], api_version: str) -> dict[str, Any]:
        """Turn a result row into a nested record (relationships as dicts or None)."""
        obj = c.obj
        rec: dict[str, Any] = {"attributes": {"type": obj.name}}
        rid = row[1]
        kind = "tooling/sobjects" if obj.tooling else "sobjects"
        if rid:
            rec["attributes"]["url"] = f"/services/data/v{api_version}/{kind}/{obj.name}/{rid}"
        joins = {tuple(j.names): j for j in c.joins}
        for col in c.columns:
            target = rec
            path: list[str] = []
            alive = True
            for rel in col.names[:-1]:
                path.append(rel)
                join = joins[tuple(path)]
                parent_id = row[join.id_index]
                if rel in target and target[rel] is None:
                    alive = False
                    break
                if parent_id is None:
                    target[rel] = None
                    alive = False
                    break
                if rel not in target:
                    target[rel] = {
                        "attributes": {
                            "type": join.obj.name,
                            "url": f"/services/data/v{api_version}/{kind}/{join.obj.name}/"
                            f"{parent_id}",
                        }
                    }
                target = target[rel]
            if alive:
                target[col.names[-1]] = _to_json(col.field, row[col.index])
        return rec

    def describe(self, obj: SObject, api_version: str) -> dict[str, Any]:
        fields = []
        for f in visible_fields(obj, self.picklists_on):
            values = None
            if f.name.endswith("CountryCode") and f.needs_picklists:
                values = list(geo.countries())
            elif f.name.endswith("StateCode") and f.needs_picklists:
                values = geo.all_state_codes()
            fields.append(describe_field(f, values))
        base = f"/services/data/v{api_version}/sobjects/{obj.name}"
        return {
            **self.describe_global_entry(obj, api_version),
            "fields": fields,
            "childRelationships": [
                {
                    "childSObject": child,
                    "field": fk,
                    "relationshipName": None,
                    "cascadeDelete": True,
                }
                for child, fk in CASCADES.get(obj.name, [])
            ],
            "recordTypeInfos": [],
            "urls": {
                "sobject": base,
                "describe": f"{base}/describe",
                "rowTemplate": f"{base}/{{ID}}",
            },
        }

    def describe_global_entry(self, obj: SObject, api_version: str) -> dict[str, Any]:
        base = f"/services/data/v{api_version}/sobjects/{obj.name}"
        return {
            "name": obj.name,
            "label": obj.label,
            "labelPlural": obj.label_plural,
            "keyPrefix": obj.key_prefix,
            "custom": obj.custom,
            "createable": True,
            "updateable": True,
            "deletable": True,
            "queryable": True,
            "retrieveable": True,
            "searchable": True,
            "replicateable": True,
            "undeletable": True,
            "triggerable": True,
            "layoutable": True,
            "urls": {
                "sobject": base,
                "describe": f"{base}/describe",
                "rowTemplate": f"{base}/{{ID}}",
            },
        }

    def data_objects(self) -> list[SObject]:
        return list(DATA_OBJECTS)


class _RollBack(Exception):
    """Internal: abort a transaction() block for an all-or-none failure."""


def _roll_back(results: list[WriteResult]) -> list[WriteResult]:
    for r in results:
        if r.success:
            r.errors = [dict(ROLLED_BACK)]
        r.id = None
        r.created = False
    return results


def _full_name(first: str | None, last: str | None) -> str:
    return " ".join(p for p in (first, last) if p)


def _chunks(items: list[Any], n: int) -> Iterator[list[Any]]:
    for i in range(0, len(items), n):
        yield items[i : i + n]
