"""SOQL: tokenizer, parser and a compiler to SQLite SQL over the emulator's tables.

Supported grammar (anything else is a ``MALFORMED_QUERY``, never silently ignored)::

    SELECT item [, item ...] FROM Object
        [WHERE condition]
        [ORDER BY path [ASC|DESC] [NULLS FIRST|LAST] [, ...]]
        [LIMIT n] [OFFSET n]

    item      := path | COUNT() | COUNT(path) | COUNT_DISTINCT(path) | MIN|MAX|SUM|AVG(path) [alias]
    path      := Field | Relationship.Field | Relationship.Relationship.Field ...
    condition := term { AND term } | term { OR term }      (mixing needs parentheses)
    term      := NOT term | ( condition ) | path op literal | path [NOT] IN ( literal, ... )
                 | path LIKE 'pattern'
    op        := = | != | <> | < | <= | > | >=
    literal   := 'string with \\' escapes' | number | true | false | null | 2024-01-31
                 | 2024-01-31T10:00:00Z | 2024-01-31T10:00:00.000+02:00
                 | TODAY | YESTERDAY | TOMORROW | LAST_N_DAYS:n | NEXT_N_DAYS:n

Keywords and names are case-insensitive; text comparisons are case-insensitive (the
columns use ``COLLATE NOCASE``); datetimes are stored as UTC text in one fixed format so
comparing them compares instants.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from .schema import Field, SObject
from .values import format_dt, normalize_id, parse_dt


class SoqlError(Exception):
    """A SOQL error reported to the client as a 400 with ``error_code``."""

    def __init__(self, error_code: str, message: str) -> None:
        super().__init__(message)
        self.error_code = error_code
        self.message = message


KEYWORDS = {
    "select",
    "from",
    "where",
    "and",
    "or",
    "not",
    "in",
    "like",
    "order",
    "by",
    "asc",
    "desc",
    "nulls",
    "first",
    "last",
    "limit",
    "offset",
    "true",
    "false",
    "null",
    "group",
    "having",
    "with",
    "for",
    "using",
    "scope",
    "typeof",
    "includes",
    "excludes",
    "rollup",
    "cube",
    "update",
    "view",
    "reference",
    "tracking",
    "viewstat",
    "end",
    "then",
    "when",
    "else",
}
UNSUPPORTED_CLAUSES = {"group", "having", "with", "for", "using", "typeof", "includes", "excludes"}
AGGREGATES = {"count", "count_distinct", "min", "max", "sum", "avg"}
DATE_LITERALS = {"today", "yesterday", "tomorrow", "last_n_days", "next_n_days"}

_TOKEN_RE = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:?\d{2}))
  | (?P<date>\d{4}-\d{2}-\d{2}(?![\dT]))
  | (?P<number>[+-]?(?:\d+\.\d*|\.\d+|\d+))
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)
  | (?P<op>!=|<>|<=|>=|=|<|>)
  | (?P<punct>[(),:])
  | (?P<string>')
    """,
    re.VERBOSE,
)
_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f", '"': '"', "'": "'", "\\": "\\"}


@dataclass
class Token:
    kind: str
    text: str
    pos: int
    value: Any = None
    like: str | None = None  # for strings: the pattern form, keeping \% and \_ escaped


