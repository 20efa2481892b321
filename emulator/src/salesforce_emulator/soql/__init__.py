"""SOQL: a tokenizer, a parser and a compiler to SQLite SQL over the emulator's tables.

Supported grammar (anything else is a ``MALFORMED_QUERY``, never silently ignored)::

    SELECT item [, item ...] FROM Object
        [WHERE condition]
        [GROUP BY path [, ...]]
        [ORDER BY path|aggregate [ASC|DESC] [NULLS FIRST|LAST] [, ...]]
        [LIMIT n] [OFFSET n]

    item      := path | COUNT() | aggregate [alias]
                 | ( SELECT path, ... FROM ChildRelationship [WHERE] [ORDER BY] [LIMIT n] )
    aggregate := COUNT(path) | COUNT_DISTINCT(path) | MIN|MAX|SUM|AVG(path)
    path      := Field | Relationship.Field | Relationship.Relationship.Field ...
    condition := term { AND term } | term { OR term }      (mixing needs parentheses)
    term      := NOT term | ( condition ) | path op literal | path [NOT] IN ( literal, ... )
                 | path [NOT] IN ( SELECT path FROM Object [WHERE condition] )   (semi-join)
                 | path LIKE 'pattern'
    op        := = | != | <> | < | <= | > | >=
    literal   := 'string with \\' escapes' | number | true | false | null | 2024-01-31
                 | 2024-01-31T10:00:00Z | 2024-01-31T10:00:00.000+02:00
                 | TODAY | YESTERDAY | TOMORROW | LAST_N_DAYS:n | NEXT_N_DAYS:n

Keywords and names are case-insensitive; text comparisons are case-insensitive (the
columns use ``COLLATE NOCASE``); datetimes are stored as UTC text in one fixed format so
comparing them compares instants.

Modules: :mod:`.lexer` (tokens, :class:`SoqlError`), :mod:`.ast` (the syntax tree),
:mod:`.parser` (tokens to a tree), :mod:`.where` (conditions to SQL), :mod:`.compiler`
(the rest of the query to SQL, :func:`compile_query`), :mod:`.grouping` (GROUP BY and
aggregates), :mod:`.sosl` (the SOSL grammar of ``search/``).
"""

from __future__ import annotations

from .compiler import Column, Compiled, Join, compile_query, quote
from .lexer import SoqlError, tokenize
from .parser import parse

__all__ = ["Column", "Compiled", "Join", "SoqlError", "compile_query", "parse", "quote", "tokenize"]
