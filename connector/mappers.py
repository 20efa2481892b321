"""Pure mappers between hubsync contact values and Salesforce records.

No database and no HTTP here: plain values in, plain dicts out, so every rule
is tested directly (tests/connector/test_mappers.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from . import geo

NOT_PROVIDED = "[not provided]"
EXTERNAL_ID_FIELD = "HubSync_Id__c"
# Fields Salesforce requires on create; a blank hubsync value gets NOT_PROVIDED,
# as Salesforce's own web-to-lead does, instead of a rejected record.
REQUIRED_FIELDS = {"Lead": ("LastName", "Company"), "Contact": ("LastName",)}
# With state/country picklists on, the text fields are written through their code twins.
PICKLIST_FIELDS = {"State", "Country", "MailingState", "MailingCountry"}
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


class MappingError(ValueError):
    """A value that cannot go to Salesforce; becomes a per-record sync error."""

    def __init__(self, code: str, message: str, fields: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.fields = tuple(fields)


def hubsync_id(contact_id: int) -> str:
    """The external id a contact carries in Salesforce (upserts are idempotent on it)."""
    return str(contact_id)


def contact_to_salesforce(
    values: Mapping[str, Any],
    *,
    object_type: str,
    mappings: Sequence[MappingSpec],
    picklists: bool,
    creating: bool,
) -> dict[str, Any]:
    """The Salesforce fields to write for one contact.

    ``creating`` sends every synced property; an update sends only *Two-way*
    properties, because *Prefer Salesforce unless blank* and *Always use
    Salesforce* mean Salesforce's value stands once the record exists.
    Raises :class:`MappingError` for a state/country the picklists cannot take.
    """
    allowed = RULES_SENT_ON_CREATE if creating else RULES_SENT_ON_UPDATE
    record: dict[str, Any] = {}
    for mapping in mappings:
        field = mapping.field_for(object_type)
        if not field or mapping.sync_rule not in allowed:
            continue
        value = values.get(mapping.hubsync_property)
        record[field] = value.strip() if isinstance(value, str) and value.strip() else None
    if picklists:
        _to_picklist_codes(record)
    for field in REQUIRED_FIELDS[object_type]:
        if field in record and not record[field] or creating and field not in record:
            record[field] = NOT_PROVIDED
    if creating:
        record = {field: value for field, value in record.items() if value is not None}
    return record


def _to_picklist_codes(record: dict[str, Any]) -> None:
    for prefix in ("", "Mailing"):
        country_field, state_field = f"{prefix}Country", f"{prefix}State"
        if country_field not in record and state_field not in record:
            continue
        country_text = record.pop(country_field, None)
        state_text = record.pop(state_field, None)
        country = None
        if country_text:
            try:
                country = geo.country_code(country_text)
            except geo.NormalisationError as exc:
                raise MappingError("INVALID_COUNTRY", str(exc), [f"{country_field}Code"]) from None
        state = None
        if state_text:
            if not country:
                raise MappingError(
                    "STATE_WITHOUT_COUNTRY",
                    f"The state “{state_text}” needs a country for Salesforce's picklists.",
                    [f"{state_field}Code"],
                )
            try:
                state = geo.state_code(state_text, country=country)
            except geo.NormalisationError as exc:
                raise MappingError("INVALID_STATE", str(exc), [f"{state_field}Code"]) from None
        record[f"{country_field}Code"] = country
        record[f"{state_field}Code"] = state
