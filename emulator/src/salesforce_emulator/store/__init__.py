"""SQLite storage of the emulated org, one module per concern.

:class:`Store` is the one object the HTTP side, Bulk API 2.0 jobs and the demo seed use; it
is assembled from layers that each add one concern on top of the database:

* :mod:`.base`: connection, lock, table layout, transactions, row lookups;
* :mod:`.org`: org settings and the tooling rows of the installed package;
* :mod:`.identity`: users, credentials, connected apps, sessions;
* :mod:`.security`: per-user field-level security and the :class:`SchemaView` of a user;
* :mod:`.oauth`: authorization codes and refresh tokens of the web server flow;
* :mod:`.validation` and :mod:`.addresses`: value validation of writes;
* :mod:`.record_types`: record types (``RecordType`` rows, defaults) and ``RecordTypeId``;
* :mod:`.state_country`: the org's state and country picklist values;
* :mod:`.integrity`: references and unique fields of a write batch;
* :mod:`.custom_fields`: custom fields an admin adds at run time (columns, live objects);
* :mod:`.change_log`: Change Data Capture's event log (triggers, replay, 72-hour retention);
* :mod:`.rules`: duplicate rules (:mod:`.duplicates`) and validation rules
  (:mod:`.validation_rules`), run on every create and update;
* :mod:`.writes`, :mod:`.upsert`, :mod:`.recycle_bin`: inserts/updates, upserts, deletes;
* :mod:`.reads`: reads by id / external id / replication window;
* :mod:`.query`: SOQL execution, cursors, record shaping;
* :mod:`.results`: write results and errors (``{"statusCode", "message", "fields"}``).

The API meter and the fault injector (:mod:`.metering`, :mod:`.faults`) keep the state of
the HTTP side; the application owns them next to the store.
"""

from __future__ import annotations

from typing import Any

from .identity import ConnectedApp
from .oauth import OAuthGrants
from .query import Queries
from .reads import RecordReads
from .record_types import RecordTypes
from .recycle_bin import RecycleBin
from .results import RecordNotFound, WriteResult, err
from .security import FieldSecurity
from .state_country import StateCountry
from .upsert import Upserts


class Store(
    OAuthGrants,
    FieldSecurity,
    Upserts,
    RecycleBin,
    RecordReads,
    Queries,
    RecordTypes,
    StateCountry,
):
    """All state of one emulated org."""

    def reset(self) -> None:
        """Forget everything: records, users, apps, sessions, grants, cursors, org settings,
        field-level security."""
        with self.lock:
            self.wipe()
            self.sessions.clear()
            self.cursors.clear()
            self.reset_grants()
            self.reset_security()
            self.reset_org()
            self.reset_record_types()
            self.reset_state_country()
            self.reset_rules()
            self.reset_custom_fields()
            self.reset_change_log()

    def delete_custom_field(self, obj_name: str, name: str) -> dict[str, Any]:
        """Remove a run-time custom field, its values and its field-level security."""
        spec = super().delete_custom_field(obj_name, name)
        self.drop_field_security(spec["object"], spec["name"])
        return spec


__all__ = ["ConnectedApp", "RecordNotFound", "Store", "WriteResult", "err"]
