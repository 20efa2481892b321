"""SOSL (``search/?q=``): the parser of the supported grammar. Anything else is a
``MALFORMED_SEARCH``, never silently ignored::

    FIND {terms} [IN ALL|NAME|EMAIL|PHONE FIELDS]
        [RETURNING Object [(field, ... [WHERE ...] [ORDER BY ...] [LIMIT n] [OFFSET n])], ...]
        [LIMIT n]

    terms := group { OR group }        group := term { [AND] [AND NOT] term }
    term  := word | "a phrase"         (``*``: any characters, ``?``: one character;
                                        ``\\x``: the character x itself)

A term matches a field when it equals one of the field's words (a run of text between
non-alphanumeric characters, case-insensitively: ``ann``, ``example.com`` and
``ann@example.com`` all match ``ann@example.com``). A record matches when every term of one
group (and no ``AND NOT`` term) matches one of its searched fields. Without RETURNING, every
searchable object is searched and returns its ``Id``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from .ast import Path, Query, SelectField
from .lexer import SoqlError
from .parser import Parser

SCOPES = ("all", "name", "email", "phone")
_FIND_RE = re.compile(r"^\s*find\s*\{((?:\\.|[^\\}])*)\}(.*)$", re.IGNORECASE | re.DOTALL)


def malformed(message: str) -> SoqlError:
    return SoqlError("MALFORMED_SEARCH", message)


@dataclass
class Term:
    text: str  # the term with its wildcards, escapes resolved
    negate: bool = False

    @property
    def pattern(self) -> str:
        return term_regex(self.text)


@dataclass
class Search:
    groups: list[list[Term]]  # OR of AND-groups
    scope: str = "all"
    returning: list[Query] = field(default_factory=list)
    limit: int | None = None


@lru_cache(maxsize=512)
def term_regex(text: str) -> str:
    """The regular expression of one term (word-aligned, case-insensitive)."""
    out = []
    for ch in text:
        if ch == "*":
            out.append(r"\S*")
        elif ch == "?":
            out.append(r"\S")
        elif ch.isspace():
            out.append(r"\s+")
        else:
            out.append(re.escape(ch))
    return r"(?i)(?<![0-9a-z])" + "".join(out) + r"(?![0-9a-z])"


def parse_terms(raw: str) -> list[list[Term]]:
    """``{...}`` to OR-ed groups of AND-ed terms."""
    words: list[tuple[str, bool]] = []  # (text, is an operator word)
    i, n = 0, len(raw)
    while i < n:
        ch = raw[i]
        if ch.isspace():
            i += 1
            continue
        if ch == '"':
            j, buf = i + 1, []
            while j < n and raw[j] != '"':
                if raw[j] == "\\" and j + 1 < n:
                    j += 1
                buf.append(raw[j])
                j += 1
            if j >= n:
                raise malformed("unterminated phrase in the search terms")
            words.append(("".join(buf).strip(), False))
            i = j + 1
            continue
        j, buf = i, []
        while j < n and not raw[j].isspace():
            if raw[j] == "\\" and j + 1 < n:
                j += 1
            elif raw[j] in "(){}[]":
                raise malformed(f"grouping with '{raw[j]}' is not supported by the emulator")
            buf.append(raw[j])
            j += 1
        word = "".join(buf)
        words.append((word, raw[i:j] in ("AND", "OR", "NOT", "and", "or", "not")))
        i = j
    groups: list[list[Term]] = [[]]
    negate = False
    for text, is_op in words:
        op = text.lower() if is_op else None
        if op == "or":
            groups.append([])
        elif op == "not":
            negate = True
        elif op == "and":
            continue
        else:
            if len(text.replace("*", "").replace("?", "")) < 2:
                raise malformed("search term must be longer than one character")
            groups[-1].append(Term(text, negate))
            negate = False
    if any(not g or all(t.negate for t in g) for g in groups):
        raise malformed("search terms are missing")
    return groups


class SoslParser(Parser):
    """The part after ``FIND {...}``, with the SOQL parser's field lists and conditions."""

    def search(self, groups: list[list[Term]]) -> Search:
        s = Search(groups)
        if self.is_kw("in"):
            self.next()
            scope = self.next()
            if scope.kind != "ident" or scope.text.lower() not in SCOPES:
                raise malformed(f"unsupported search group: {scope.text}")
            s.scope = scope.text.lower()
            if self.next().text.lower() != "fields":
                raise malformed("expected FIELDS after the search group")
        if self.peek().kind == "ident" and self.peek().text.lower() == "returning":
            self.next()
            s.returning.append(self.returning())
            while self.peek().kind == "punct" and self.peek().text == ",":
                self.next()
                s.returning.append(self.returning())
        if self.is_kw("limit"):
            self.next()
            s.limit = self.int_value()
        tok = self.peek()
        if tok.kind != "eof":
            raise malformed(f"unexpected token: '{tok.text}'")
        return s

    def returning(self) -> Query:
        obj = self.next()
        if obj.kind != "ident" or "." in obj.text:
            raise malformed(f"unexpected token: '{obj.text}'")
        q = Query(items=[], object_name=obj.text, object_pos=obj.pos)
        if not (self.peek().kind == "punct" and self.peek().text == "("):
            q.items = [SelectField(Path(["Id"], obj.pos))]
            return q
        self.next()
        q.items.append(self.select_item(nested=True))
        while self.peek().kind == "punct" and self.peek().text == ",":
            self.next()
            q.items.append(self.select_item(nested=True))
        if self.is_kw("where"):
            self.next()
            q.where = self.condition()
        self.order_limit_offset(q)
        self.expect_punct(")")
        return q


def parse_search(sosl: str) -> Search:
    """Parse a SOSL string, raising ``MALFORMED_SEARCH`` on anything unsupported."""
    m = _FIND_RE.match(sosl)
    if not m:
        raise malformed("a search starts with FIND {terms}")
    groups = parse_terms(m.group(1))
    try:
        return SoslParser(m.group(2)).search(groups)
    except SoqlError as exc:
        if exc.error_code == "MALFORMED_QUERY":
            raise malformed(exc.message) from exc
        raise
