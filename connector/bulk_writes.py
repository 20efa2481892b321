"""Many-row INSERTs and UPDATEs for the sync's hot paths, as one executemany each.

Django's ``bulk_create`` prepares every value of every row through the field API and the
SQL compiler (about 80 µs a row: 10,000 contacts settled by the push spent more time
building their history rows than Salesforce took to write them), and ``bulk_update``
builds a CASE expression per row. Here the per-field work happens once per column: values
that the database driver takes as they are (text, numbers, booleans, ids) pass through,
and only the others (date-times, JSON, decimals) go through the field's own
``get_db_prep_save``. Fields a caller does not pass get their model default (``auto_now``
and ``auto_now_add`` fields: one timestamp for the whole call), so a field added to a
model later with a default needs no change here. No signals are sent, as with
``bulk_create``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection, models, transaction
from django.db.models import QuerySet
from django.db.models.constants import OnConflict
from django.utils import timezone

CHUNK = 5_000
# Values of these fields go to the drivers (sqlite3, psycopg) as Python gives them.
_PASS_THROUGH = (models.CharField, models.TextField, models.IntegerField, models.BooleanField)


def concrete_field(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    field = model._meta.get_field(name)
    # Only a model's own columns are written (a reverse relation has none).
    assert isinstance(field, models.Field), f"{name} is not a column of {model.__name__}"
    return field


def _column(field: models.Field[Any, Any]) -> str:
    assert field.column is not None, f"{field.name} has no column"
    return field.column


def _converter(field: models.Field[Any, Any]) -> Callable[[Any], Any] | None:
    """None when the driver takes the field's Python value as it is."""
    if field.is_relation:
        # A foreign key given as the related row's id.
        if isinstance(getattr(field, "target_field", None), models.IntegerField):
            return None
    elif isinstance(field, _PASS_THROUGH):
        return None
    if isinstance(field, models.DateTimeField):
        # A batch mostly repeats one timestamp ("now"): prepare each distinct one once.
        prepared: dict[Any, Any] = {}

        def convert(value: Any) -> Any:
            if value not in prepared:
                if len(prepared) > 1_000:
                    prepared.clear()
                prepared[value] = field.get_db_prep_save(value, connection)
            return prepared[value]

        return convert
    return lambda value: field.get_db_prep_save(value, connection)


def _default(field: models.Field[Any, Any], now: Any) -> Any:
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return now
    return field.get_default()


def rows_insert(
    model: type[models.Model],
    fields: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    ignore_conflicts: bool = False,
) -> None:
    """INSERT ``rows`` (values in ``fields`` order) into ``model``'s table.

    ``ignore_conflicts`` skips rows that break a unique constraint (ON CONFLICT DO NOTHING).
    """
    opts = model._meta
    given = [concrete_field(model, name) for name in fields]
    now = timezone.now()
    others = [
        f
        for f in opts.concrete_fields
        if f.name not in fields and f is not opts.auto_field and not f.generated
    ]
    # A default that is a function (uuid4: the random external ids) is called for each row.
    per_row = [f for f in others if _per_row(f)]
    others = [f for f in others if not _per_row(f)]
    constants = [f.get_db_prep_save(_default(f, now), connection) for f in others]
    converters = [_converter(f) for f in given]
    qn = connection.ops.quote_name
    columns = ", ".join(qn(_column(f)) for f in [*given, *others, *per_row])
    placeholders = ", ".join(["%s"] * (len(given) + len(others) + len(per_row)))
    on_conflict = OnConflict.IGNORE if ignore_conflicts else None
    values = (
        (
            *(v if c is None else c(v) for c, v in zip(converters, row, strict=True)),
            *constants,
            *(f.get_db_prep_save(f.get_default(), connection) for f in per_row),
        )
        for row in rows
    )
    if connection.vendor == "postgresql":
        suffix = connection.ops.on_conflict_suffix_sql(given, on_conflict, None, None)
        _copy_then(
            opts.db_table,
            [_column(f) for f in [*given, *others, *per_row]],
            values,
            lambda rows_table: (
                f"{connection.ops.insert_statement(on_conflict=on_conflict)} "
                f"{qn(opts.db_table)} ({columns}) SELECT {columns} FROM {rows_table} {suffix}"
            ),
        )
        return
    sql = (
        f"{connection.ops.insert_statement(on_conflict=on_conflict)} {qn(opts.db_table)} "
        f"({columns}) VALUES ({placeholders}) "
        f"{connection.ops.on_conflict_suffix_sql(given, on_conflict, None, None)}"
    )
    _executemany(sql, values)


