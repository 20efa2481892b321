"""The production web server: waitress serving hubsync's WSGI application.

    python -m hubsync.serve [--listen 0.0.0.0:8000]

Configured from the same environment as the settings (hubsync/settings.py):
TRUSTED_PROXY / TRUSTED_PROXY_COUNT (whose X-Forwarded-* headers to believe, so that a
request the TLS proxy marks https is not redirected again), MAX_REQUEST_BODY_BYTES
(a larger body is refused before Django reads it), WEB_THREADS, and the slow-client bounds:
WEB_CONNECTION_LIMIT (open connections), WEB_REQUEST_READ_TIMEOUT (seconds to read one
request, headers and body, however steadily its bytes trickle in) and WEB_CHANNEL_TIMEOUT
(an idle connection). Static files are served by WhiteNoise from STATIC_ROOT (run
``manage.py collectstatic`` first).
https://docs.pylonsproject.org/projects/waitress/en/stable/arguments.html

waitress alone bounds only *idle* time (``channel_timeout``): a client sending a body one
byte every few seconds is never idle, and ``connection_limit`` of them stop the server
accepting anyone. Here each connection also has a deadline for reading a request, and at
the connection limit the connection that has been reading (or idling) longest is closed
to make room, so a normal request is still served.
"""

from __future__ import annotations

import argparse
import logging
import os
import time
from typing import Any

from waitress.adjustments import Adjustments
from waitress.channel import HTTPChannel
from waitress.server import MultiSocketServer, TcpWSGIServer
from waitress.task import ThreadedTaskDispatcher

FORWARDED_HEADERS = {"x-forwarded-proto", "x-forwarded-for", "x-forwarded-host", "x-forwarded-port"}
logger = logging.getLogger("hubsync.serve")


def server_options(settings: Any) -> dict[str, Any]:
    """waitress's arguments from hubsync's settings."""
    options: dict = {
        "threads": settings.WEB_THREADS,
        "max_request_body_size": settings.MAX_REQUEST_BODY_BYTES,
        "clear_untrusted_proxy_headers": True,
        "ident": "hubsync",
        "connection_limit": settings.WEB_CONNECTION_LIMIT,
        "channel_timeout": settings.WEB_CHANNEL_TIMEOUT,
        # How often idle connections and requests past their read deadline are looked for.
        "cleanup_interval": max(1, min(30, settings.WEB_REQUEST_READ_TIMEOUT // 4)),
    }
    if settings.TRUSTED_PROXY:
        options |= {
            "trusted_proxy": settings.TRUSTED_PROXY,
            "trusted_proxy_count": settings.TRUSTED_PROXY_COUNT,
            "trusted_proxy_headers": FORWARDED_HEADERS,
        }
    return options


class BoundedReadChannel(HTTPChannel):
    """A connection that knows since when it has been reading its current request."""

    read_started_at: float | None = None

    def received(self, data: bytes) -> bool:
        if data and self.read_started_at is None:
            self.read_started_at = time.time()
        result = super().received(data)
        if self.request is None:  # nothing half-read: the request went to a thread
            self.read_started_at = None
        return result


class SlowClientGuardServer(TcpWSGIServer):
    """waitress's TCP server with a per-request read deadline and room made at the limit."""

    channel_class = BoundedReadChannel
    request_read_timeout = 60.0

    def maintenance(self, now: float) -> None:
        super().maintenance(now)  # idle connections (channel_timeout)
        cutoff = now - self.request_read_timeout
        for channel in list(self.active_channels.values()):
            started = getattr(channel, "read_started_at", None)
            if started is not None and started < cutoff and not channel.requests:
                logger.warning(
                    "closed a connection from %s: reading its request took over %ss",
                    channel.addr[0] if channel.addr else "?",
                    int(self.request_read_timeout),
                )
                channel.will_close = True

    def readable(self) -> bool:
        if self.accepting and len(self._map) >= self.adj.connection_limit:
            self._make_room()
        return super().readable()

    def _make_room(self) -> None:
        """Close the connection that has waited longest without being served: the one whose
        request has been reading the longest (a slow client's), or an idle one."""
        candidates = [
            channel
            for channel in self.active_channels.values()
            if not channel.requests and not channel.total_outbufs_len and not channel.will_close
        ]
        if not candidates:
            return  # every connection is being served: waitress stops accepting meanwhile
        # Waiting since: the start of the request it is reading, else its last activity (a
        # connection just accepted is the youngest: it is never the one closed).
        victim = min(
            candidates, key=lambda c: getattr(c, "read_started_at", None) or c.last_activity
        )
        logger.warning(
            "connection limit (%s) reached: closed the slowest connection from %s",
            self.adj.connection_limit,
            victim.addr[0] if victim.addr else "?",
        )
        # Closed by the loop itself (its handle_write), not here: the loop may already have
        # put its socket in this round's select.
        victim.will_close = True


def create_server(application: Any, *, request_read_timeout: float, **options: Any) -> Any:
    """waitress's ``create_server`` (TCP listeners) with :class:`SlowClientGuardServer`."""
    adj = Adjustments(**options)
    socket_map: dict = {}
    dispatcher = ThreadedTaskDispatcher()
    dispatcher.set_thread_count(adj.threads)
    servers = []
    for sockinfo in adj.listen:
        server = SlowClientGuardServer(
            application, socket_map, dispatcher=dispatcher, adj=adj, sockinfo=sockinfo
        )
        server.request_read_timeout = request_read_timeout
        servers.append(server)
    if len(servers) == 1:
        return servers[0]
    listening = [(s.effective_host, s.effective_port) for s in servers]
    return MultiSocketServer(socket_map, adj=adj, effective_listen=listening, dispatcher=dispatcher)


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hubsync.settings")
    from django.conf import settings

    from hubsync.wsgi import application

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listen", default=settings.WEB_LISTEN, help="default: WEB_LISTEN")
    args = parser.parse_args()
    logging.basicConfig()
    server = create_server(
        application,
        listen=args.listen,
        request_read_timeout=settings.WEB_REQUEST_READ_TIMEOUT,
        **server_options(settings),
    )
    server.print_listen("Serving on http://{}:{}")
    server.run()


if __name__ == "__main__":
    main()
