"""Salesforce's Pub/Sub API (gRPC) over the org's Change Data Capture event log.

* :mod:`.schemas`: the Avro schemas of ``<Entity>ChangeEvent`` and their payloads;
* :mod:`.service`: the ``eventbus.v1.PubSub`` servicer (topics, schemas, Subscribe);
* :mod:`.server`: the gRPC server on its own port (``--pubsub-port``).

The events themselves are written by the store (:mod:`..store.change_log`).
"""

from __future__ import annotations

from .server import PubSubServer, start_pubsub_server
from .service import ALL_CHANGES, topic_name

__all__ = ["ALL_CHANGES", "PubSubServer", "start_pubsub_server", "topic_name"]