def _per_row(field: models.Field[Any, Any]) -> bool:
    return field.has_default() and callable(field.default) and field.unique


def rows_update(
    model: type[models.Model],
    fields: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    key: str = "pk",
    constants: Mapping[str, Any] | None = None,
    where: Mapping[str, Any] | None = None,
) -> None:
    """UPDATE each row by ``key`` (its last value); the values before it are ``fields``.

    ``constants``: fields set to one value in every row; ``where``: fields a row must still
    equal to be updated (a claim token, say) — both in the same statement."""
    opts = model._meta
    given = [concrete_field(model, name) for name in fields]
    key_field = opts.pk if key == "pk" else concrete_field(model, key)
    converters = [_converter(f) for f in given]
    qn = connection.ops.quote_name
    fixed = [
        (qn(_column(concrete_field(model, name))), concrete_field(model, name), value)
        for name, value in (constants or {}).items()
    ]
    conditions = [
        (qn(_column(concrete_field(model, name))), concrete_field(model, name), value)
        for name, value in (where or {}).items()
    ]
    fixed_params = [field.get_db_prep_save(value, connection) for _, field, value in fixed]
    where_params = [field.get_db_prep_save(value, connection) for _, field, value in conditions]
    values = (
        (
            *(v if c is None else c(v) for c, v in zip(converters, row[:-1], strict=True)),
            row[-1],
        )
        for row in rows
    )
    if connection.vendor == "postgresql":
        # A condition's value goes in every row of the rows table and is compared column to
        # column: PostgreSQL reads a constant (the claim token) against the table's
        # statistics, where it is all but absent, and scanned the whole table first, then
        # the 10,000 rows for each match — 14 s per batch at 300,000 states.
        table, key = qn(opts.db_table), qn(_column(key_field))
        checked = [column for column, _, _ in conditions]
        _copy_then(
            opts.db_table,
            [
                *(_column(f) for f in given),
                *(_column(f) for _, f, _ in conditions),
                _column(key_field),
            ],
            ((*row[:-1], *where_params, row[-1]) for row in values),
            lambda rows_table: (
                f"UPDATE {table} SET "
                + ", ".join(
                    [f"{qn(_column(f))} = {rows_table}.{qn(_column(f))}" for f in given]
                    + [f"{column} = %s" for column, _, _ in fixed]
                )
                + f" FROM {rows_table} WHERE {table}.{key} = {rows_table}.{key}"
                # The keys as an index condition on the table too: else, with the table's
                # statistics, PostgreSQL hash-joined (or merge-joined from its first row)
                # every 10,000 rows to the whole table: 0.05 s a batch at 300,000 contacts,
                # a scan of all 2,000,000 per batch of a backfill's settle.
                + f" AND {table}.{key} = ANY(ARRAY(SELECT {key} FROM {rows_table}))"
                + "".join(f" AND {table}.{column} = {rows_table}.{column}" for column in checked)
            ),
            fixed_params,
        )
        return
    assignments = ", ".join(
        [f"{qn(_column(f))} = %s" for f in given] + [f"{column} = %s" for column, _, _ in fixed]
    )
    sql = (
        f"UPDATE {qn(opts.db_table)} SET {assignments} WHERE {qn(_column(key_field))} = %s"
        + "".join(f" AND {column} = %s" for column, _, _ in conditions)
    )
    _executemany(sql, ((*row[:-1], *fixed_params, row[-1], *where_params) for row in values))


