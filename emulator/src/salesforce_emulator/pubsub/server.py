"""The emulator's gRPC server: the Pub/Sub API on its own port, in the emulator's process."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import grpc

from pubsub_api import pb2_grpc

from ..store import Store
from .service import PubSubService

#: Each Subscribe stream holds a worker thread for its lifetime.
MAX_WORKERS = 32


@dataclass
class PubSubServer:
    """A started gRPC server; ``address`` is ``host:port`` for ``grpc.insecure_channel``
    (``grpc.secure_channel`` when started with a certificate)."""

    server: grpc.Server
    host: str
    port: int
    service: PubSubService

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    def stop(self, grace: float = 1.0) -> None:
        self.server.stop(grace).wait(grace + 1)


def start_pubsub_server(
    store: Store,
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    cert: Path | None = None,
    key: Path | None = None,
) -> PubSubServer:
    """Serve the Pub/Sub API of ``store``'s org on ``host:port`` (0: a free port); with
    ``cert`` and ``key`` (PEM files) over TLS, as Salesforce does."""
    server = grpc.server(
        ThreadPoolExecutor(max_workers=MAX_WORKERS, thread_name_prefix="pubsub"),
        maximum_concurrent_rpcs=MAX_WORKERS - 2,
    )
    service = PubSubService(store)
    pb2_grpc.add_PubSubServicer_to_server(service, server)
    if cert is not None and key is not None:
        credentials = grpc.ssl_server_credentials([(key.read_bytes(), cert.read_bytes())])
        bound = server.add_secure_port(f"{host}:{port}", credentials)
    else:
        bound = server.add_insecure_port(f"{host}:{port}")
    server.start()
    return PubSubServer(server=server, host=host, port=bound, service=service)
