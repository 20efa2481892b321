"""Pure mappers between hubsync contact values and Salesforce records.

No database and no HTTP here: plain values in, plain dicts out, so every rule
is tested directly (tests/connector/test_mappers.py).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from . import geo
from .messages import STATE_NEEDS_COUNTRY, said

NOT_PROVIDED = "[not provided]"
EXTERNAL_ID_FIELD = "HubSync_Id__c"
# Fields Salesforce requires on create; a blank hubsync value gets NOT_PROVIDED,
# as Salesforce's own web-to-lead does, instead of a rejected record.
REQUIRED_FIELDS = {"Lead": ("LastName", "Company"), "Contact": ("LastName",)}
# With state/country picklists on, the text fields are written through their code twins.
PICKLIST_FIELDS = {"State", "Country", "MailingState", "MailingCountry"}
#: The contact owner: the hubsync user ↔ the record's ``OwnerId``, through the user matches
#: (:class:`Owners`). A blank or unmatched owner is never sent (Salesforce keeps its own:
#: its default on create, a queue on a Lead).
OWNER_PROPERTY = "owner"
OWNER_FIELD = "OwnerId"
RULES_SENT_ON_UPDATE = {"two_way"}
RULES_SENT_ON_CREATE = {"two_way", "prefer_salesforce", "always_salesforce"}


@dataclass(frozen=True)
class MappingSpec:
    """A field mapping as plain data (connector.models.FieldMapping without the database)."""

    hubsync_property: str
    lead_field: str
    contact_field: str
    sync_rule: str

    def field_for(self, object_type: str) -> str:
        return self.lead_field if object_type == "Lead" else self.contact_field


@dataclass(frozen=True)
class Owners:
    """The user matches as plain data: hubsync user id (as text) ↔ Salesforce user id."""

    to_salesforce: Mapping[str, str]
    to_hubsync: Mapping[str, str]


NO_OWNERS = Owners({}, {})


def record_in_hubsync_terms(record: Mapping[str, Any], owners: Owners) -> dict[str, Any]:
    """The record with its ``OwnerId`` as the matched hubsync user's id (text), or blank for a
    queue or a user nobody matches: what the merge compares with the contact's owner."""
    out = dict(record)
    if OWNER_FIELD in out:
        out[OWNER_FIELD] = owners.to_hubsync.get(str(out[OWNER_FIELD] or ""), "")
    return out


