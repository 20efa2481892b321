"""State and country picklists on writes: codes are restricted, text is mapped to codes,
a state needs a country (only when the org has the picklists switched on). The values are
the org's own (:class:`~..schema.state_country.Places`, default: the ISO 3166 set)."""

from __future__ import annotations

from typing import Any

from ..schema import SObject
from ..schema.state_country import Places, default_places
from .results import err

#: Address field prefixes per object (``MailingCountry``, ``BillingStateCode``...).
ADDRESS_PREFIXES = {
    "Lead": [""],
    "Contact": ["Mailing", "Other"],
    "Account": ["Billing", "Shipping"],
}


def address_errors(
    obj: SObject,
    p: str,
    row: dict[str, Any],
    existing: dict[str, Any],
    places: Places | None = None,
) -> list[dict[str, Any]]:
    """State/country picklist rules: codes are restricted to the org's active ``places``,
    text is mapped to codes, and the text fields get the codes' labels."""
    places = places or default_places()
    cf, sf, ccf, scf = f"{p}Country", f"{p}State", f"{p}CountryCode", f"{p}StateCode"
    errors: list[dict[str, Any]] = []
    country_label = obj.known_field(ccf).label
    state_label = obj.known_field(scf).label
    if ccf in row or cf in row:
        code = row.get(ccf)
        text = row.get(cf)
        if ccf in row and code is not None:
            code = code.upper()
            if places.country(code) is None:
                return [
                    err(
                        "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                        f"{country_label}: bad value for restricted picklist field: {row[ccf]}",
                        [ccf],
                    )
                ]
            if text is not None and places.country_code_for(text) != code:
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
            code = places.country_code_for(text)
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
        row[cf] = places.label(code) if code else None
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
            table = places.states(country)
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
                code = places.state_code_for(country, given)
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
