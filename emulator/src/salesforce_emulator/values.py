"""Ids, timestamps and literal conversions shared by the store, SOQL and the HTTP layer."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

_B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_SUFFIX = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_ID_RE = re.compile(r"^[a-zA-Z0-9]{15}(?:[A-Z0-5]{3})?$")
_DT_RE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:?\d{2})?$"
)
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def id_suffix(id15: str) -> str:
    """The 3-character case-safety suffix Salesforce appends to a 15-character id."""
    out = []
    for chunk in range(3):
        bits = 0
        for i, ch in enumerate(id15[chunk * 5 : chunk * 5 + 5]):
            if "A" <= ch <= "Z":
                bits |= 1 << i
        out.append(_SUFFIX[bits])
    return "".join(out)


def make_id(prefix: str, number: int) -> str:
    """An 18-character id: key prefix, a fixed pod part, base-62 counter, suffix."""
    digits = []
    n = number
    while n:
        n, r = divmod(n, 62)
        digits.append(_B62[r])
    body = "".join(reversed(digits)).rjust(9, "0")
    id15 = f"{prefix}Hs0{body}"
    return id15 + id_suffix(id15)


def normalize_id(value: str) -> str | None:
    """Return the 18-character form of a 15/18-character id, or None if malformed."""
    if not isinstance(value, str) or not _ID_RE.match(value):
        return None
    if len(value) == 15:
        return value + id_suffix(value)
    if id_suffix(value[:15]) != value[15:].upper():
        return None
    return value[:15] + id_suffix(value[:15])


def now_utc() -> datetime:
    """Current time, truncated to milliseconds (Salesforce precision)."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def format_dt(value: datetime) -> str:
    """Salesforce's wire format: ``2024-01-01T00:00:00.000+0000`` (always UTC)."""
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}+0000"


def parse_dt(text: str) -> datetime | None:
    """Parse an ISO-8601 datetime with ``Z``, ``+hh:mm``, ``+hhmm`` or no offset (UTC)."""
    m = _DT_RE.match(text.strip())
    if not m:
        return None
    year, month, day, hh, mm, ss = (int(g) for g in m.groups()[:6])
    frac, tz = m.group(7), m.group(8)
    micro = int((frac[1:] + "000000")[:6]) if frac else 0
    try:
        value = datetime(year, month, day, hh, mm, ss, micro, tzinfo=UTC)
    except ValueError:
        return None
    if tz and tz != "Z":
        sign = 1 if tz[0] == "+" else -1
        digits = tz[1:].replace(":", "")
        value -= sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    return value


def parse_date(text: str) -> date | None:
    if not _DATE_RE.match(text.strip()):
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


def canonical_dt(text: str) -> str | None:
    """Normalize any accepted datetime text to the stored/returned UTC form."""
    value = parse_dt(text)
    return format_dt(value) if value else None
