"""The org's active Lead assignment rule, as REST writes run it.

Salesforce runs the active assignment rule on every Lead created or updated through the
REST API (sObject rows, Collections, composite) unless the request says
``Sforce-Auto-Assign: FALSE``; Bulk API 2.0 never runs it. The emulator's rule is one org
setting, ``lead_assignment_rule_owner``: the user every Lead it sees is assigned to.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..soql import quote
from ..store import Store
from ..store.results import WriteResult
from .common import Ctx

HEADER = "Sforce-Auto-Assign"


def assignment_rule_run(
    ctx: Ctx, store: Store, obj_name: str, results: Iterable[WriteResult]
) -> None:
    """Assign the Leads these results wrote, when the org has a rule and the request allows it."""
    if obj_name != "Lead":
        return
    owner_name = store.org.get("lead_assignment_rule_owner")
    if not owner_name:
        return
    header = next((v for k, v in ctx.headers.items() if k.lower() == HEADER.lower()), "TRUE")
    if header.strip().lower() in ("false", "0"):
        return
    owner = store.user_by_username(owner_name)
    ids = [r.id for r in results if r.success and r.id]
    if owner is None or not ids:
        return
    with store.lock, store.transaction():
        store.conn.executemany(
            f"UPDATE {quote('Lead')} SET OwnerId = ? WHERE Id = ?",
            [(owner["user_id"], record_id) for record_id in ids],
        )
