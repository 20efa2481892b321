"""SOQL parser: tokens to a :class:`~.ast.Query` (see the grammar in the package docstring).

Anything outside the supported grammar raises ``MALFORMED_QUERY``, never silently ignored.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from ..values import parse_dt
from .ast import (
    Aggregate,
    BoolOp,
    Cmp,
    InList,
    Like,
    Literal,
    Not,
    OrderItem,
    Path,
    Query,
    SelectField,
    SemiJoin,
    SubQuery,
)
from .lexer import SoqlError, Token, tokenize, unexpected

UNSUPPORTED_CLAUSES = {
    "having",
    "with",
    "for",
    "using",
    "typeof",
    "includes",
    "excludes",
    "rollup",
    "cube",
}
AGGREGATES = {"count", "count_distinct", "min", "max", "sum", "avg"}
DATE_LITERALS = {"today", "yesterday", "tomorrow", "last_n_days", "next_n_days"}


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
        return unexpected(self.soql, tok.pos, tok.text)

    # -- grammar
    def parse(self) -> Query:
        q = self.query(nested=False)
        tok = self.peek()
        if tok.kind != "eof":
            raise self.error(tok)
        return q

    def query(self, *, nested: bool) -> Query:
        """``SELECT ... [LIMIT n] [OFFSET n]``; ``nested``: a subquery (no subqueries of its
        own; the caller reads the closing parenthesis)."""
        self.expect_kw("select")
        items = [self.select_item(nested)]
        while self.peek().kind == "punct" and self.peek().text == ",":
            self.next()
            items.append(self.select_item(nested))
        self.expect_kw("from")
        obj = self.next()
        # ``Group`` is an object name as well as a keyword (``FROM Group``).
        is_group = obj.kind == "kw" and obj.value == "group" and not self.is_kw("by")
        if (obj.kind != "ident" and not is_group) or "." in obj.text:
            raise self.error(obj)
        q = Query(items=items, object_name=obj.text, object_pos=obj.pos)
        if self.peek().kind == "ident":  # an alias for the object is not supported
            raise self.error(self.peek())
        if self.is_kw("where"):
            self.next()
            q.where = self.condition()
        if self.is_kw("group"):
            self.next()
            self.expect_kw("by")
            q.group_by.append(self.path())
            while self.peek().kind == "punct" and self.peek().text == ",":
                self.next()
                q.group_by.append(self.path())
        self.order_limit_offset(q)
        counts = [it for it in items if isinstance(it, Aggregate) and it.path is None]
        if counts:
            if len(items) > 1 or q.group_by:
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

    def select_item(self, nested: bool = False) -> Any:
        tok = self.peek()
        if tok.kind == "punct" and tok.text == "(":
            if nested:
                raise SoqlError(
                    "MALFORMED_QUERY",
                    "unexpected token: '(' (a subquery inside a subquery is not supported by "
                    "the Salesforce emulator)",
                )
            self.next()
            sub = self.query(nested=True)
            self.expect_punct(")")
            return SubQuery(sub)
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
            if self.is_kw("from", "group", "order", "limit", "offset"):
                return Aggregate(func, p, None)
            alias = None
            if self.peek().kind == "ident" and "." not in self.peek().text:
                alias = self.next().text
            return Aggregate(func, p, alias)
        self.next()
        return SelectField(Path(tok.text.split("."), tok.pos))

    def order_limit_offset(self, q: Query) -> None:
        """``ORDER BY … LIMIT n OFFSET m``, each optional (SOQL, and SOSL's RETURNING)."""
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

    def order_item(self) -> OrderItem:
        tok, nxt = self.peek(), self.peek(1)
        aggregate = None
        p: Path | None = None
        if tok.kind == "ident" and nxt.kind == "punct" and nxt.text == "(":
            func = tok.text.lower()
            if func not in AGGREGATES or func == "count_distinct":
                raise self.error(tok)
            self.next()
            self.next()
            aggregate = Aggregate(func, self.path(), None)
            self.expect_punct(")")
        else:
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
        return OrderItem(p, desc, nulls, aggregate)

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
                sub = self.query(nested=True)
                self.expect_punct(")")
                return SemiJoin(p, sub, negate)
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