def tokenize(soql: str) -> list[Token]:
    tokens: list[Token] = []
    i = 0
    n = len(soql)
    while i < n:
        m = _TOKEN_RE.match(soql, i)
        if not m:
            raise _unexpected(soql, i, soql[i])
        kind = m.lastgroup or ""
        if kind == "ws":
            i = m.end()
            continue
        if kind == "string":
            j = i + 1
            plain: list[str] = []
            like: list[str] = []
            while True:
                if j >= n:
                    raise SoqlError("MALFORMED_QUERY", f"unterminated string literal at {i}")
                ch = soql[j]
                if ch == "\\":
                    if j + 1 >= n:
                        raise SoqlError("MALFORMED_QUERY", "unterminated string literal")
                    esc = soql[j + 1]
                    if esc in _ESCAPES:
                        plain.append(_ESCAPES[esc])
                        like.append("\\\\" if esc == "\\" else _ESCAPES[esc])
                        j += 2
                    elif esc in "%_":
                        plain.append(esc)
                        like.append("\\" + esc)
                        j += 2
                    elif esc == "u" and re.match(r"[0-9a-fA-F]{4}", soql[j + 2 : j + 6]):
                        ch_u = chr(int(soql[j + 2 : j + 6], 16))
                        plain.append(ch_u)
                        like.append(ch_u)
                        j += 6
                    else:
                        raise SoqlError(
                            "MALFORMED_QUERY",
                            f"Invalid string literal '{soql[i : j + 2]}'. Illegal character "
                            f"sequence '\\{esc}' in string literal.",
                        )
                elif ch == "'":
                    j += 1
                    break
                else:
                    plain.append(ch)
                    like.append(ch)
                    j += 1
            tokens.append(Token("string", soql[i:j], i, "".join(plain), "".join(like)))
            i = j
            continue
        text = m.group()
        tok = Token(kind, text, i)
        if kind == "ident" and text.lower() in KEYWORDS and "." not in text:
            tok.kind = "kw"
            tok.value = text.lower()
        tokens.append(tok)
        i = m.end()
    tokens.append(Token("eof", "", n))
    return tokens


def _unexpected(soql: str, pos: int, text: str) -> SoqlError:
    col = pos + 1
    return SoqlError(
        "MALFORMED_QUERY",
        f"\n{soql}\n{' ' * pos}^\nERROR at Row:1:Column:{col}\nunexpected token: '{text}'",
    )


# ---------------------------------------------------------------- AST


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
class OrderItem:
    path: Path
    desc: bool
    nulls: str | None  # first | last | None


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


