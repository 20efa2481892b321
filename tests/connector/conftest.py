"""Fixtures for the connector's unit tests."""

from __future__ import annotations

import pytest

from connector import geo


def _geo_caches_clear() -> None:
    geo._countries.cache_clear()
    geo._subdivisions.cache_clear()
    geo.iso_picklists.cache_clear()


@pytest.fixture
def fresh_geo_tables():
    """The ISO name tables built anew for the test, not taken from an earlier one's cache:
    the mutation run (make mutation) forks each mutant from a process whose caches the
    unmutated code filled."""
    _geo_caches_clear()
    yield
    _geo_caches_clear()
