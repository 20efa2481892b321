"""The org's own state and country picklists: :class:`Places`.

Salesforce admins add, hide (``active: false``) and rename countries and states, and not
every country has states. A :class:`Places` is one such set, immutable: the control API
(``/__emulator/state-country``) builds a new one for every change. The default is the ISO
3166 set of :mod:`..geo` (every country; states of the countries listed there).

Describe reads ``CountryCode`` values (active countries, in order) and ``StateCode`` values
(active states of active countries) with Salesforce's ``validFor``: a base64 bitmap over the
indices of the controlling ``CountryCode`` values, most significant bit first in each byte.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from functools import cache, cached_property
from typing import Any

from .. import geo

#: Longest code / label an admin may enter (the code and text fields' lengths).
CODE_LENGTH = 10
LABEL_LENGTH = 80


@dataclass(frozen=True)
class Place:
    """A state (in a :class:`Country`) or the country itself: integration code, label."""

    code: str
    label: str
    active: bool = True

    def as_json(self) -> dict[str, Any]:
        return {"code": self.code, "label": self.label, "active": self.active}


@dataclass(frozen=True)
class Country(Place):
    states: tuple[Place, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {**super().as_json(), "states": [s.as_json() for s in self.states]}


@dataclass(frozen=True)
class Places:
    """One org's countries and their states, in picklist order."""

    countries: tuple[Country, ...]
    by_code: dict[str, Country] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_code", {c.code: c for c in self.countries})

    # ------------------------------------------------------------------ writes

    def country(self, code: str | None) -> Country | None:
        """The active country with this code (case-insensitive), else None."""
        c = self.by_code.get(str(code or "").upper())
        return c if c is not None and c.active else None

    def label(self, code: str) -> str:
        return self.by_code[code].label

    def states(self, country_code: str | None) -> dict[str, str]:
        """Active state code -> label of an active country (empty: none, or no country)."""
        c = self.country(country_code)
        return {s.code: s.label for s in c.states if s.active} if c is not None else {}

    def country_code_for(self, text: str) -> str | None:
        """An active country's code for a country name or code, as Salesforce maps the text
        field: the org's labels and codes first, then ISO names (``Germany``, ``DEU``...)."""
        key = text.strip().lower()
        code = self._country_keys.get(key)
        if code is None:
            iso = geo.country_code_for(text)
            code = iso if self.country(iso) is not None else None
        return code

    def state_code_for(self, country_code: str, text: str) -> str | None:
        """An active state's code within ``country_code`` for a state name or code."""
        table = self.states(country_code)
        key = text.strip().lower()
        for code, label in table.items():
            if key in (code.lower(), label.lower()):
                return code
        iso = geo.state_code_for(country_code, text)
        return iso if iso in table else None

    @cached_property
    def _country_keys(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for c in self.countries:
            if c.active:
                out.setdefault(c.code.lower(), c.code)
                out.setdefault(c.label.lower(), c.code)
        return out

    # ---------------------------------------------------------------- describe

    @cached_property
    def country_picklist(self) -> list[dict[str, Any]]:
        """``picklistValues`` of a ``CountryCode`` field."""
        return [_value(c.code, c.label, None) for c in self.countries if c.active]

    @cached_property
    def state_picklist(self) -> list[dict[str, Any]]:
        """``picklistValues`` of a ``StateCode`` field: one per state of an active country
        (a code two countries share with the same label is one value valid for both)."""
        active = [c for c in self.countries if c.active]
        size = (len(active) + 7) // 8
        bits: dict[tuple[str, str], bytearray] = {}
        for index, c in enumerate(active):
            for s in c.states:
                if s.active:
                    mask = bits.setdefault((s.code, s.label), bytearray(size))
                    mask[index // 8] |= 0x80 >> (index % 8)
        return [
            _value(code, label, base64.b64encode(bytes(mask)).decode())
            for (code, label), mask in bits.items()
        ]

    # ------------------------------------------------------------- control API

    def as_json(self) -> dict[str, Any]:
        return {"countries": [c.as_json() for c in self.countries]}

    @classmethod
    def from_json(cls, countries: Any) -> Places:
        """A whole new set (``PUT``); ValueError on bad input."""
        if not isinstance(countries, list):
            raise ValueError('expected {"countries": [{"code", "label", "active", "states"}]}')
        parsed = [_country(item, None) for item in countries]
        return cls(tuple(_unique(parsed, "country")))

    def patched(self, countries: Any = None, remove: Any = None) -> Places:
        """Add or update countries by code (given keys only; ``states`` are merged by code,
        ``remove_states`` drops some), then drop the ``remove`` codes (``PATCH``)."""
        if not isinstance(countries or [], list) or not isinstance(remove or [], list):
            raise ValueError('expected {"countries": [...], "remove": ["DE", ...]}')
        out = dict(self.by_code)
        for item in countries or []:
            code = _code(item.get("code") if isinstance(item, dict) else None, "country")
            out[code] = _country(item, out.get(code))
        for code in remove or []:
            if out.pop(str(code).upper(), None) is None:
                raise ValueError(f"unknown country {code!r}")
        return Places(tuple(out.values()))


@cache
def default_places() -> Places:
    """The ISO 3166 set (the org's set after a reset)."""
    return Places(
        tuple(
            Country(code, name, True, tuple(Place(s, n) for s, n in geo.states(code).items()))
            for code, name in geo.countries().items()
        )
    )


def _value(code: str, label: str, valid_for: str | None) -> dict[str, Any]:
    return {
        "active": True,
        "defaultValue": False,
        "label": label,
        "validFor": valid_for,
        "value": code,
    }


def _code(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value.strip() or len(value.strip()) > CODE_LENGTH:
        raise ValueError(f"a {what} needs a code of 1 to {CODE_LENGTH} characters: {value!r}")
    return value.strip().upper()


def _label(value: Any, code: str) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > LABEL_LENGTH:
        raise ValueError(f"{code}: a label of 1 to {LABEL_LENGTH} characters is required")
    return value.strip()


def _active(value: Any, code: str) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{code}: active must be true or false")
    return value


def _place(item: Any, old: Place | None) -> Place:
    if not isinstance(item, dict):
        raise ValueError(f"expected a state object, got {item!r}")
    code = _code(item.get("code"), "state")
    label = _label(item["label"], code) if "label" in item or old is None else old.label
    active = _active(item.get("active", True if old is None else old.active), code)
    return Place(code, label, active)


def _country(item: Any, old: Country | None) -> Country:
    if not isinstance(item, dict):
        raise ValueError(f"expected a country object, got {item!r}")
    unknown = set(item) - {"code", "label", "active", "states", "remove_states"}
    if unknown:
        raise ValueError(f"unknown country keys: {', '.join(sorted(unknown))}")
    code = _code(item.get("code"), "country")
    label = _label(item["label"], code) if "label" in item or old is None else old.label
    active = _active(item.get("active", True if old is None else old.active), code)
    states = {s.code: s for s in old.states} if old is not None else {}
    given = item.get("states", [])
    if not isinstance(given, list):
        raise ValueError(f"{code}: states must be a list")
    merged = dict(states)
    for s in given:
        state_code = _code(s.get("code") if isinstance(s, dict) else None, "state")
        merged[state_code] = _place(s, states.get(state_code))
    for state_code in item.get("remove_states", []) or []:
        if merged.pop(str(state_code).upper(), None) is None:
            raise ValueError(f"{code}: unknown state {state_code!r}")
    if old is None and len({s.get("code", "").upper() for s in given}) != len(given):
        raise ValueError(f"{code}: duplicate state code")
    return Country(code, label, active, tuple(merged.values()))


def _unique(countries: list[Country], what: str) -> list[Country]:
    codes = [c.code for c in countries]
    dupes = sorted({c for c in codes if codes.count(c) > 1})
    if dupes:
        raise ValueError(f"duplicate {what} codes: {', '.join(dupes)}")
    return countries
