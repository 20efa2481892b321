"""The org's state and country picklist values (control API ``/__emulator/state-country``),
persisted in ``_meta`` like the org settings; ``reset`` restores the ISO 3166 default.

The values are used whenever the org has ``state_country_picklists`` on: describe, and the
address rules of writes (:mod:`.addresses`). Every request's
:class:`~..schema.SchemaView` carries the set that was current when it started.
"""

from __future__ import annotations

import json
from typing import Any

from ..schema import SchemaView
from ..schema.state_country import Places, default_places
from .org import OrgSettings


class StateCountry(OrgSettings):
    """``places``: the org's countries and states (:class:`Places`, immutable)."""

    def __init__(self, path: str = ":memory:", *, api_limit: int = 100_000) -> None:
        super().__init__(path, api_limit=api_limit)
        self.places: Places = default_places()
        with self.lock:
            row = self.conn.execute(
                "SELECT value FROM _meta WHERE key = 'state_country'"
            ).fetchone()
        if row:
            self.places = Places.from_json(json.loads(row[0])["countries"])

    def reset_state_country(self) -> None:
        """Back to the default set (``_meta`` is wiped by :meth:`wipe`)."""
        self.places = default_places()

    def org_view(self) -> SchemaView:
        view = super().org_view()
        view.places = self.places
        return view

    def set_places(self, places: Places) -> dict[str, Any]:
        """Make ``places`` the org's set (saved); returns it as JSON."""
        with self.lock:
            data = places.as_json()
            self.conn.execute(
                "INSERT OR REPLACE INTO _meta (key, value) VALUES ('state_country', ?)",
                (json.dumps(data),),
            )
            self.places = places
            return data

    def replace_state_country(self, body: Any) -> dict[str, Any]:
        """``PUT``: ``{"countries": [{"code", "label", "active"?, "states"?: [...]}]}``."""
        if not isinstance(body, dict) or set(body) != {"countries"}:
            raise ValueError('expected {"countries": [...]}')
        return self.set_places(Places.from_json(body["countries"]))

    def patch_state_country(self, body: Any) -> dict[str, Any]:
        """``PATCH``: ``{"countries": [...]}`` adds or updates by code, ``{"remove": [...]}``
        drops countries by code."""
        if not isinstance(body, dict) or not body or set(body) - {"countries", "remove"}:
            raise ValueError('expected {"countries": [...]} and/or {"remove": ["DE", ...]}')
        with self.lock:
            places = self.places.patched(body.get("countries"), body.get("remove"))
            return self.set_places(places)
