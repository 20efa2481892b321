"""Slow clients cannot take the production server down (hubsync/serve.py): more connections
than WEB_CONNECTION_LIMIT, each sending its body a byte at a time, and a normal request is
still answered within 2 s; a request that takes longer than WEB_REQUEST_READ_TIMEOUT to
arrive is cut off."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

pytestmark = pytest.mark.subprocess

ROOT = Path(__file__).resolve().parents[2]
LIMIT = 12
SLOW = LIMIT + 8  # more slow clients than the server takes connections
#: Long enough that "answered before any slow client reached its deadline" needs no fast
#: machine: a server that made no room would answer only after this.
READ_TIMEOUT_S = 6


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("slow")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SALESFORCE_"))}
    env |= {
        # DEBUG: no secrets needed, and WhiteNoise serves the static file asked for below
        # from the sources (no database, no collectstatic: only the server is tested here).
        "DEBUG": "true",
        "DATABASE_URL": f"sqlite:///{tmp / 'hubsync.sqlite3'}",
        "CELERY_BROKER_URL": "memory://",
        "WEB_CONNECTION_LIMIT": str(LIMIT),
        "WEB_REQUEST_READ_TIMEOUT": str(READ_TIMEOUT_S),
        "WEB_THREADS": "2",
    }
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "hubsync.serve", "--listen", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            requests.get(f"{url}/static/css/hubsync.css", timeout=5)
            break
        except requests.ConnectionError:
            assert process.poll() is None and time.monotonic() < deadline
            time.sleep(0.1)  # polling for the server to listen, with a deadline
    yield url
    process.terminate()
    process.wait(timeout=10)


def slow_client(port: int) -> socket.socket:
    """A connection that sends a POST's headers, then its 10,000-byte body a byte at a time."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    sock.sendall(
        b"POST /accounts/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 10000\r\n\r\n"
    )
    return sock


def trickle(sockets: list[socket.socket], stop: threading.Event) -> None:
    """One byte per connection every 0.2 s: never idle, never done."""
    while not stop.wait(0.2):
        for sock in list(sockets):
            try:
                sock.send(b"x")
            except OSError:  # closed by the server: it made room
                sockets.remove(sock)


def test_more_slow_connections_than_the_limit_and_a_normal_request_is_answered(server):
    port = int(server.rsplit(":", 1)[1])
    sockets = [slow_client(port) for _ in range(SLOW)]
    stop = threading.Event()
    worker = threading.Thread(target=trickle, args=(sockets, stop), daemon=True)
    worker.start()
    try:
        started = time.monotonic()
        response = requests.get(f"{server}/static/css/hubsync.css", timeout=READ_TIMEOUT_S)
        elapsed = time.monotonic() - started
        assert response.status_code == 200
        assert elapsed < READ_TIMEOUT_S - 1  # room was made, not waited for
    finally:
        stop.set()
        worker.join(timeout=5)
        for sock in sockets:
            sock.close()


def test_a_request_that_trickles_in_for_longer_than_the_read_timeout_is_cut_off(server):
    port = int(server.rsplit(":", 1)[1])
    sock = slow_client(port)
    sockets = [sock]
    stop = threading.Event()
    worker = threading.Thread(target=trickle, args=(sockets, stop), daemon=True)
    worker.start()
    try:
        sock.settimeout(READ_TIMEOUT_S * 5)  # the sweep runs every second
        started = time.monotonic()
        try:
            closed = sock.recv(1) == b""
        except ConnectionResetError:
            closed = True
        assert closed
        assert time.monotonic() - started >= READ_TIMEOUT_S - 1  # at the deadline, not at once
    finally:
        stop.set()
        worker.join(timeout=5)
        sock.close()
