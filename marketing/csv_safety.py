"""CSV injection: every CSV hubsync writes neutralises formula cells, and reads them back.

A spreadsheet program runs a cell that begins with ``=``, ``+``, ``-`` or ``@`` (and,
in some programs, a tab or carriage return) as a formula, so a contact named
``=HYPERLINK(...)`` would run in whoever opens the export. The OWASP rule: such a
cell is written with a single quote ``'`` in front, which spreadsheets show as text.
https://owasp.org/www-community/attacks/CSV_Injection

So that :func:`cell_read` can undo :func:`cell_written` exactly, a value that itself
begins with ``'`` is quoted too, and so is one with leading or trailing whitespace
(the import strips unquoted cells). ``cell_read(cell_written(v)) == v`` for every
string; other values (numbers, booleans, ``None``) are written as they are.

Pure: no Django, no database. The writers use :func:`writer`, the import
:func:`cell_read`.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any

#: What a formula cell begins with (OWASP), plus the quote itself so it round-trips.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"


def cell_written(value: Any) -> Any:
    """``value`` as a CSV cell that no spreadsheet runs as a formula."""
    if not isinstance(value, str) or not value:
        return value
    if value.startswith((*FORMULA_STARTS, QUOTE)) or value != value.strip():
        return QUOTE + value
    return value


def cell_read(cell: str) -> str:
    """The value of a cell that :func:`cell_written` wrote (any other cell: stripped).

    A cell beginning with ``'`` is taken as it is, less that quote; any other cell
    is stripped of surrounding whitespace.
    """
    if cell.startswith(QUOTE):
        return cell[1:]
    return cell.strip()


def row_written(row: Iterable[Any]) -> list[Any]:
    """Every cell of ``row`` through :func:`cell_written`."""
    return [cell_written(value) for value in row]


class SafeWriter:
    """``csv.writer`` whose rows go through :func:`row_written` first.

    The csv module quotes a cell only for the characters of its own line terminator,
    so with ``lineterminator="\n"`` a carriage return inside a cell would end the
    record for a reader: such a row is written with every cell quoted.
    """

    def __init__(self, stream: Any, **fmtparams: Any) -> None:
        self._writer = csv.writer(stream, **fmtparams)
        self._quoted = csv.writer(stream, **{**fmtparams, "quoting": csv.QUOTE_ALL})
        self._breaks = {"\r", "\n"} - set(self._writer.dialect.lineterminator)

    def writerow(self, row: Iterable[Any]) -> Any:
        cells = row_written(row)
        if self._breaks and any(
            isinstance(cell, str) and not self._breaks.isdisjoint(cell) for cell in cells
        ):
            return self._quoted.writerow(cells)
        return self._writer.writerow(cells)

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(stream: Any, **fmtparams: Any) -> SafeWriter:
    """The CSV writer of every CSV hubsync writes (``csv.writer`` arguments)."""
    return SafeWriter(stream, **fmtparams)
