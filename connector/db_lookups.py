"""``field__in=[…]`` with a long list of plain values as ``= ANY(%s)`` on PostgreSQL.

The sync's hot paths look records up by a page's ids (``salesforce_id__in`` with 10,000
ids, several times a page). Django writes ``IN (%s, %s, …)``: one placeholder per value,
each prepared through the lookup API, and psycopg then splits the query text at every
placeholder on the client. At 10,000 ids that cost about 40 ms of worker CPU per query
(a 100,000-Lead first load spent 8 s of its 38 there, on PostgreSQL). One array parameter
means the same to PostgreSQL (it plans ``IN (…)`` as ``= ANY(array)`` itself) and costs
one placeholder. Only lists of ``str`` or ``int`` (not ``bool``), or of ``uuid.UUID`` for a
UUID column (the push's Bulk results, by external id), longer than
ARRAY_MIN_VALUES take this path (foreign keys given ids too); everything else, and every
other database, is Django's.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import CharField, Field, ForeignObject, IntegerField, TextField, UUIDField
from django.db.models.expressions import ColPairs
from django.db.models.fields.related_lookups import RelatedIn
from django.db.models.lookups import In

ARRAY_MIN_VALUES = 100


def _plain(values: Any, field: Any) -> list[Any] | None:
    """The values as a list when each is what ``field`` stores them as already (``str``
    for a text column, ``int`` for an integer one, ``UUID`` for a UUID one) and there are
    enough, else None."""
    if not isinstance(values, (list, tuple, set, frozenset)) or len(values) < ARRAY_MIN_VALUES:
        return None
    if isinstance(field, (CharField, TextField)):
        kind: type = str
    elif isinstance(field, IntegerField):
        kind = int
    elif isinstance(field, UUIDField):
        kind = uuid.UUID
    else:
        return None
    items = list(values)
    # type() rather than isinstance: a bool is an int, an enum member a str.
    return items if all(type(v) is kind for v in items) else None


def _as_postgresql(lookup: Any, compiler: Any, connection: Any) -> tuple[str, Any]:
    """``as_postgresql`` of both lookups: ``lhs = ANY(%s)`` when ``_values()`` are plain."""
    values = lookup._values()
    if values is None:
        return lookup.as_sql(compiler, connection)
    lhs, lhs_params = lookup.process_lhs(compiler, connection)
    return f"{lhs} = ANY(%s)", [*lhs_params, list(dict.fromkeys(values))]


class ArrayIn(In):
    """Django's ``in`` lookup, with long plain-value lists as one array on PostgreSQL."""

    as_postgresql = _as_postgresql

    def _values(self) -> list[Any] | None:
        return _plain(self.rhs, getattr(self.lhs, "output_field", None))

    def get_prep_lookup(self) -> Any:
        # Each value is already what the field's get_prep_value would make of it.
        values = self._values()
        return values if values is not None else super().get_prep_lookup()


class RelatedArrayIn(RelatedIn):
    """The same for a foreign key given its target's values (``contact_id__in=[pks]``)."""

    as_postgresql = _as_postgresql

    def _values(self) -> list[Any] | None:
        if isinstance(self.lhs, ColPairs):  # a composite key: Django's own
            return None
        field = getattr(self.lhs, "output_field", None)
        return _plain(self.rhs, getattr(field, "target_field", None))

    def get_prep_lookup(self) -> Any:
        values = self._values()
        return values if values is not None else super().get_prep_lookup()


def array_in_register() -> None:
    """Replace the ``in`` lookup of every field and foreign key (once, from ready())."""
    Field.register_lookup(ArrayIn)
    ForeignObject.register_lookup(RelatedArrayIn)
