"""Lead conversion, as Salesforce's ``convertLead`` does it (control API
``/__emulator/leads/<id>/convert``).

A conversion makes (or reuses) an Account and a Contact, optionally an Opportunity, from the
Lead's values through the standard lead field mapping (plus every custom field whose API name
exists on the target too, which is how admins map an external id), then marks the Lead
converted. From then on Salesforce refuses every write to the Lead with
``CANNOT_UPDATE_CONVERTED_LEAD``: :func:`converted_lead_error` is the one place that error is
made (``store/writes.py`` applies it to updates, so REST, upserts, Collections and Bulk API
2.0 all see it). Reads and queries still return the Lead, with ``IsConverted`` true.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..schema import OBJECTS, OPPORTUNITY_STAGES, SchemaView
from ..soql import quote
from ..values import format_dt, normalize_id, now_utc
from .results import err, to_json

if TYPE_CHECKING:
    from . import Store

CONVERTED_CODE = "CANNOT_UPDATE_CONVERTED_LEAD"
CONVERTED_MESSAGE = "cannot reference converted lead"
DEFAULT_CONVERTED_STATUS = "Closed - Converted"

_ADDRESS: tuple[str, ...] = ("Street", "City", "State", "PostalCode", "Country", "StateCode")
_ADDRESS += ("CountryCode", "Latitude", "Longitude", "GeocodeAccuracy")
#: Lead field -> Contact field (Salesforce's standard lead mapping).
CONTACT_MAPPING: dict[str, str] = {
    **{n: n for n in ("FirstName", "LastName", "Email", "Phone", "MobilePhone", "Title")},
    **{n: n for n in ("LeadSource", "HasOptedOutOfEmail", "Description", "Salutation", "Fax")},
    **{n: n for n in ("HasOptedOutOfFax", "DoNotCall")},
    **{a: f"Mailing{a}" for a in _ADDRESS},
}
#: Lead field -> Account field.
ACCOUNT_MAPPING: dict[str, str] = {
    "Company": "Name",
    **{n: n for n in ("Website", "Phone", "Fax", "Industry", "NumberOfEmployees")},
    "AnnualRevenue": "AnnualRevenue",
    **{a: f"Billing{a}" for a in _ADDRESS},
}


def converted_lead_error() -> dict[str, Any]:
    """The record error of any write to a converted Lead."""
    return err(CONVERTED_CODE, CONVERTED_MESSAGE, [])


def convert_lead(
    store: Store,
    lead_id: str,
    *,
    account_id: str | None = None,
    contact_id: str | None = None,
    create_opportunity: bool = False,
    converted_status: str = DEFAULT_CONVERTED_STATUS,
    opportunity_name: str | None = None,
) -> dict[str, str | None]:
    """Convert a Lead; ``{lead_id, contact_id, account_id, opportunity_id}``.

    ``account_id``: use that Account instead of creating one; ``contact_id``: merge into
    that Contact (only its empty fields are filled, as Salesforce does) instead of creating
    one. A bad id, an already converted Lead or a failing insert is a ValueError (nothing
    is written then)."""
    with store.lock:
        lead = _live_row(store, "Lead", lead_id)
        if lead["IsConverted"]:
            raise ValueError(f"lead {lead['Id']} is already converted")
        if converted_status not in OBJECTS["Lead"].known_field("Status").picklist:
            raise ValueError(f"converted_status {converted_status!r} is not a Lead status")
        account = _live_row(store, "Account", account_id) if account_id else None
        contact = _live_row(store, "Contact", contact_id) if contact_id else None
        if account is None and contact is not None and contact["AccountId"]:
            account = _live_row(store, "Account", contact["AccountId"])
        if account and contact and contact["AccountId"] not in (None, account["Id"]):
            raise ValueError(f"contact {contact['Id']} does not belong to account {account['Id']}")
        owner = lead["OwnerId"] or store.any_user_id()
        view = store.org_view()
        with store.transaction():
            if account is None:
                acc_id = _insert(store, "Account", _mapped(view, lead, "Account"), owner)
            else:
                acc_id = account["Id"]
            values = _mapped(view, lead, "Contact")
            if contact is None:
                con_id = _insert(store, "Contact", {**values, "AccountId": acc_id}, owner)
            else:
                con_id = contact["Id"]
                blanks = {k: v for k, v in values.items() if contact.get(k) in (None, "", 0)}
                if not contact["AccountId"]:
                    blanks["AccountId"] = acc_id
                res = store.update("Contact", [{**blanks, "Id": con_id}], user_id=owner)[0]
                if not res.success:
                    raise ValueError(f"contact update failed: {res.errors}")
            opp_id = None
            if create_opportunity:
                opp = {
                    "Name": opportunity_name or f"{lead['Company']}-",
                    "StageName": OPPORTUNITY_STAGES[0][0],
                    "CloseDate": now_utc().date().isoformat(),
                    "AccountId": acc_id,
                    "LeadSource": lead.get("LeadSource"),
                }
                opp_id = _insert(store, "Opportunity", opp, owner)
            _mark_converted(store, lead["Id"], converted_status, acc_id, con_id, opp_id)
        return {
            "lead_id": lead["Id"],
            "contact_id": con_id,
            "account_id": acc_id,
            "opportunity_id": opp_id,
        }


def _live_row(store: Store, obj_name: str, raw_id: str) -> dict[str, Any]:
    rid = normalize_id(str(raw_id))
    row = store.rows_by_id(OBJECTS[obj_name], [rid]).get(rid) if rid else None
    if row is None or row["IsDeleted"]:
        raise ValueError(f"no live {obj_name} with id {raw_id}")
    return row


def _mapped(view: SchemaView, lead: dict[str, Any], target: str) -> dict[str, Any]:
    """The Lead's non-empty values under ``target``'s field names: the standard mapping,
    then same-named custom fields (only fields that exist for the org on both sides)."""
    source, obj = OBJECTS["Lead"], OBJECTS[target]
    mapping = dict(ACCOUNT_MAPPING if target == "Account" else CONTACT_MAPPING)
    mapping.update({f.name: f.name for f in source.fields if f.custom and obj.field(f.name)})
    out: dict[str, Any] = {}
    for src, dst in mapping.items():
        f, g = view.field(source, src), view.field(obj, dst)
        if f is None or g is None or lead.get(src) in (None, ""):
            continue
        out[g.name] = to_json(f, lead[src])
    return out


def _insert(store: Store, obj_name: str, values: dict[str, Any], owner: str | None) -> str:
    res = store.insert(obj_name, [values], user_id=owner)[0]
    if not res.success or res.id is None:
        raise ValueError(f"{obj_name} insert failed: {res.errors}")
    return res.id


def _mark_converted(
    store: Store, lead_id: str, status: str, acc_id: str, con_id: str, opp_id: str | None
) -> None:
    """Set the read-only conversion fields and move the Lead's activities to the Contact
    (and the Opportunity), bumping what changed so replication sees it."""
    stamp = format_dt(now_utc())
    store.conn.execute(
        'UPDATE "Lead" SET "IsConverted" = 1, "ConvertedDate" = ?, "ConvertedAccountId" = ?, '
        '"ConvertedContactId" = ?, "ConvertedOpportunityId" = ?, "Status" = ?, '
        '"LastModifiedDate" = ?, "SystemModstamp" = ? WHERE "Id" = ?',
        (stamp[:10], acc_id, con_id, opp_id, status, stamp, stamp, lead_id),
    )
    task = quote("Task")
    store.conn.execute(
        f'UPDATE {task} SET "WhoId" = ?, "WhatId" = coalesce("WhatId", ?), '
        '"LastModifiedDate" = ?, "SystemModstamp" = ? WHERE "WhoId" = ?',
        (con_id, opp_id, stamp, stamp, lead_id),
    )
    # The Lead's campaign memberships become the Contact's (it keeps LeadId), unless the
    # Contact is already a member of that campaign.
    store.conn.execute(
        'UPDATE "CampaignMember" SET "ContactId" = ?, "Type" = \'Contact\', '
        '"LastModifiedDate" = ?, "SystemModstamp" = ? WHERE "LeadId" = ? AND "IsDeleted" = 0 '
        'AND "CampaignId" NOT IN (SELECT "CampaignId" FROM "CampaignMember" WHERE '
        '"ContactId" = ? AND "IsDeleted" = 0)',
        (con_id, stamp, stamp, lead_id, con_id),
    )
