"""Write rules of owners and campaigns, run by every create and update (REST, Collections,
composite, upserts, Bulk API 2.0 ingest) after the reference checks:

* an ``OwnerId`` must be an active user (``INACTIVE_OWNER_OR_USER``, naming the user) or,
  where the object allows it (Lead), a queue (``Group`` of type ``Queue``);
* a ``CampaignMember`` is a Lead or a Contact, once per campaign (``DUPLICATE_VALUE``
  ``Already a campaign member.``), with a status the campaign has
  (``INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST``; none given: the campaign's default), and
  ``HasResponded`` / ``FirstRespondedDate`` / ``Type`` from it;
* a new ``Campaign`` gets Salesforce's default member statuses (*Sent*, the default, and
  *Responded*); a ``CampaignMemberStatus`` label is unique within its campaign.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..schema import NAME_BY_PREFIX, SObject
from ..schema.campaigns import DEFAULT_MEMBER_STATUSES
from ..soql import quote
from ..values import now_utc
from .base import StoreBase, chunks
from .results import WriteResult, err

if TYPE_CHECKING:
    from .writes import RecordWrites

Rows = list[tuple[int, dict[str, Any]]]


def check_owners(
    db: StoreBase,
    obj: SObject,
    rows: Rows,
    results: list[WriteResult],
) -> None:
    """``OwnerId`` of the valid rows: an active user, or a queue where the object allows."""
    f = obj.field("OwnerId")
    if f is None:
        return
    wanted = {r["OwnerId"] for _, r in rows if r.get("OwnerId")}
    if not wanted:
        return
    users = _column(db, "User", "IsActive", [w for w in wanted if w.startswith("005")])
    groups = _column(db, "Group", "Type", [w for w in wanted if w.startswith("00G")])
    for i, r in rows:
        owner = r.get("OwnerId")
        if not owner or not results[i].success:
            continue
        target = NAME_BY_PREFIX.get(owner[:3])
        if target == "User" and owner in users and not users[owner]:
            results[i].errors.append(
                err(
                    "INACTIVE_OWNER_OR_USER",
                    f"operation performed with inactive user [{owner}] as owner of "
                    f"{obj.name.lower()}",
                    ["OwnerId"],
                )
            )
        elif target == "Group" and (target not in f.reference_to or groups.get(owner) != "Queue"):
            results[i].errors.append(
                err(
                    "FIELD_INTEGRITY_EXCEPTION",
                    f"field integrity exception: unknown (id value of incorrect type: {owner})",
                    ["OwnerId"],
                )
            )


def check_campaign_rows(
    db: StoreBase,
    obj: SObject,
    rows: Rows,
    results: list[WriteResult],
    existing: dict[str, dict[str, Any]],
) -> None:
    """The member and member-status rules of the valid rows (updates: ``existing``)."""
    if obj.name == "CampaignMember":
        _check_members(db, rows, results, existing)
    elif obj.name == "CampaignMemberStatus":
        _check_statuses(db, rows, results, existing)


def after_insert(db: RecordWrites, obj: SObject, ids: list[str], user_id: str | None) -> None:
    """A new campaign's default member statuses (inserted through the store, so they are
    records like any other: SOQL, describe, change events)."""
    if obj.name != "Campaign" or not ids:
        return
    rows = [
        {
            "CampaignId": cid,
            "Label": label,
            "HasResponded": responded,
            "IsDefault": default,
            "SortOrder": n + 1,
        }
        for cid in ids
        for n, (label, responded, default) in enumerate(DEFAULT_MEMBER_STATUSES)
    ]
    db.insert("CampaignMemberStatus", rows, user_id=user_id, run_rules=False)


def _column(db: StoreBase, table: str, column: str, ids: list[str]) -> dict[str, Any]:
    return {
        rid: value
        for chunk in chunks(ids, 500)
        for rid, value in db.conn.execute(
            f'SELECT "Id", {quote(column)} FROM {quote(table)} WHERE "IsDeleted" = 0 AND '
            f'"Id" IN ({",".join("?" * len(chunk))})',
            chunk,
        )
    }


def statuses_of(db: StoreBase, campaign_ids: list[str]) -> dict[str, dict[str, dict[str, Any]]]:
    """Campaign id -> lower-cased label -> ``{Label, HasResponded, IsDefault}``."""
    out: dict[str, dict[str, dict[str, Any]]] = {c: {} for c in campaign_ids}
    for chunk in chunks(campaign_ids, 500):
        for cid, label, responded, default in db.conn.execute(
            'SELECT "CampaignId", "Label", "HasResponded", "IsDefault" FROM '
            '"CampaignMemberStatus" WHERE "IsDeleted" = 0 AND '
            f'"CampaignId" IN ({",".join("?" * len(chunk))})',
            chunk,
        ):
            out[cid][label.lower()] = {
                "Label": label,
                "HasResponded": bool(responded),
                "IsDefault": bool(default),
            }
    return out


def _check_members(
    db: StoreBase, rows: Rows, results: list[WriteResult], existing: dict[str, dict[str, Any]]
) -> None:
    merged = [(i, r, {**existing.get(r.get("Id") or "", {}), **r}) for i, r in rows]
    statuses = statuses_of(
        db, sorted({m["CampaignId"] for _, _, m in merged if m.get("CampaignId")})
    )
    keys: dict[tuple[str, str], str] = {}
    for column in ("LeadId", "ContactId"):
        wanted = sorted({m[column] for _, _, m in merged if m.get(column)})
        for chunk in chunks(wanted, 500):
            for rid, cid, who in db.conn.execute(
                f'SELECT "Id", "CampaignId", {quote(column)} FROM "CampaignMember" WHERE '
                f'"IsDeleted" = 0 AND {quote(column)} IN ({",".join("?" * len(chunk))})',
                chunk,
            ):
                keys[(cid, who)] = rid
    seen: set[tuple[str, str]] = set()
    for i, row, member in merged:
        if not results[i].success:
            continue
        who = member.get("ContactId") or member.get("LeadId")
        if not who:
            results[i].errors.append(
                err(
                    "REQUIRED_FIELD_MISSING",
                    "Required fields are missing: [LeadId, ContactId]",
                    ["LeadId", "ContactId"],
                )
            )
            continue
        campaign = member["CampaignId"]
        own = member.get("Id")
        mine = {(campaign, w) for w in (member.get("LeadId"), member.get("ContactId")) if w}
        if any(keys.get(k) not in (None, own) for k in mine) or mine & seen:
            results[i].errors.append(err("DUPLICATE_VALUE", "Already a campaign member.", []))
            continue
        seen |= mine
        known = statuses.get(campaign, {})
        status = member.get("Status")
        if not status:
            status = next((s["Label"] for s in known.values() if s["IsDefault"]), None)
        found = known.get((status or "").lower())
        if found is None:
            results[i].errors.append(
                err(
                    "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                    f"Status: bad value for restricted picklist field: {status}",
                    ["Status"],
                )
            )
            continue
        row["Status"] = found["Label"]
        row["HasResponded"] = int(found["HasResponded"])
        if found["HasResponded"] and not member.get("FirstRespondedDate"):
            row["FirstRespondedDate"] = now_utc().date().isoformat()
        row["Type"] = "Contact" if member.get("ContactId") else "Lead"


def _check_statuses(
    db: StoreBase, rows: Rows, results: list[WriteResult], existing: dict[str, dict[str, Any]]
) -> None:
    merged = [(i, {**existing.get(r.get("Id") or "", {}), **r}) for i, r in rows]
    statuses = statuses_of(db, sorted({m["CampaignId"] for _, m in merged if m.get("CampaignId")}))
    seen: set[tuple[str, str]] = set()
    for i, m in merged:
        if not results[i].success or not m.get("Label"):
            continue
        key = (m["CampaignId"], m["Label"].lower())
        taken = key[1] in statuses.get(key[0], {}) and m.get("Id") is None
        if taken or key in seen:
            results[i].errors.append(
                err("DUPLICATE_VALUE", f"duplicate value found: Label {m['Label']}", ["Label"])
            )
        seen.add(key)
