"""Record reads without SOQL: by id, by external id, every row (control API), and the
``updated/`` / ``deleted/`` replication windows."""

from __future__ import annotations

from typing import Any

from ..schema import OBJECTS, SchemaView, SObject
from ..soql import SoqlError, quote
from ..values import normalize_id
from .org import OrgSettings
from .results import RecordNotFound, to_json


class RecordReads(OrgSettings):
    """``get``, ``find_by_external``, ``all_rows``, ``changed_ids``."""

    def get(
        self,
        obj_name: str,
        rid_raw: str,
        fields: list[str] | None = None,
        *,
        api_version: str = "59.0",
        view: SchemaView | None = None,
    ) -> dict[str, Any]:
        """One record by id (raises :class:`RecordNotFound`), the fields ``view`` shows."""
        obj = self.org_view().sobject(obj_name)  # with the org's run-time fields
        rid = normalize_id(rid_raw)
        if rid is None or rid[:3] != obj.key_prefix:
            raise RecordNotFound(
                "NOT_FOUND",
                f"Provided external ID field does not exist or is not accessible: {rid_raw}",
            )
        with self.lock:
            cur = self.rows_by_id(obj, [rid]).get(rid)
        if cur is None:
            raise RecordNotFound("NOT_FOUND", "The requested resource does not exist")
        if cur["IsDeleted"]:
            raise RecordNotFound("ENTITY_IS_DELETED", "entity is deleted")
        return self.shape_full(obj, cur, fields, api_version=api_version, view=view)

    def shape_full(
        self,
        obj: SObject,
        cur: dict[str, Any],
        fields: list[str] | None = None,
        *,
        api_version: str = "59.0",
        view: SchemaView | None = None,
    ) -> dict[str, Any]:
        out: dict[str, Any] = {
            "attributes": {
                "type": obj.name,
                "url": f"/services/data/v{api_version}/sobjects/{obj.name}/{cur['Id']}",
            }
        }
        view = view or self.org_view()
        wanted = view.fields(obj)
        if fields:
            lower = {x.strip().lower() for x in fields}
            bad = [x for x in fields if view.field(obj, x.strip()) is None]
            if bad:
                raise SoqlError(
                    "INVALID_FIELD", f"No such column '{bad[0]}' on entity '{obj.name}'"
                )
            wanted = [f for f in wanted if f.name.lower() in lower]
        for f in wanted:
            out[f.name] = to_json(f, cur.get(f.name))
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
        obj = self.org_view().sobject(obj_name)
        names = [f.name for f in obj.fields]
        where = "" if include_deleted else ' WHERE "IsDeleted" = 0'
        with self.lock:
            rows = self.conn.execute(
                f"SELECT {', '.join(quote(n) for n in names)} FROM {quote(obj.name)}{where} "
                "ORDER BY rowid"
            ).fetchall()
        return [{f.name: to_json(f, v) for f, v in zip(obj.fields, r, strict=True)} for r in rows]

    def record_counts(self, names: list[str]) -> dict[str, int]:
        """Live (not deleted) records per object (REST ``limits/recordCount``)."""
        with self.lock:
            return {
                name: self.conn.execute(
                    f'SELECT count(*) FROM {quote(name)} WHERE "IsDeleted" = 0'
                ).fetchone()[0]
                for name in names
            }

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
