"""salesforce_emulator.client: the https:// adapter that routes simple-salesforce to the
emulator (formerly hubsync's connector.transport)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from salesforce_emulator.client import SALESFORCE_HOST_HEADER, EmulatorAdapter, emulator_session


class _Echo(BaseHTTPRequestHandler):
    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        payload = (
            f'{{"path": "{self.path}", "host": "{self.headers.get("Host")}", '
            f'"sf_host": "{self.headers.get(SALESFORCE_HOST_HEADER)}", '
            f'"method": "{self.command}", "body": "{body}"}}'
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PATCH = _answer

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def echo_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_rewrites_scheme_and_host_keeps_path_and_query(echo_url):
    session = emulator_session(echo_url)
    resp = session.get("https://login.salesforce.com/services/data/v59.0/query/?q=SELECT+Id")
    data = resp.json()
    assert data["path"] == "/services/data/v59.0/query/?q=SELECT+Id"
    assert data["host"] == echo_url.split("//", 1)[1]
    assert data["sf_host"] == "login.salesforce.com"


def test_original_host_header_tells_domains_apart(echo_url):
    session = emulator_session(echo_url + "/")
    assert (
        session.post("https://test.salesforce.com/services/Soap/u/59.0").json()["sf_host"]
        == "test.salesforce.com"
    )
    assert session.patch("https://acme.my.salesforce.com:443/x", data="b").json() == {
        "path": "/x",
        "host": echo_url.split("//", 1)[1],
        "sf_host": "acme.my.salesforce.com:443",
        "method": "PATCH",
        "body": "b",
    }


def test_plain_http_is_not_rewritten(echo_url):
    session = emulator_session("http://127.0.0.1:9")  # nothing listens there
    data = session.get(f"{echo_url}/direct").json()
    assert data["path"] == "/direct" and data["sf_host"] == "None"


def test_request_object_is_not_mutated(echo_url):
    session = emulator_session(echo_url)
    prepared = requests.Request("GET", "https://login.salesforce.com/a?b=c").prepare()
    session.send(prepared)
    assert prepared.url == "https://login.salesforce.com/a?b=c"
    assert SALESFORCE_HOST_HEADER not in prepared.headers


def test_invalid_emulator_url():
    with pytest.raises(ValueError):
        EmulatorAdapter("127.0.0.1:8765")
