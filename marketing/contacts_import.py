"""The contacts CSV import (``manage.py contacts_import``): read in bounded lines, each row
checked, then written in batches by email (existing contacts updated, new ones created)."""

from __future__ import annotations

import csv
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from marketing import csv_safety
from marketing.choices import LifecycleStage
from marketing.models import Contact
from marketing.selectors import contacts_by_email_keys, email_key
from marketing.services import CONTACT_DATA_FIELDS

#: CSV column → Contact field. ``email`` is required; other columns are optional.
IMPORT_COLUMNS: dict[str, str] = {
    "email": "email",
    "first_name": "first_name",
    "last_name": "last_name",
    "company": "company_name",
    "phone": "phone",
    "job_title": "job_title",
    "state": "state",
    "country": "country",
    "lifecycle_stage": "lifecycle_stage",
}


def _max_length(name: str) -> int:
    field = Contact._meta.get_field(name)
    assert isinstance(field, models.CharField) and field.max_length, name
    return field.max_length


_MAX_LENGTHS: dict[str, int] = {name: _max_length(name) for name in ("email", *CONTACT_DATA_FIELDS)}


#: Bounds of an import file. A contact row is a few hundred characters (each value at
#: most 255), so a longer physical line is not a contacts CSV; the file bound keeps an
#: import to minutes (about 500,000 rows); rejected rows beyond the first
#: ``IMPORT_MAX_REJECTED_KEPT`` are counted and reported, not kept.
IMPORT_MAX_FILE_BYTES = 100 * 1024 * 1024
IMPORT_MAX_LINE_CHARS = 64 * 1024
IMPORT_MAX_REJECTED_KEPT = 1000


class ImportFileError(Exception):
    """The file cannot be imported at all (unreadable, too large, no header, no email column)."""


@dataclass
class RejectedRow:
    line: int
    reason: str


@dataclass
class ContactImportResult:
    """Outcome of an import. Counts are per contact: several rows for one email count once
    (a contact created by the import and changed by a later row counts as created)."""

    #: The first ``IMPORT_MAX_REJECTED_KEPT`` rejected rows; ``rejected_count`` counts all.
    rejected: list[RejectedRow] = field(default_factory=list)
    rejected_count: int = 0
    ignored_columns: list[str] = field(default_factory=list)
    # Email keys; a few MB even for 100k rows.
    _created: set[str] = field(default_factory=set, repr=False)
    _updated: set[str] = field(default_factory=set, repr=False)
    _matched: set[str] = field(default_factory=set, repr=False)

    @property
    def created(self) -> int:
        return len(self._created)

    @property
    def updated(self) -> int:
        return len(self._updated - self._created)

    @property
    def unchanged(self) -> int:
        """Existing contacts that rows matched without changing anything."""
        return len(self._matched - self._updated - self._created)


@dataclass
class _Row:
    line: int
    email: str
    values: dict[str, str]


def contacts_import_csv(
    *,
    lines: Iterable[str],
    batch_size: int = 1000,
    on_reject: Callable[[RejectedRow], None] | None = None,
) -> ContactImportResult:
    """Upsert contacts from CSV text, matching existing contacts by email case-insensitively.

    ``lines`` is any iterable of text lines, e.g. a file opened with ``newline=""``.
    An existing contact keeps the stored spelling of its email.

    Contract:

    - The first record is the header; names are matched case-insensitively, with
      spaces/dashes read as underscores. ``email`` is required (else
      :class:`ImportFileError`); columns other than :data:`IMPORT_COLUMNS` are
      ignored and listed in the result.
    - A **blank cell leaves the stored value alone** (and a new contact gets the
      model default, e.g. lifecycle stage ``subscriber``): imports add data, they
      never erase it.
    - ``lifecycle_stage`` accepts a stage value or label, case-insensitively, and
      is set as given (imports may move a stage backwards; only the automatic
      opportunity transitions are forward-only).
    - A row is rejected (reported with its line number, header = line 1, and
      reason; the other rows are still stored) for: missing email, invalid email,
      unknown lifecycle stage, a value longer than the field, more cells than
      header columns.
    - A CSV or decoding error, or a physical line longer than
      :data:`IMPORT_MAX_LINE_CHARS`, stops the import with :class:`ImportFileError`;
      batches written before it stay written (re-running the fixed file is safe).
    - A cell beginning with ``'`` is read as the rest of it, unstripped: that is how
      ``contacts_export`` writes formula-like values (:mod:`marketing.csv_safety`), so
      an export imports back exactly. Other cells are stripped.
    - **Duplicate emails within the file are not errors: rows apply in file order,
      so for each field the last non-blank value wins.**
    - Efficient for large files: rows are read lazily and written per batch of
      ``batch_size`` rows with one SELECT, one ``bulk_create`` and one
      ``bulk_update``, each batch in its own transaction. Only contacts whose
      values actually change are updated, so an unchanged row does not bump
      ``updated_at`` (which would make the sync push it again).

    ``on_reject(RejectedRow)`` is called as soon as a row is rejected, if given.
    """
    result = ContactImportResult()
    reader = csv.reader(_bounded_lines(lines))
    records = _records_with_line_numbers(reader)
    try:
        header_line, header = next(records)
    except StopIteration:
        raise ImportFileError(
            "the file is empty; expected a header row with an email column"
        ) from None
    columns = [_column_key(name) for name in header]
    if "email" not in columns:
        raise ImportFileError(
            f"line {header_line}: no 'email' column in the header ({', '.join(header)})"
        )
    result.ignored_columns = [
        h for h, c in zip(header, columns, strict=True) if c not in IMPORT_COLUMNS
    ]

    def reject(line: int, reason: str) -> None:
        rejected = RejectedRow(line=line, reason=reason)
        result.rejected_count += 1
        if len(result.rejected) < IMPORT_MAX_REJECTED_KEPT:
            result.rejected.append(rejected)
        if on_reject is not None:
            on_reject(rejected)

    batch: list[_Row] = []
    for line, cells in records:
        row_or_reason = _parse_row(cells, columns)
        if isinstance(row_or_reason, str):
            reject(line, row_or_reason)
            continue
        email, values = row_or_reason
        batch.append(_Row(line=line, email=email, values=values))
        if len(batch) >= batch_size:
            _import_batch(batch, result)
            batch = []
    if batch:
        _import_batch(batch, result)
    return result


