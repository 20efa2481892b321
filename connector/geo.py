"""Free-text state and country → ISO 3166 codes (Salesforce's state/country picklists).

Built on pycountry's ISO 3166 data and its own translations, so "Deutschland",
"Germany", "DE" and "DEU" all give ``DE``. A few everyday names that are not
in ISO 3166 ("USA", "UK", "Bavaria") are listed here.
"""

from __future__ import annotations

import gettext
import re
import unicodedata
from functools import cache

import pycountry

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


def _key(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


@cache
def _countries() -> dict[str, str]:
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


@cache
def _subdivisions(country_code: str) -> dict[str, str]:
    table: dict[str, str] = {}
    for subdivision in pycountry.subdivisions.get(country_code=country_code) or []:
        code = subdivision.code  # "US-CA"
        for name in (code, code.split("-", 1)[1], subdivision.name):
            table.setdefault(_key(name), code)
    table.update(SUBDIVISION_ALIASES.get(country_code, {}))
    return table


def country_code(text: str) -> str:
    """ISO 3166-1 alpha-2 code for a free-text country; raises NormalisationError."""
    code = _countries().get(_key(text))
    if not code:
        raise NormalisationError(f"“{text}” is not a country Salesforce's picklist knows.")
    return code


def state_code(text: str, *, country: str) -> str:
    """Salesforce's StateCode (the part after the dash of ISO 3166-2) within ``country``."""
    code = _subdivisions(country).get(_key(text))
    if not code:
        raise NormalisationError(
            f"“{text}” is not a state of {country} Salesforce's picklist knows."
        )
    return code.split("-", 1)[1]