class Parser:
    def __init__(self, soql: str) -> None:
        self.soql = soql
        self.tokens = tokenize(soql)
        self.i = 0

    # -- helpers
    def peek(self, k: int = 0) -> Token:
        return self.tokens[min(self.i + k, len(self.tokens) - 1)]

    def next(self) -> Token:
        tok = self.tokens[self.i]
        self.i = min(self.i + 1, len(self.tokens) - 1)
        return tok

    def is_kw(self, *words: str) -> bool:
        tok = self.peek()
        return tok.kind == "kw" and tok.value in words

    def expect_kw(self, word: str) -> Token:
        tok = self.next()
        if tok.kind != "kw" or tok.value != word:
            raise self.error(tok)
        return tok

    def expect_punct(self, ch: str) -> Token:
        tok = self.next()
        if tok.kind != "punct" or tok.text != ch:
            raise self.error(tok)
        return tok

    def error(self, tok: Token) -> SoqlError:
        if tok.kind == "eof":
            return SoqlError("MALFORMED_QUERY", "unexpected token: <EOF>")
        if tok.kind == "kw" and tok.value in UNSUPPORTED_CLAUSES:
            return SoqlError(
                "MALFORMED_QUERY",
                f"unexpected token: '{tok.text}' ({tok.text.upper()} is not supported by the "
                "Salesforce emulator)",
            )
        return _unexpected(self.soql, tok.pos, tok.text)

    # -- grammar
    def parse(self) -> Query:
        self.expect_kw("select")
        items = [self.select_item()]
        while self.peek().kind == "punct" and self.peek().text == ",":
            self.next()
            items.append(self.select_item())
        self.expect_kw("from")
        obj = self.next()
        if obj.kind != "ident" or "." in obj.text:
            raise self.error(obj)
        q = Query(items=items, object_name=obj.text, object_pos=obj.pos)
        if self.peek().kind == "ident":  # an alias for the object is not supported
            raise self.error(self.peek())
        if self.is_kw("where"):
            self.next()
            q.where = self.condition()
        if self.is_kw("order"):
            self.next()
            self.expect_kw("by")
            q.order.append(self.order_item())
            while self.peek().kind == "punct" and self.peek().text == ",":
                self.next()
                q.order.append(self.order_item())
        if self.is_kw("limit"):
            self.next()
            q.limit = self.int_value()
        if self.is_kw("offset"):
            self.next()
            q.offset = self.int_value()
        tok = self.peek()
        if tok.kind != "eof":
            raise self.error(tok)
        counts = [it for it in items if isinstance(it, Aggregate) and it.path is None]
        if counts:
            if len(items) > 1:
                raise SoqlError(
                    "MALFORMED_QUERY", "COUNT() must be the only element in the SELECT list."
                )
            q.count_only = True
        return q

    def int_value(self) -> int:
        tok = self.next()
        if tok.kind != "number" or not tok.text.isdigit():
            raise self.error(tok)
        return int(tok.text)

    def path(self) -> Path:
        tok = self.next()
        if tok.kind != "ident":
            raise self.error(tok)
        return Path(tok.text.split("."), tok.pos)

    def select_item(self) -> Any:
        tok = self.peek()
        if tok.kind == "punct" and tok.text == "(":
            raise SoqlError(
                "MALFORMED_QUERY",
                "unexpected token: '(' (parent-to-child subqueries are not supported by the "
                "Salesforce emulator)",
            )
        if tok.kind == "kw" and tok.value == "typeof":
            raise self.error(tok)
        if tok.kind != "ident":
            raise self.error(tok)
        nxt = self.peek(1)
        if nxt.kind == "punct" and nxt.text == "(":
            func = tok.text.lower()
            if func not in AGGREGATES:
                raise SoqlError(
                    "MALFORMED_QUERY",
                    f"unexpected token: '{tok.text}' (function {tok.text} is not supported by "
                    "the Salesforce emulator)",
                )
            self.next()
            self.next()
            if func == "count" and self.peek().kind == "punct" and self.peek().text == ")":
                self.next()
                return Aggregate("count", None, None)
            p = self.path()
            self.expect_punct(")")
            alias = None
            if self.peek().kind == "ident" and "." not in self.peek().text:
                alias = self.next().text
            return Aggregate(func, p, alias)
        self.next()
        return SelectField(Path(tok.text.split("."), tok.pos))

    def order_item(self) -> OrderItem:
        p = self.path()
        desc = False
        nulls = None
        if self.is_kw("asc", "desc"):
            desc = self.next().value == "desc"
        if self.is_kw("nulls"):
            self.next()
            tok = self.next()
            if tok.kind != "kw" or tok.value not in ("first", "last"):
                raise self.error(tok)
            nulls = tok.value
        return OrderItem(p, desc, nulls)

    def condition(self) -> Any:
        first = self.term()
        items = [first]
        op = None
        while self.is_kw("and", "or"):
            tok = self.next()
            if op is None:
                op = tok.value
            elif op != tok.value:
                raise SoqlError(
                    "MALFORMED_QUERY",
                    f"\n{self.soql}\n{' ' * tok.pos}^\nERROR at Row:1:Column:{tok.pos + 1}\n"
                    f"unexpected token: '{tok.text}' (mixing AND and OR needs parentheses)",
                )
            items.append(self.term())
        return first if op is None else BoolOp(op, items)

    def term(self) -> Any:
        if self.is_kw("not"):
            self.next()
            return Not(self.term())
        tok = self.peek()
        if tok.kind == "punct" and tok.text == "(":
            self.next()
            expr = self.condition()
            self.expect_punct(")")
            return expr
        p = self.path()
        tok = self.next()
        if tok.kind == "op":
            op = "!=" if tok.text == "<>" else tok.text
            return Cmp(p, op, self.literal())
        if tok.kind == "kw" and tok.value == "like":
            lit = self.literal()
            if lit.kind != "string":
                raise SoqlError("MALFORMED_QUERY", "LIKE needs a quoted string pattern")
            return Like(p, lit)
        negate = False
        if tok.kind == "kw" and tok.value == "not":
            negate = True
            tok = self.next()
        if tok.kind == "kw" and tok.value == "in":
            self.expect_punct("(")
            if self.is_kw("select"):
                raise SoqlError(
                    "MALFORMED_QUERY",
                    "unexpected token: 'SELECT' (semi-join subqueries are not supported by the "
                    "Salesforce emulator)",
                )
            values = [self.literal()]
            while self.peek().kind == "punct" and self.peek().text == ",":
                self.next()
                values.append(self.literal())
            self.expect_punct(")")
            return InList(p, values, negate)
        raise self.error(tok)

    def literal(self) -> Literal:
        tok = self.next()
        if tok.kind == "string":
            return Literal("string", tok.value, tok.like, tok.text)
        if tok.kind == "number":
            text = tok.text
            value: Any = float(text) if any(c in text for c in ".") else int(text)
            return Literal("number", value, text=text)
        if tok.kind == "kw" and tok.value in ("true", "false"):
            return Literal("bool", tok.value == "true", text=tok.text)
        if tok.kind == "kw" and tok.value == "null":
            return Literal("null", None, text=tok.text)
        if tok.kind == "date":
            try:
                return Literal("date", date.fromisoformat(tok.text), text=tok.text)
            except ValueError as exc:
                raise SoqlError("MALFORMED_QUERY", f"invalid date: {tok.text}") from exc
        if tok.kind == "datetime":
            value_dt = parse_dt(tok.text)
            if value_dt is None:
                raise SoqlError("MALFORMED_QUERY", f"invalid datetime: {tok.text}")
            return Literal("datetime", value_dt, text=tok.text)
        if tok.kind == "ident" and tok.text.lower() in DATE_LITERALS:
            name = tok.text.lower()
            n = 0
            if name.endswith("_n_days"):
                self.expect_punct(":")
                n = self.int_value()
            return Literal("dateliteral", (name, n), text=tok.text)
        raise self.error(tok)


