"""sObject Tree: ``POST composite/tree/<Object>`` creates records with their children in one
all-or-none transaction (REST API Developer Guide, "sObject Tree", "Create Nested Records").

Every record has ``attributes: {type, referenceId}``; children come under a child
relationship name of their parent (``"Contacts": {"records": [...]}``) and get the parent's
id in the relationship's lookup. At most 200 records in all and 5 levels. The answer is
201 ``{"hasErrors": false, "results": [{"referenceId", "id"}]}``, or 400 with the failing
records' ``errors`` (and nothing written).
"""

from __future__ import annotations

from typing import Any

from ..schema.children import child_relationship
from ..store import Store, WriteResult
from .assignment import assignment_rule_run
from .common import MAX_COLLECTION, AllOrNoneAbort, ApiError, Ctx, Out
from .duplicate_header import allow_save

MAX_DEPTH = 5


class _Node:
    """One record of the tree: its fields, its parent lookup and its children."""

    def __init__(self, obj: str, ref: str, fields: dict[str, Any], parent_field: str | None):
        self.obj = obj
        self.ref = ref
        self.fields = fields
        self.parent_field = parent_field
        self.children: list[_Node] = []
        self.result: WriteResult | None = None


class TreeApi:
    """``POST composite/tree/<Object>``."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def create(self, ctx: Ctx) -> Out:
        obj = ctx.sobject()
        body = ctx.json()
        records = body.get("records") if isinstance(body, dict) else None
        if not isinstance(records, list) or not records:
            raise ApiError(400, "JSON_PARSER_ERROR", 'Expected {"records": [...]}')
        refs: set[str] = set()
        roots = [self._node(ctx, r, obj.name, None, 1, refs) for r in records]
        if len(refs) > MAX_COLLECTION:
            raise ApiError(
                400,
                "LIMIT_EXCEEDED",
                f"Limit Exceeded: the request has more than {MAX_COLLECTION} records",
            )
        levels: list[list[_Node]] = [roots]
        while levels[-1]:
            levels.append([c for n in levels[-1] for c in n.children])
        ok = True
        with self.store.lock:
            try:
                with self.store.transaction():
                    for level in levels:
                        ok = self._insert_level(ctx, level) and ok
                        if not ok:
                            raise AllOrNoneAbort
            except AllOrNoneAbort:
                pass
        nodes = [n for level in levels for n in level]
        if ok:
            results = [{"referenceId": n.ref, "id": n.result.id} for n in nodes if n.result]
            return Out(201, {"hasErrors": False, "results": results})
        failed = [
            {"referenceId": n.ref, "errors": n.result.errors}
            for n in nodes
            if n.result is not None and not n.result.success
        ]
        return Out(400, {"hasErrors": True, "results": failed})

    def _node(
        self,
        ctx: Ctx,
        record: Any,
        expected: str,
        parent_field: str | None,
        depth: int,
        refs: set[str],
    ) -> _Node:
        if not isinstance(record, dict):
            raise ApiError(400, "JSON_PARSER_ERROR", "Each record must be a JSON object")
        if depth > MAX_DEPTH:
            raise ApiError(400, "INVALID_INPUT", f"The tree is deeper than {MAX_DEPTH} levels")
        attrs = record.get("attributes")
        if not isinstance(attrs, dict) or not attrs.get("referenceId") or not attrs.get("type"):
            raise ApiError(
                400,
                "INVALID_INPUT",
                "Include a type and a referenceId in every record's attributes",
            )
        ref = str(attrs["referenceId"])
        if ref in refs:
            raise ApiError(
                400, "INVALID_INPUT", f"Duplicate ReferenceId provided in the request: {ref}"
            )
        refs.add(ref)
        obj = ctx.schema.object(str(attrs["type"]))
        if obj is None or obj.name != expected:
            raise ApiError(400, "INVALID_INPUT", f"The type of record {ref} is not {expected}")
        node = _Node(obj.name, ref, {}, parent_field)
        for key, value in record.items():
            if key == "attributes":
                continue
            rel = child_relationship(obj.name, key)
            if rel is not None and isinstance(value, dict):
                for child in value.get("records") or []:
                    node.children.append(
                        self._node(ctx, child, rel.child, rel.field, depth + 1, refs)
                    )
            else:
                node.fields[key] = value
        return node

    def _insert_level(self, ctx: Ctx, level: list[_Node]) -> bool:
        """Insert one level (by object), then give the children their parent's id; whether
        all were written."""
        ok = True
        by_obj: dict[str, list[_Node]] = {}
        for node in level:
            by_obj.setdefault(node.obj, []).append(node)
        for name, nodes in by_obj.items():
            results = self.store.insert(
                name,
                [n.fields for n in nodes],
                user_id=ctx.user_id,
                view=ctx.view,
                allow_save=allow_save(ctx),
            )
            assignment_rule_run(ctx, self.store, name, results)
            for node, res in zip(nodes, results, strict=True):
                node.result = res
                ok = ok and res.success
        for parent in level:
            for child in parent.children:
                if child.parent_field and parent.result is not None and parent.result.id:
                    child.fields[child.parent_field] = parent.result.id
        return ok
