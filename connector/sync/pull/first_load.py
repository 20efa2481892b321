"""A first load reads large objects with Bulk API 2.0 query instead of REST query pages.

A watermarked query without a watermark (the first cycle, or after a backfill) reads the
whole object: on a large object that is thousands of REST pages, one API call per 2,000
records. The first page tells how many records the query matches (``totalSize``); from
SALESFORCE_BULK_QUERY_MIN on, that page is dropped and the object is read as one Bulk
API 2.0 query job instead (about three calls, then one per 10,000 records) — a small org
pays nothing extra, a large one one call. Bulk 2.0 takes no ORDER BY: its pages come
unordered, so their watermark is saved only once the whole job has been read (see
Watermark.advance).
"""

from __future__ import annotations

import re

from django.conf import settings

from ...bulk_query import bulk_query_pages
from ...client import SalesforceClient
from .common import Pages, Query

_FROM = re.compile(r"\bFROM\s+(\w+)", re.IGNORECASE)
_ORDER_BY = re.compile(r"\s+ORDER\s+BY\s+.*$", re.IGNORECASE | re.DOTALL)


def first_load_query_many(client: SalesforceClient, queries: list[Query]) -> list[Pages]:
    """Each query's pages, as ``client.query_many`` gives them; first-load queries that
    match at least SALESFORCE_BULK_QUERY_MIN records go through Bulk API 2.0 instead."""
    first_pages = client.query_many(queries)
    results: list[Pages] = list(first_pages)
    for index, (soql, include_deleted) in enumerate(queries):
        first_load = not include_deleted and " WHERE " not in soql.upper()
        sobject = _FROM.search(soql)
        if (
            first_load
            and sobject
            and first_pages[index].total_size >= settings.SALESFORCE_BULK_QUERY_MIN
        ):
            results[index] = bulk_query_pages(client, sobject.group(1), _ORDER_BY.sub("", soql))
    return results
