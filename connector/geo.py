"""Free-text state and country → the codes of an org's state and country picklists.

Free text is first read as ISO 3166, on pycountry's data and its own translations, so
"Deutschland", "Germany", "DE" and "DEU" all give ``DE`` (a few everyday names that are
not in ISO 3166 — "USA", "UK", "Bavaria" — are listed here). :class:`Picklists` then
holds that code against the org's own values (read from describe): the admins' labels
are accepted as they are, a country the org lacks or hides is an error naming it, and
states are sent only for countries the org has states for. ``ISO`` is the full ISO set,
for an org whose values are not known yet.
"""

from __future__ import annotations

import gettext
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, cached_property

import pycountry

from .messages import COUNTRY_NOT_IN_ORG, COUNTRY_UNKNOWN, STATE_NOT_IN_ORG, said

# Languages whose country and subdivision names are accepted (pycountry ships them).
LANGUAGES = ("de", "fr", "es", "it", "nl", "pt")

COUNTRY_ALIASES = {
    "usa": "US",
    "us": "US",
    "u s": "US",
    "u s a": "US",
    "america": "US",
    "united states of america": "US",
    "uk": "GB",
    "u k": "GB",
    "great britain": "GB",
    "britain": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "holland": "NL",
    "south korea": "KR",
    "russia": "RU",
}

# English names of subdivisions that ISO 3166-2 lists under their own language's name.
SUBDIVISION_ALIASES = {
    "DE": {
        "bavaria": "DE-BY",
        "hesse": "DE-HE",
        "lower saxony": "DE-NI",
        "north rhine westphalia": "DE-NW",
        "rhineland palatinate": "DE-RP",
        "saxony": "DE-SN",
        "saxony anhalt": "DE-ST",
        "thuringia": "DE-TH",
        "mecklenburg western pomerania": "DE-MV",
        "baden wurttemberg": "DE-BW",
    },
}


class NormalisationError(ValueError):
    """The text names no ISO 3166 country or subdivision."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message  # a message of connector.messages, keeping its key


def _key(text: str) -> str:
    # Punctuation first becomes a space ("Côte d’Ivoire": the typographic apostrophe has no
    # ASCII form, and dropping it would give "divoire"); then accents are folded away.
    text = re.sub(r"[^\w]+", " ", text)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def _country_table() -> dict[str, str]:
    table: dict[str, str] = {}
    translations = [
        gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang], fallback=True)
        for lang in LANGUAGES
    ]
    for country in pycountry.countries:
        names = {country.alpha_2, country.alpha_3, country.name}
        for attr in ("official_name", "common_name"):
            if hasattr(country, attr):
                names.add(getattr(country, attr))
        for translation in translations:
            names.add(translation.gettext(country.name))
        for name in names:
            table.setdefault(_key(name), country.alpha_2)
    table.update(COUNTRY_ALIASES)
    return table


def _subdivision_table(country_code: str) -> dict[str, str]:
    table: dict[str, str] = {}
    translations = [
        gettext.translation("iso3166-2", pycountry.LOCALES_DIR, languages=[lang], fallback=True)
        for lang in LANGUAGES
    ]
    for subdivision in pycountry.subdivisions.get(country_code=country_code) or []:
        code = subdivision.code  # "US-CA"
        names = {code, code.split("-", 1)[1], subdivision.name}
        names.update(translation.gettext(subdivision.name) for translation in translations)
        for name in names:
            table.setdefault(_key(name), code)
    table.update(SUBDIVISION_ALIASES.get(country_code, {}))
    return table


# Built once per process. The builders stay undecorated so that the mutation run
# (make mutation) can reach them; tests clear these caches between cases.
_countries = cache(_country_table)
_subdivisions = cache(_subdivision_table)


def _label_keys(labels: Mapping[str, str]) -> dict[str, str]:
    """An org's labels and codes, as lookup keys, → code."""
    keys = {_key(label): code for code, label in labels.items()}
    keys.update({_key(code): code for code in labels})
    return keys


@dataclass(frozen=True)
class Picklists:
    """An org's active countries (code → label) and states (country → code → label)."""

    countries: Mapping[str, str]
    states: Mapping[str, Mapping[str, str]]

    @cached_property
    def _country_keys(self) -> dict[str, str]:
        return _label_keys(self.countries)

    @cached_property
    def _state_keys(self) -> dict[str, dict[str, str]]:
        return {country: _label_keys(states) for country, states in self.states.items()}

    def has_states(self, country: str) -> bool:
        return bool(self.states.get(country))

    def country_code(self, text: str) -> str:
        """The org's CountryCode for a free-text country; raises NormalisationError."""
        code = self._country_keys.get(_key(text)) or _countries().get(_key(text))
        if not code:
            raise NormalisationError(said(COUNTRY_UNKNOWN, text=text))
        if code not in self.countries:
            raise NormalisationError(said(COUNTRY_NOT_IN_ORG, text=text, code=code))
        return code

    def state_code(self, text: str, *, country: str) -> str | None:
        """The org's StateCode within ``country``; None when the org has no states there."""
        states = self.states.get(country) or {}
        if not states:
            return None
        code = self._state_keys[country].get(_key(text))
        if code is None:
            iso = _subdivisions(country).get(_key(text))
            code = iso.split("-", 1)[1] if iso else None
        if code is None or code not in states:
            raise NormalisationError(said(STATE_NOT_IN_ORG, text=text, country=country))
        return code


@cache
def iso_picklists() -> Picklists:
    """Every ISO 3166 country and subdivision: for an org whose own values are unknown."""
    return _iso_table()


def _iso_table() -> Picklists:
    countries = {c.alpha_2: c.name for c in pycountry.countries}
    states: dict[str, dict[str, str]] = {}
    for subdivision in pycountry.subdivisions:
        country, code = subdivision.code.split("-", 1)
        states.setdefault(country, {})[code] = subdivision.name
    return Picklists(countries, states)