def contacts_import_csv_file(
    *, path: str, batch_size: int = 1000, on_reject: Callable[[RejectedRow], None] | None = None
) -> ContactImportResult:
    """:func:`contacts_import_csv` of the UTF-8 file at ``path`` (a BOM is dropped).

    Refuses a file larger than :data:`IMPORT_MAX_FILE_BYTES` before reading any of it
    (:class:`ImportFileError`); raises ``OSError`` when the file cannot be opened.
    """
    # newline="" lets the csv module handle quoted line breaks;
    # utf-8-sig drops the BOM that spreadsheet programs write.
    with open(path, encoding="utf-8-sig", newline="") as handle:
        size = os.fstat(handle.fileno()).st_size
        if size > IMPORT_MAX_FILE_BYTES:
            raise ImportFileError(
                f"the file is {size:,} bytes; at most {IMPORT_MAX_FILE_BYTES:,} bytes "
                "(100 MB) are imported at once: split it and import the parts"
            )
        # readline(limit): a file without line breaks is never read whole into memory.
        lines = iter(lambda: handle.readline(IMPORT_MAX_LINE_CHARS + 1), "")
        return contacts_import_csv(lines=lines, batch_size=batch_size, on_reject=on_reject)


def _bounded_lines(lines: Iterable[str]) -> Iterator[str]:
    for number, line in enumerate(lines, start=1):
        if len(line) > IMPORT_MAX_LINE_CHARS:
            raise ImportFileError(
                f"line {number}: longer than {IMPORT_MAX_LINE_CHARS:,} characters; "
                "a contact row is much shorter (is this a contacts CSV file?)"
            )
        yield line


def _records_with_line_numbers(reader: Any) -> Iterator[tuple[int, list[str]]]:
    """Yield ``(first line of the record, cells)``, skipping blank lines.

    ``reader.line_num`` is the *last* physical line read, so a quoted multi-line
    cell would otherwise shift the reported line numbers.
    """
    previous_end = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except (csv.Error, UnicodeDecodeError) as exc:
            # The rest of the file cannot be read reliably; batches already
            # written stay written.
            raise ImportFileError(f"line {previous_end + 1}: unreadable CSV ({exc})") from exc
        start = previous_end + 1
        previous_end = reader.line_num
        if not cells or all(not cell.strip() for cell in cells):
            continue
        yield start, cells


def _column_key(name: str) -> str:
    return name.strip().lower().replace(" ", "_").replace("-", "_")


def _parse_row(cells: Sequence[str], columns: Sequence[str]) -> tuple[str, dict[str, str]] | str:
    """Validated ``(email, {field: value})`` with blank cells dropped, or the reject reason."""
    if len(cells) > len(columns):
        return f"{len(cells)} cells but the header has {len(columns)} columns"
    values: dict[str, str] = {}
    for column, cell in zip(columns, cells, strict=False):
        model_field = IMPORT_COLUMNS.get(column)
        value = csv_safety.cell_read(cell)
        if model_field is None or not value:
            continue
        if model_field == "lifecycle_stage":
            stage = LifecycleStage.parse(value)
            if stage is None:
                return f"unknown lifecycle stage {value!r}"
            value = stage.value
        elif len(value) > _MAX_LENGTHS[model_field]:
            return f"{column} is too long ({len(value)} > {_MAX_LENGTHS[model_field]} characters)"
        values[model_field] = value
    email = values.pop("email", "")
    if not email:
        return "missing email"
    try:
        validate_email(email)
    except ValidationError:
        return f"invalid email {email!r}"
    return email, values


def _import_batch(rows: list[_Row], result: ContactImportResult) -> None:
    # A concurrent writer may insert one of our new emails between our SELECT and
    # INSERT; the unique index then fails the batch. Re-reading once resolves it.
    for attempt in range(2):
        try:
            with transaction.atomic():
                created, updated, matched = _write_batch(rows)
        except IntegrityError:
            if attempt:
                raise
            continue
        result._created |= created
        result._updated |= updated
        result._matched |= matched
        return


def _write_batch(rows: list[_Row]) -> tuple[set[str], set[str], set[str]]:
    """Write one batch; return the email keys created, updated and matched."""
    existing = contacts_by_email_keys(keys={email_key(row.email) for row in rows})
    new: dict[str, Contact] = {}
    changed: dict[str, Contact] = {}
    changed_fields: set[str] = set()
    for row in rows:
        key = email_key(row.email)
        contact = existing.get(key)
        if contact is None:
            contact = new.setdefault(key, Contact(email=row.email))
            for name, value in row.values.items():
                setattr(contact, name, value)
            continue
        for name, value in row.values.items():
            if getattr(contact, name) != value:
                setattr(contact, name, value)
                changed[key] = contact
                changed_fields.add(name)
    if new:
        Contact.objects.bulk_create(new.values())
    if changed:
        # bulk_update bypasses save(), so auto_now does not fire: stamp it here.
        now = timezone.now()
        for contact in changed.values():
            contact.updated_at = now
        Contact.objects.bulk_update(
            changed.values(), [*sorted(changed_fields), "updated_at"], batch_size=500
        )
    return set(new), set(changed), set(existing)