def parse(soql: str) -> Query:
    """Parse a SOQL string, raising :class:`SoqlError` on anything unsupported."""
    return Parser(soql).parse()


# ---------------------------------------------------------------- compiler


def _date_range(name: str, n: int) -> tuple[date, date]:
    """[start, end) in days for a relative date literal (the org time zone is UTC)."""
    today = datetime.now(UTC).date()
    if name == "today":
        return today, today + timedelta(days=1)
    if name == "yesterday":
        return today - timedelta(days=1), today
    if name == "tomorrow":
        return today + timedelta(days=1), today + timedelta(days=2)
    if name == "last_n_days":
        return today - timedelta(days=n), today + timedelta(days=1)
    if name == "next_n_days":
        return today + timedelta(days=1), today + timedelta(days=n + 1)
    raise SoqlError("MALFORMED_QUERY", f"unsupported date literal {name}")


@dataclass
class Column:
    """One selected value and where it goes in the nested record."""

    names: list[str]  # canonical path, e.g. ["Account", "Name"]
    field: Field
    index: int


@dataclass
class Join:
    key: tuple[str, ...]
    names: list[str]  # canonical relationship path
    obj: SObject
    alias: str
    parent_alias: str
    fk: str
    id_index: int = -1


@dataclass
class Compiled:
    """A compiled query: SQL pieces plus what is needed to shape the records."""

    obj: SObject
    select_sql: str  # "SELECT cols FROM ... WHERE ... ORDER BY ..."
    from_where_sql: str  # "FROM ... WHERE ..." (no ORDER BY)
    order_sql: str
    cols_sql: str  # the select list (t0.rowid first)
    from_sql: str  # "FROM ... LEFT JOIN ..." without WHERE
    params: list[Any]
    columns: list[Column]
    joins: list[Join]
    aggregates: list[tuple[str, str, Field | None]]  # (label, sql expr, field)
    count_only: bool
    limit: int | None
    offset: int | None
    n_select: int


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class Compiler:
    def __init__(
        self,
        query: Query,
        objects: dict[str, SObject],
        *,
        include_deleted: bool,
        picklists_on: bool,
        soql: str = "",
    ) -> None:
        self.q = query
        self.soql = soql
        self.objects = objects
        self.include_deleted = include_deleted
        self.picklists_on = picklists_on
        self.params: list[Any] = []
        self.joins: dict[tuple[str, ...], Join] = {}
        obj = objects.get(query.object_name.lower())
        if obj is None:
            raise SoqlError(
                "INVALID_TYPE",
                f"{self._caret(query.object_pos)}sObject type '{query.object_name}' is not "
                "supported. If you are attempting to use a custom object, be sure to append "
                "the '__c' after the entity name. Please reference your WSDL or the describe "
                "call for the appropriate names.",
            )
        self.obj = obj

    def _caret(self, pos: int) -> str:
        """Salesforce's error preamble: the query, a caret under the culprit, the column."""
        return f"\n{self.soql}\n{' ' * pos}^\nERROR at Row:1:Column:{pos + 1}\n"

    def _field_of(self, obj: SObject, name: str) -> Field | None:
        f = obj.field(name)
        if f is None or (f.needs_picklists and not self.picklists_on):
            return None
        return f

    def resolve(self, path: Path) -> tuple[str, Field, list[str], Join | None]:
        parts = list(path.parts)
        if (
            len(parts) > 1
            and parts[0].lower() == self.obj.name.lower()
            and parts[0].lower() not in self.obj.relationships
        ):
            parts = parts[1:]
        obj = self.obj
        alias = "t0"
        names: list[str] = []
        key: tuple[str, ...] = ()
        join: Join | None = None
        for rel in parts[:-1]:
            ref = obj.relationships.get(rel.lower())
            if ref is None or (ref.needs_picklists and not self.picklists_on):
                raise SoqlError(
                    "INVALID_FIELD",
                    f"{self._caret(path.pos)}Didn't understand relationship '{rel}' in field "
                    "path. If you are attempting to use a custom relationship, be sure to "
                    "append the '__r' after the custom relationship name. Please reference "
                    "your WSDL or the describe call for the appropriate names.",
                )
            if len(ref.reference_to) != 1:
                raise SoqlError(
                    "MALFORMED_QUERY",
                    f"polymorphic relationship '{ref.relationship_name}' is not supported by "
                    "the Salesforce emulator; select the id field instead",
                )
            target = self.objects[ref.reference_to[0].lower()]
            assert ref.relationship_name is not None
            names.append(ref.relationship_name)
            key = (*key, rel.lower())
            join = self.joins.get(key)
            if join is None:
                join = Join(key, list(names), target, f"t{len(self.joins) + 1}", alias, ref.name)
                self.joins[key] = join
            alias = join.alias
            obj = target
        f = self._field_of(obj, parts[-1])
        if f is None:
            raise SoqlError(
                "INVALID_FIELD",
                f"{self._caret(path.pos)}No such column '{parts[-1]}' on entity '{obj.name}'. "
                "If you are attempting to use a custom field, be sure to append the '__c' "
                "after the custom field name. Please reference your WSDL or the describe "
                "call for the appropriate names.",
            )
        names.append(f.name)
        return f"{alias}.{quote(f.name)}", f, names, join

    # -- WHERE
    def _convert(self, f: Field, lit: Literal, op: str) -> Any:
        """Convert a literal for comparison with ``f``, enforcing SOQL's typing rules."""
        if lit.kind == "null":
            return None
        t = f.type
        if f.is_text:
            if lit.kind != "string":
                raise self._type_error(f, "string", quoted=True)
            return lit.value
        if t in ("id", "reference"):
            if lit.kind != "string":
                raise self._type_error(f, "id", quoted=True)
            nid = normalize_id(lit.value)
            if nid is None:
                raise SoqlError("INVALID_QUERY_FILTER_OPERATOR", f"invalid ID field: {lit.value}")
            return nid
        if t == "boolean":
            if lit.kind != "bool":
                raise self._type_error(f, "boolean", quoted=False)
            return 1 if lit.value else 0
        if t in ("int", "double", "currency", "percent"):
            if lit.kind != "number":
                raise self._type_error(f, "number", quoted=False)
            return lit.value
        if t == "date":
            if lit.kind != "date":
                raise self._type_error(f, "date", quoted=False)
            return lit.value.isoformat()
        if t == "datetime":
            if lit.kind != "datetime":
                raise self._type_error(f, "dateTime", quoted=False)
            return format_dt(lit.value)
        raise SoqlError("MALFORMED_QUERY", f"cannot filter on field {f.name}")

    @staticmethod
    def _type_error(f: Field, kind: str, *, quoted: bool) -> SoqlError:
        how = "should be enclosed in quotes" if quoted else "should not be enclosed in quotes"
        return SoqlError(
            "INVALID_FIELD",
            f"value of filter criterion for field '{f.name}' must be of type {kind} and {how}",
        )

    def _bound(self, f: Field, d: date) -> Any:
        return (
            format_dt(datetime(d.year, d.month, d.day, tzinfo=UTC))
            if (f.type == "datetime")
            else d.isoformat()
        )

    def where(self, node: Any) -> str:
        if isinstance(node, BoolOp):
            joiner = " AND " if node.op == "and" else " OR "
            return "(" + joiner.join(self.where(i) for i in node.items) + ")"
        if isinstance(node, Not):
            return f"(NOT {self.where(node.expr)})"
        if isinstance(node, Like):
            col, f, _, _ = self.resolve(node.path)
            if not f.is_text:
                raise SoqlError(
                    "INVALID_FIELD",
                    f"invalid operator on field {f.name}: LIKE only works on text fields",
                )
            self.params.append(node.pattern.like)
            return f"({col} LIKE ? ESCAPE '\\')"
        if isinstance(node, InList):
            col, f, _, _ = self.resolve(node.path)
            if any(v.kind == "dateliteral" for v in node.values):
                raise SoqlError("MALFORMED_QUERY", "date literals are not allowed in IN lists")
            vals = [self._convert(f, v, "=") for v in node.values]
            non_null = [v for v in vals if v is not None]
            has_null = len(non_null) != len(vals)
            parts = []
            if non_null:
                self.params.extend(non_null)
                marks = ",".join("?" * len(non_null))
                parts.append(f"{col} {'NOT IN' if node.negate else 'IN'} ({marks})")
            if node.negate:
                if has_null:
                    parts.append(f"{col} IS NOT NULL")
                    return "(" + " AND ".join(parts) + ")"
                return f"({col} IS NULL OR {parts[0]})" if parts else "(1)"
            if has_null:
                parts.append(f"{col} IS NULL")
            return "(" + " OR ".join(parts) + ")"
        if isinstance(node, Cmp):
            col, f, _, _ = self.resolve(node.path)
            op = node.op
            if node.value.kind == "dateliteral":
                if f.type not in ("date", "datetime"):
                    raise self._type_error(f, f.type, quoted=True)
                start_d, end_d = _date_range(*node.value.value)
                start, end = self._bound(f, start_d), self._bound(f, end_d)
                if op == "=":
                    self.params += [start, end]
                    return f"({col} >= ? AND {col} < ?)"
                if op == "!=":
                    self.params += [start, end]
                    return f"({col} IS NULL OR {col} < ? OR {col} >= ?)"
                bound, sql_op = {
                    "<": (start, "<"),
                    "<=": (end, "<"),
                    ">": (end, ">="),
                    ">=": (start, ">="),
                }[op]
                self.params.append(bound)
                return f"({col} {sql_op} ?)"
            value = self._convert(f, node.value, op)
            if value is None:
                if op == "=":
                    return f"({col} IS NULL)"
                if op == "!=":
                    return f"({col} IS NOT NULL)"
                return "(0)"
            self.params.append(value)
            if op == "!=":
                return f"({col} IS NOT ?)"
            return f"({col} {op} ?)"
        raise SoqlError("MALFORMED_QUERY", "unsupported condition")

    def compile(self) -> Compiled:
        q = self.q
        columns: list[Column] = []
        aggregates: list[tuple[str, str, Field | None]] = []
        select_exprs: list[str] = ["t0.rowid", 't0."Id"']
        seen: set[str] = set()
        plain = [i for i in q.items if isinstance(i, SelectField)]
        aggs = [i for i in q.items if isinstance(i, Aggregate) and i.path is not None]
        if plain and aggs:
            col, f, names, _ = self.resolve(plain[0].path)
            raise SoqlError(
                "MALFORMED_QUERY",
                f"Field must be grouped or aggregated: {'.'.join(names)} (GROUP BY is not "
                "supported by the Salesforce emulator)",
            )
        for item in plain:
            col, f, names, _ = self.resolve(item.path)
            dotted = ".".join(n.lower() for n in names)
            if dotted in seen:
                raise SoqlError("MALFORMED_QUERY", f"duplicate field selected: {'.'.join(names)}")
            seen.add(dotted)
            columns.append(Column(names, f, len(select_exprs)))
            select_exprs.append(col)
        expr_n = 0
        for agg in aggs:
            assert agg.path is not None
            col, f, names, _ = self.resolve(agg.path)
            label = agg.alias
            if label is None:
                label = f"expr{expr_n}"
                expr_n += 1
            sql = {
                "count": f"count({col})",
                "count_distinct": f"count(DISTINCT {col})",
                "min": f"min({col})",
                "max": f"max({col})",
                "sum": f"sum({col})",
                "avg": f"avg({col})",
            }[agg.func]
            aggregates.append((label, sql, None if agg.func.startswith("count") else f))
        where_sql = ""
        if q.where is not None:
            where_sql = self.where(q.where)
        order_parts = []
        for item in q.order:
            col, f, _, _ = self.resolve(item.path)
            if f.type == "textarea" and f.length > 255:
                raise SoqlError(
                    "INVALID_FIELD",
                    f"field '{f.name}' can not be sorted in a query call",
                )
            direction = "DESC" if item.desc else "ASC"
            nulls = item.nulls or ("last" if item.desc else "first")
            order_parts.append(f"{col} {direction} NULLS {nulls.upper()}")
        order_parts.append("t0.rowid ASC")
        if q.offset is not None and q.offset > 2000:
            raise SoqlError("NUMBER_OUTSIDE_VALID_RANGE", "Maximum SOQL offset allowed is 2000")
        # Joined objects: add their Id columns so the shaper can tell null parents apart.
        join_sql = []
        for join in self.joins.values():
            join.id_index = len(select_exprs)
            select_exprs.append(f'{join.alias}."Id"')
            deleted = f' AND {join.alias}."IsDeleted" = 0' if not join.obj.tooling else ""
            join_sql.append(
                f'LEFT JOIN {quote(join.obj.name)} {join.alias} ON {join.alias}."Id" = '
                f"{join.parent_alias}.{quote(join.fk)}{deleted}"
            )
        conds = []
        if not self.include_deleted and not self.obj.tooling:
            conds.append('t0."IsDeleted" = 0')
        if where_sql:
            conds.append(where_sql)
        from_sql = f"FROM {quote(self.obj.name)} t0 " + " ".join(join_sql)
        from_where = from_sql
        if conds:
            from_where += " WHERE " + " AND ".join(conds)
        order_sql = " ORDER BY " + ", ".join(order_parts)
        return Compiled(
            obj=self.obj,
            select_sql=f"SELECT {', '.join(select_exprs)} {from_where}{order_sql}",
            from_where_sql=from_where,
            order_sql=order_sql,
            cols_sql=", ".join(select_exprs),
            from_sql=from_sql,
            params=self.params,
            columns=columns,
            joins=list(self.joins.values()),
            aggregates=aggregates,
            count_only=q.count_only,
            limit=q.limit,
            offset=q.offset,
            n_select=len(select_exprs),
        )


def compile_query(
    soql: str,
    objects: dict[str, SObject],
    *,
    include_deleted: bool = False,
    picklists_on: bool = False,
) -> Compiled:
    """Parse and compile ``soql`` against ``objects`` (lower-cased name -> SObject)."""
    return Compiler(
        parse(soql),
        objects,
        include_deleted=include_deleted,
        picklists_on=picklists_on,
        soql=soql,
    ).compile()
