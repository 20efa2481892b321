"""A watermark after a read of several pages (connector/sync/pull/watermark.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from connector.models import SyncCursor
from connector.soql import datetime_literal
from connector.sync.pull.watermark import CLOSED_AFTER, Watermark

pytestmark = pytest.mark.django_db


def page(*stamps_ids):
    return [
        {"Id": record_id, "SystemModstamp": datetime_literal(stamp)}
        for stamp, record_id in stamps_ids
    ]


def test_a_read_of_several_pages_moves_no_further_than_the_querys_opening():
    """A query cursor holds the ids it found when opened: a record changed while the later
    pages are read moves to the end of SystemModstamp order and, if its place was already
    passed, is not read again. The records read after it carry the new stamps, so the
    watermark must not follow them: the next cycle reads from the query's opening (less
    CLOSED_AFTER) and finds the record (2 of 10 Leads edited during a 6-minute read of
    1,980,000 records were lost that way)."""
    watermark = Watermark("Lead")
    opened = watermark.opened_at
    before, during = opened - timedelta(minutes=10), opened + timedelta(seconds=30)
    watermark.advance(page((before, "00Q000000000001AAA")))
    watermark.advance(page((during, "00Q000000000002AAA")))  # changed while being read
    watermark.caught_up(opened)
    row = SyncCursor.objects.get(name="inbound:Lead")
    assert row.value == opened - CLOSED_AFTER
    assert row.boundary_ids == []


def test_a_read_of_one_page_moves_to_the_newest_record_it_read():
    watermark = Watermark("Lead")
    during = watermark.opened_at.replace(microsecond=0) + timedelta(seconds=30)
    watermark.advance(page((during, "00Q000000000002AAA")))
    watermark.caught_up(watermark.opened_at)
    row = SyncCursor.objects.get(name="inbound:Lead")
    assert (row.value, row.boundary_ids) == (during, ["00Q000000000002AAA"])


def test_a_long_read_never_moves_the_watermark_back():
    first = Watermark("Lead")
    late = first.opened_at.replace(microsecond=0) + timedelta(seconds=5)
    first.advance(page((late, "00Q000000000003AAA")))
    first.caught_up(first.opened_at)
    again = Watermark("Lead")  # within the minute: its cap is before the saved watermark
    again.advance(page((late, "00Q000000000003AAA")))
    again.advance(page((late + timedelta(seconds=1), "00Q000000000004AAA")))
    row = SyncCursor.objects.get(name="inbound:Lead")
    assert (row.value, row.boundary_ids) == (late, ["00Q000000000003AAA"])


def test_a_first_loads_snapshot_moves_to_the_newest_record_it_read():
    """Bulk API 2.0 query results are one snapshot, read in pages in no order: nothing
    changed meanwhile can hide in them, and the watermark follows the records."""

    class Unordered(list):
        unordered = True

    watermark = Watermark("Lead")
    newest = watermark.opened_at.replace(microsecond=0) + timedelta(seconds=30)
    watermark.advance(Unordered(page((newest, "00Q000000000005AAA"))))
    watermark.advance(Unordered(page((newest - timedelta(hours=1), "00Q000000000006AAA"))))
    watermark.caught_up(watermark.opened_at)
    row = SyncCursor.objects.get(name="inbound:Lead")
    assert (row.value, row.boundary_ids) == (newest, ["00Q000000000005AAA"])
