"""The SOQL syntax tree produced by :mod:`.parser` and consumed by :mod:`.compiler`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Path:
    parts: list[str]
    pos: int


@dataclass
class Literal:
    kind: str  # string | number | bool | null | date | datetime | dateliteral
    value: Any
    like: str | None = None
    text: str = ""


@dataclass
class Cmp:
    path: Path
    op: str
    value: Literal


@dataclass
class InList:
    path: Path
    values: list[Literal]
    negate: bool


@dataclass
class SemiJoin:
    """``path [NOT] IN (SELECT field FROM Object [WHERE ...])``."""

    path: Path
    query: Query
    negate: bool


@dataclass
class Like:
    path: Path
    pattern: Literal


@dataclass
class Not:
    expr: Any


@dataclass
class BoolOp:
    op: str  # and | or
    items: list[Any]


@dataclass
class SelectField:
    path: Path


@dataclass
class Aggregate:
    func: str  # count() is func="count", path=None
    path: Path | None
    alias: str | None


@dataclass
class SubQuery:
    """A parent-to-child subquery in the SELECT list: ``(SELECT ... FROM Contacts)``; its
    ``object_name`` is the child relationship's name."""

    query: Query


@dataclass
class OrderItem:
    path: Path | None
    desc: bool
    nulls: str | None  # first | last | None
    #: ``ORDER BY COUNT(Id) DESC`` in a grouped query (then ``path`` is None).
    aggregate: Aggregate | None = None


@dataclass
class Query:
    items: list[Any]
    object_name: str
    object_pos: int
    where: Any = None
    order: list[OrderItem] = field(default_factory=list)
    limit: int | None = None
    offset: int | None = None
    count_only: bool = False
    group_by: list[Path] = field(default_factory=list)
