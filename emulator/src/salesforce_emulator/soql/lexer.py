"""SOQL tokenizer: keywords, literals (strings with their LIKE form, numbers, dates), errors.

:class:`SoqlError` is the one error type of the SOQL layer, answered as a 400 with its code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any


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
            raise unexpected(soql, i, soql[i])
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


def unexpected(soql: str, pos: int, text: str) -> SoqlError:
    col = pos + 1
    return SoqlError(
        "MALFORMED_QUERY",
        f"\n{soql}\n{' ' * pos}^\nERROR at Row:1:Column:{col}\nunexpected token: '{text}'",
    )
