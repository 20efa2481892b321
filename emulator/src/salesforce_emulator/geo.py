"""State and country picklist tables (ISO 3166), as an org with the picklists enabled has.

Countries: every ISO 3166-1 alpha-2 code. States: the top-level ISO 3166-2 subdivisions of
the countries Salesforce ships with states enabled that the sync cares about (US, CA, AU, DE,
plus a few more). Codes are the part after the dash (``US-CA`` becomes ``CA``), as in
Salesforce's integration values.
"""

from __future__ import annotations

from functools import cache, lru_cache

import pycountry

STATE_COUNTRIES = ("US", "CA", "AU", "DE", "MX", "BR", "IN", "IE", "CN", "JP")
#: English names Salesforce uses where ISO 3166-2 lists the local ones.
STATE_NAME_OVERRIDES = {
    "DE": {
        "BY": "Bavaria",
        "HE": "Hesse",
        "NW": "North Rhine-Westphalia",
        "NI": "Lower Saxony",
        "SN": "Saxony",
        "ST": "Saxony-Anhalt",
        "TH": "Thuringia",
        "RP": "Rhineland-Palatinate",
        "MV": "Mecklenburg-Western Pomerania",
        "BW": "Baden-Württemberg",
    },
}


@lru_cache(maxsize=1)
def countries() -> dict[str, str]:
    """Country code -> country name."""
    return {c.alpha_2: c.name for c in pycountry.countries}


@lru_cache(maxsize=1)
def _country_names() -> dict[str, str]:
    """Lower-cased names (official, common, plain) and codes -> country code."""
    out: dict[str, str] = {}
    for c in pycountry.countries:
        for attr in ("name", "official_name", "common_name", "alpha_2", "alpha_3"):
            value = getattr(c, attr, None)
            if value:
                out.setdefault(value.lower(), c.alpha_2)
    # Names Salesforce (and people) commonly use.
    out.update(
        {
            "usa": "US",
            "united states of america": "US",
            "uk": "GB",
            "great britain": "GB",
            "england": "GB",
        }
    )
    return out


@cache
def states(country_code: str) -> dict[str, str]:
    """State code -> state name for a country with states enabled (empty dict otherwise)."""
    if country_code not in STATE_COUNTRIES:
        return {}
    out: dict[str, str] = {}
    for sub in pycountry.subdivisions.get(country_code=country_code) or []:
        if getattr(sub, "parent_code", None):
            continue
        code = sub.code.split("-", 1)[1]
        out[code] = STATE_NAME_OVERRIDES.get(country_code, {}).get(code, sub.name)
    return out


def country_code_for(text: str) -> str | None:
    """Map a country name or code to its ISO code, like Salesforce maps the text field."""
    return _country_names().get(text.strip().lower())


def state_code_for(country_code: str, text: str) -> str | None:
    """Map a state name or code to its code within ``country_code``."""
    table = states(country_code)
    key = text.strip().lower()
    for code, name in table.items():
        if key in (code.lower(), name.lower()):
            return code
    for sub in pycountry.subdivisions.get(country_code=country_code) or []:
        if sub.name.lower() == key and sub.code.split("-", 1)[1] in table:
            return str(sub.code).split("-", 1)[1]
    return None


def all_state_codes() -> list[str]:
    """All state codes of all state-enabled countries (for describe)."""
    seen: dict[str, None] = {}
    for cc in STATE_COUNTRIES:
        for code in states(cc):
            seen.setdefault(code, None)
    return list(seen)
