"""The SOQL tokenizer and parser on their own (no HTTP, no database)."""

from __future__ import annotations

from datetime import date

import pytest

from salesforce_emulator.soql import SoqlError, parse, tokenize
from salesforce_emulator.soql.ast import Aggregate, BoolOp, Cmp, InList, Like, Not, SelectField


def test_tokenize_keywords_strings_and_like_form():
    tokens = tokenize("select Name FROM Contact where Name LIKE 'a\\_b%' AND x = 'O\\'B'")
    kinds = [t.kind for t in tokens]
    assert kinds == ["kw", "ident", "kw", "ident", "kw", "ident", "kw", "string", "kw"] + [
        "ident",
        "op",
        "string",
        "eof",
    ]
    like = tokens[7]
    assert like.value == "a_b%" and like.like == "a\\_b%"
    assert tokens[11].value == "O'B"


def test_tokenize_rejects_bad_escape_and_unterminated_string():
    with pytest.raises(SoqlError, match="Illegal character sequence"):
        tokenize("SELECT Id FROM Lead WHERE Name = 'a\\qb'")
    with pytest.raises(SoqlError, match="unterminated"):
        tokenize("SELECT Id FROM Lead WHERE Name = 'abc")


def test_parse_select_where_order_limit_offset():
    q = parse(
        "SELECT Id, Account.Name FROM Contact WHERE (Email != null OR Title = 'CEO') "
        "AND NOT LastName IN ('A', 'B') ORDER BY LastName DESC NULLS LAST LIMIT 10 OFFSET 5"
    )
    assert [i.path.parts for i in q.items if isinstance(i, SelectField)] == [
        ["Id"],
        ["Account", "Name"],
    ]
    assert q.object_name == "Contact"
    assert isinstance(q.where, BoolOp) and q.where.op == "and"
    inner, negated = q.where.items
    assert isinstance(inner, BoolOp) and inner.op == "or"
    assert isinstance(negated, Not) and isinstance(negated.expr, InList)
    assert [v.value for v in negated.expr.values] == ["A", "B"]
    assert (q.order[0].path.parts, q.order[0].desc, q.order[0].nulls) == (
        ["LastName"],
        True,
        "last",
    )
    assert (q.limit, q.offset) == (10, 5)


def test_parse_literals_and_aggregates():
    q = parse(
        "SELECT COUNT(Id) n, MAX(Amount) FROM Opportunity WHERE CloseDate >= 2024-01-31 "
        "AND CreatedDate = LAST_N_DAYS:7 AND Name LIKE 'Big%' AND IsWon = true"
    )
    assert [(a.func, a.alias) for a in q.items if isinstance(a, Aggregate)] == [
        ("count", "n"),
        ("max", None),
    ]
    close, created, name, won = q.where.items
    assert isinstance(close, Cmp) and close.value.kind == "date"
    assert close.value.value == date(2024, 1, 31)
    assert created.value.kind == "dateliteral" and created.value.value == ("last_n_days", 7)
    assert isinstance(name, Like) and name.pattern.like == "Big%"
    assert won.value.kind == "bool" and won.value.value is True


def test_count_only():
    assert parse("SELECT COUNT() FROM Lead").count_only
    with pytest.raises(SoqlError, match="COUNT\\(\\) must be the only element"):
        parse("SELECT COUNT(), Id FROM Lead")


@pytest.mark.parametrize(
    ("soql", "message"),
    [
        ("SELECT Id FROM Lead GROUP BY ROLLUP(Status)", "ROLLUP is not supported"),
        ("SELECT Id FROM Lead GROUP BY Id HAVING COUNT(Id) > 1", "HAVING is not supported"),
        ("SELECT Id FROM Lead WHERE A = 1 AND B = 2 OR C = 3", "mixing AND and OR"),
        (
            "SELECT (SELECT Id, (SELECT Id FROM Tasks) FROM Contacts) FROM Account",
            "subquery inside a subquery",
        ),
        ("SELECT toLabel(Status) FROM Lead", "function toLabel is not supported"),
        ("SELECT Id FROM Lead l", "unexpected token: 'l'"),
        ("SELECT Id FROM", "<EOF>"),
    ],
)
def test_unsupported_is_malformed(soql, message):
    with pytest.raises(SoqlError, match=message) as exc:
        parse(soql)
    assert exc.value.error_code == "MALFORMED_QUERY"