class MappingError(ValueError):
    """A value that cannot go to Salesforce; becomes a per-record sync error."""

    def __init__(self, code: str, message: str, fields: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.fields = tuple(fields)


def hubsync_id(external_id: UUID | str) -> str:
    """The external id (HubSync_Id__c) a contact carries in Salesforce: its random
    ``external_id``, never its guessable primary key."""
    return str(external_id)


def contact_to_salesforce(
    values: Mapping[str, Any],
    *,
    object_type: str,
    mappings: Sequence[MappingSpec],
    picklists: geo.Picklists | None,
    creating: bool,
    only: Collection[str] | None = None,
    owners: Owners = NO_OWNERS,
) -> dict[str, Any]:
    """The Salesforce fields to write for one contact.

    ``creating`` sends every synced property; an update sends only *Two-way*
    properties, because *Prefer Salesforce unless blank* and *Always use
    Salesforce* mean Salesforce's value stands once the record exists, and of those only
    ``only`` when given (the properties hubsync changed: :mod:`connector.merge`).
    ``picklists``: the org's state and country picklists (None: the org has none, the
    text fields are sent). Raises :class:`MappingError` for a state/country they lack.
    The owner goes as its matched Salesforce user (``owners``); without one it is not sent.
    """
    allowed = RULES_SENT_ON_CREATE if creating else RULES_SENT_ON_UPDATE
    record: dict[str, Any] = {}
    for mapping in mappings:
        field = mapping.field_for(object_type)
        if not field or mapping.sync_rule not in allowed:
            continue
        if (
            only is not None
            and mapping.hubsync_property not in only
            and not (picklists is not None and _twin_sent(mapping, object_type, mappings, only))
        ):
            continue
        value = values.get(mapping.hubsync_property)
        if mapping.hubsync_property == OWNER_PROPERTY:
            owner = owners.to_salesforce.get("" if value is None else str(value))
            if owner:
                record[field] = owner
            continue
        record[field] = value.strip() if isinstance(value, str) and value.strip() else None
    if picklists is not None:
        _to_picklist_codes(record, picklists)
    for field in REQUIRED_FIELDS[object_type]:
        if field in record and not record[field] or creating and field not in record:
            record[field] = NOT_PROVIDED
    if creating:
        record = {field: value for field, value in record.items() if value is not None}
    return record


def _twin_sent(
    mapping: MappingSpec, object_type: str, mappings: Sequence[MappingSpec], only: Collection[str]
) -> bool:
    """A country sent as a code goes with its state (the state's code needs it), and the
    other way round; the unchanged twin's value is the same as Salesforce's."""
    field = mapping.field_for(object_type)
    if field not in PICKLIST_FIELDS:
        return False
    twin = field[: -len("State")] + "Country" if field.endswith("State") else ""
    if field.endswith("Country"):
        twin = field[: -len("Country")] + "State"
    return any(m.field_for(object_type) == twin and m.hubsync_property in only for m in mappings)


def _to_picklist_codes(record: dict[str, Any], picklists: geo.Picklists) -> None:
    for prefix in ("", "Mailing"):
        country_field, state_field = f"{prefix}Country", f"{prefix}State"
        if country_field not in record and state_field not in record:
            continue
        # Only what is mapped is written: a country mapped alone leaves the record's state
        # as it is (clearing it would lose the sales team's value).
        state_mapped = state_field in record
        country_text = record.pop(country_field, None)
        state_text = record.pop(state_field, None)
        country = None
        if country_text:
            try:
                country = picklists.country_code(country_text)
            except geo.NormalisationError as exc:
                raise MappingError(
                    "INVALID_COUNTRY", exc.message, [f"{country_field}Code"]
                ) from None
        state = None
        if state_text:
            if not country:
                raise MappingError(
                    "STATE_WITHOUT_COUNTRY",
                    said(STATE_NEEDS_COUNTRY, text=state_text),
                    [f"{state_field}Code"],
                )
            try:
                state = picklists.state_code(state_text, country=country)
            except geo.NormalisationError as exc:
                raise MappingError("INVALID_STATE", exc.message, [f"{state_field}Code"]) from None
        record[f"{country_field}Code"] = country
        if state_mapped:
            record[f"{state_field}Code"] = state


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def same_place(
    record: Mapping[str, Any], field: str, current: str, picklists: geo.Picklists
) -> bool:
    """With picklists on, "Deutschland"/"Bayern" in hubsync equal DE/BY in Salesforce."""
    code = record.get(f"{field}Code")
    if field.endswith("State") and current:
        country = record.get(f"{field[: -len('State')]}CountryCode")
        if country and not picklists.has_states(country):
            return True  # the org keeps no states there: hubsync's text is not contradicted
    if not code or not current:
        return False
    try:
        if field.endswith("Country"):
            return bool(picklists.country_code(current) == code)
        country = record.get(f"{field[: -len('State')]}CountryCode")
        if not country:
            return False
        return bool(picklists.state_code(current, country=country) == code)
    except geo.NormalisationError:
        return False


def salesforce_to_contact(
    record: Mapping[str, Any],
    *,
    object_type: str,
    mappings: Sequence[MappingSpec],
) -> dict[str, str]:
    """The properties of a new contact made from a Salesforce record: every synced,
    non-blank value (hubsync's own placeholder for a required field is no value).

    A linked contact is merged field by field instead (:mod:`connector.merge`).
    """
    values: dict[str, str] = {}
    for mapping in mappings:
        field = mapping.field_for(object_type)
        if not field or mapping.sync_rule == "dont_sync":
            continue
        incoming = _text(record.get(field))
        if incoming and incoming != NOT_PROVIDED:
            values[mapping.hubsync_property] = incoming
    return values


def salesforce_fields_for(
    object_type: str, mappings: Sequence[MappingSpec], *, picklists: bool
) -> list[str]:
    """The fields to read from a Lead or Contact for the mappings (codes included)."""
    fields = {"Id", "Email", "CreatedDate", "LastModifiedDate", "SystemModstamp", OWNER_FIELD}
    if object_type == "Lead":
        fields.update({"IsConverted", "ConvertedContactId"})
    else:
        fields.add("AccountId")
    for mapping in mappings:
        field = mapping.field_for(object_type)
        if field and mapping.sync_rule != "dont_sync":
            fields.add(field)
            if picklists and field in PICKLIST_FIELDS:
                fields.add(f"{field}Code")
    return sorted(fields)