def _copy_then(
    table: str,
    columns: Sequence[str],
    rows: Iterable[tuple[Any, ...]],
    statement: Callable[[str], str],
    params: Sequence[Any] = (),
) -> None:
    """PostgreSQL: COPY the rows into a temporary table shaped like ``table``'s columns, then
    run one ``statement(temporary table)`` (an INSERT … SELECT or an UPDATE … FROM).

    An executemany sends one statement per row: 10,000 pushed contacts settled in about
    30,000 statements, most of the push's time on PostgreSQL; this is five per call.
    """
    qn = connection.ops.quote_name
    rows_table = qn(f"hubsync_rows_{uuid.uuid4().hex[:12]}")
    names = ", ".join(qn(column) for column in columns)
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE {rows_table} ON COMMIT DROP AS "
            f"SELECT {names} FROM {qn(table)} WITH NO DATA"
        )
        with cursor.copy(f"COPY {rows_table} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        # Without statistics PostgreSQL guessed the rows' count and joined them to the
        # table by scanning all of it: 0.8 s (9 s with a second condition) for 10,000
        # rows against 2,000,000 states, against a few ms by its primary key.
        cursor.execute(f"ANALYZE {rows_table}")
        cursor.execute(statement(rows_table), list(params) or None)
        cursor.execute(f"DROP TABLE {rows_table}")


def _executemany(sql: str, params: Iterable[tuple[Any, ...]]) -> None:
    batch: list[tuple[Any, ...]] = []
    # One transaction: in autocommit mode each row of an executemany commits on its own.
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        for row in params:
            batch.append(row)
            if len(batch) >= CHUNK:
                cursor.executemany(sql, batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)


def rows_insert_select(
    model: type[models.Model],
    field: str,
    source: QuerySet,
    *,
    values: dict[str, Any] | None = None,
    ignore_conflicts: bool = False,
) -> int:
    """INSERT a ``model`` row for each row of ``source``, a ``values(alias=F(...))`` queryset.

    ``source``'s one column fills ``field``; ``values`` fill other fields and every other field
    gets its default (NULL defaults are left to the database). One statement: no row goes
    through Python. Returns the number of rows inserted.
    """
    opts = model._meta
    qn = connection.ops.quote_name
    (alias,) = source.query.annotation_select  # the one named column of the SELECT
    select_sql, select_params = source.query.sql_with_params()
    now = timezone.now()
    columns = [qn(_column(concrete_field(model, field)))]
    expressions = [f"source.{qn(alias)}"]
    params: list[Any] = []
    for other in opts.concrete_fields:
        if other.name == field or other is opts.auto_field or other.generated:
            continue
        if _per_row(other) and other.name not in (values or {}):
            raise ValueError(f"{other.name} needs a value per row: use rows_insert")
        value = (values or {}).get(other.name, _default(other, now))
        if value is None:
            continue
        columns.append(qn(_column(other)))
        # Typed, so that PostgreSQL does not take a bare parameter in a SELECT list for text.
        expressions.append(f"CAST(%s AS {other.cast_db_type(connection)})")
        params.append(other.get_db_prep_save(value, connection))
    on_conflict = OnConflict.IGNORE if ignore_conflicts else None
    sql = (
        f"{connection.ops.insert_statement(on_conflict=on_conflict)} {qn(opts.db_table)} "
        f"({', '.join(columns)}) SELECT {', '.join(expressions)} FROM ({select_sql}) source "
        f"{connection.ops.on_conflict_suffix_sql([], on_conflict, None, None)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *select_params])
        return cursor.rowcount


# A table is analyzed again once a load has added at least this many rows and as many as it
# had at its last analysis (so a load of N rows analyzes about log2(N / 10,000) times).
ANALYZE_MIN_ROWS = 10_000


@dataclass
class TablesGrowth:
    """PostgreSQL: ANALYZE tables that a load (a first pull) grows much faster than
    autovacuum looks at them.

    Without statistics PostgreSQL takes each value of ``salesforce_id = ANY(10,000 ids)`` to
    match 0.5 % of the table, and so scans the whole table instead of its index: a
    2,000,000-Lead first load spent 0.3 s a page on such scans. Analyzing samples at most
    30,000 rows (a tenth of a second)."""

    models: Sequence[type[models.Model]]
    added: int = 0
    baseline: int | None = None

    def rows_added(self, rows: int) -> None:
        if connection.vendor != "postgresql" or not rows:
            return
        if self.baseline is None:
            self.baseline = self._rows_known()
        self.added += rows
        if self.added < max(ANALYZE_MIN_ROWS, self.baseline):
            return
        tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in self.models)
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {tables}")
        self.baseline += self.added
        self.added = 0

    def _rows_known(self) -> int:
        """The first table's row count as its last analysis saw it (-1: never: 0)."""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT reltuples FROM pg_class WHERE oid = %s::regclass",
                [self.models[0]._meta.db_table],
            )
            row = cursor.fetchone()
        return max(0, int(row[0])) if row else 0
