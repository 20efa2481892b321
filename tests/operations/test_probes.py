"""/healthz and /readyz on the production server (DEBUG off, waitress), probed the way a load
balancer or Docker does: plain http, by address, no Host from ALLOWED_HOSTS, no login."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _environment(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SALESFORCE_"))}
    return env | {
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "HUBSYNC_ENCRYPTION_KEY": Fernet.generate_key().decode(),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'hubsync.sqlite3'}",
        "STATIC_ROOT": str(tmp_path / "static"),
        "ALLOWED_HOSTS": "hubsync.example.com",
        "TRUSTED_PROXY": "",
        "CELERY_BROKER_URL": "memory://",
        **extra,
    }


@contextmanager
def production_server(env: dict[str, str]) -> Iterator[str]:
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "hubsync.serve", "--listen", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    try:
        while True:
            try:
                requests.get(f"{url}/healthz", timeout=2)
                break
            except requests.ConnectionError:
                assert process.poll() is None, process.stdout.read()
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def probe(url: str, path: str) -> requests.Response:
    # Docker and load balancers: plain http, the address as Host, no cookie, no redirect.
    return requests.get(url + path, allow_redirects=False, timeout=10)


@pytest.mark.subprocess
def test_readyz_names_unapplied_migrations_until_migrate(tmp_path):
    env = _environment(tmp_path, CELERY_BROKER_URL="filesystem://")
    with production_server(env) as url:
        alive = probe(url, "/healthz")
        assert (alive.status_code, alive.json()) == (200, {"status": "ok"})
        assert "Set-Cookie" not in alive.headers
        not_ready = probe(url, "/readyz")
        assert not_ready.status_code == 503
        failing = not_ready.json()["failing"]
        assert list(failing) == ["migrations"]
        assert "not applied (run manage.py migrate)" in failing["migrations"]
        # Everything else still redirects to https (no exemption beyond the probes).
        assert probe(url, "/accounts/login/").status_code in (301, 400)

        done = subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr
        ready = probe(url, "/readyz")
        assert (ready.status_code, ready.json()) == (200, {"status": "ok"})
        # /metrics is not there without METRICS_TOKEN.
        assert probe(url, "/metrics").status_code == 404


@pytest.mark.subprocess
def test_readyz_names_the_database_and_the_broker_when_they_are_down(tmp_path):
    closed = _free_port()  # nothing listens there
    env = _environment(
        tmp_path,
        DATABASE_URL=f"postgres://hubsync@127.0.0.1:{closed}/hubsync",
        CELERY_BROKER_URL=f"redis://127.0.0.1:{closed}/0",
        METRICS_TOKEN="probe-token-0123456789",
    )
    with production_server(env) as url:
        started = time.monotonic()
        assert probe(url, "/healthz").status_code == 200  # no database call
        not_ready = probe(url, "/readyz")
        assert time.monotonic() - started < 8  # probes answer quickly, even when down
        assert not_ready.status_code == 503
        assert not_ready.json()["status"] == "unavailable"
        failing = not_ready.json()["failing"]
        assert set(failing) == {"database", "broker"}
        assert failing["database"].startswith("unreachable")
        assert failing["broker"].startswith("unreachable")
        assert str(closed) not in not_ready.text  # no address or credentials in the answer
        # A scrape then fails plainly (Prometheus records the target down), no error page.
        scrape = requests.get(
            url + "/metrics",
            headers={"Authorization": "Bearer probe-token-0123456789"},
            timeout=10,
        )
        assert (scrape.status_code, scrape.text) == (503, "database unreachable (OperationalError)")


@pytest.mark.django_db
def test_probes_need_no_login_and_set_no_session(client, django_user_model):
    for path in ("/healthz", "/readyz"):
        response = client.get(path, HTTP_HOST="172.17.0.3:8000")
        assert response.status_code == 200, path
        assert response["Cache-Control"] == "no-store"
        assert not response.cookies
    assert client.post("/healthz").status_code == 405
