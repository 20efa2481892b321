"""The SOQL helpers: pure, no database, no HTTP."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta, timezone

from connector.soql import (
    chunks,
    datetime_literal,
    in_list,
    in_lists,
    parse_datetime,
    quote,
)


def test_quote_escapes_backslashes_and_single_quotes():
    assert quote("o'brien@x.example") == r"'o\'brien@x.example'"
    assert quote("a\\b") == r"'a\\b'"
    # A backslash before a quote cannot end the literal early.
    assert quote("\\'") == r"'\\\''"


def test_in_list_quotes_every_value():
    assert in_list(["a", "b'c"]) == r"'a', 'b\'c'"
    assert in_list([]) == ""


def test_in_lists_split_by_count_and_by_length():
    values = [f"v{i}" for i in range(5)]
    assert list(in_lists(values, max_values=2)) == ["'v0', 'v1'", "'v2', 'v3'", "'v4'"]
    long = ["x" * 10] * 3  # 12 characters quoted, 14 with the separator
    assert list(in_lists(long, max_chars=30)) == [
        f"'{'x' * 10}', '{'x' * 10}'",
        f"'{'x' * 10}'",
    ]
    assert list(in_lists([])) == []


def test_in_lists_stay_under_salesforce_statement_limit():
    emails = [f"someone.with.a.long.address{i}@example.com" for i in range(10_000)]
    lists = list(in_lists(emails))
    assert all(len(text) <= 80_000 for text in lists)
    assert sum(text.count("@") for text in lists) == 10_000


def test_datetime_literal_is_utc_to_the_second():
    moment = datetime(2026, 5, 1, 14, 30, 15, 999_000, tzinfo=timezone(timedelta(hours=2)))
    assert datetime_literal(moment) == "2026-05-01T12:30:15Z"


def test_parse_datetime_reads_salesforce_format():
    assert parse_datetime("2026-05-01T12:30:15.250+0000") == datetime(
        2026, 5, 1, 12, 30, 15, 250_000, tzinfo=UTC
    )
    assert parse_datetime(None) is None
    assert parse_datetime("") is None


def test_chunks():
    assert [list(c) for c in chunks([1, 2, 3, 4, 5], 2)] == [[1, 2], [3, 4], [5]]
    assert list(chunks([], 3)) == []


def test_in_lists_fill_each_list_up_to_the_character_limit_exactly():
    """Each value counts its quoted length plus two for the separator it may need."""
    value = "x" * 10  # 12 characters quoted, 14 counted
    # 14 + 14 = 28 fits 28: two a list; the third starts a new list, the fourth fits it.
    assert list(in_lists([value] * 4, max_chars=28)) == [
        f"'{value}', '{value}'",
        f"'{value}', '{value}'",
    ]
    # One less: each value alone.
    assert list(in_lists([value] * 2, max_chars=27)) == [f"'{value}'", f"'{value}'"]
    # Down to 24 a second value would not fit even without counting its separator.
    assert list(in_lists([value] * 2, max_chars=25)) == [f"'{value}'", f"'{value}'"]


def test_in_lists_last_list_joins_its_values():
    assert list(in_lists(["a", "b", "c"], max_values=2)) == ["'a', 'b'", "'c'"]
    assert list(in_lists(["a", "b", "c", "d"], max_values=3)) == ["'a', 'b', 'c'", "'d'"]
    assert list(in_lists(["a", "b"])) == ["'a', 'b'"]


def test_datetime_literal_is_utc_whatever_the_machines_zone(monkeypatch):
    moment = datetime(2026, 5, 1, 14, 30, 15, tzinfo=timezone(timedelta(hours=2)))
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        assert datetime_literal(moment) == "2026-05-01T12:30:15Z"
    finally:
        monkeypatch.undo()
        time.tzset()
