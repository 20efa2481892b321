"""The documented production path on this machine, end to end.

DEBUG off, a fresh database, ``collectstatic``, ``check --deploy``, then the production
server (``python -m hubsync.serve``, waitress) on a free port behind a pretend TLS proxy:
the proxy's X-Forwarded-Proto says https. No Django test client: real HTTP, real static
files served by WhiteNoise from STATIC_ROOT.
"""

from __future__ import annotations

import os
import re
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from cryptography.fernet import Fernet

pytestmark = pytest.mark.subprocess

ROOT = Path(__file__).resolve().parents[2]
HTTPS = {"X-Forwarded-Proto": "https"}
PASSWORD = "smoke-test-password-2026"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def production(tmp_path_factory):
    """Environment of a production install: required secrets set, nothing from DEBUG."""
    tmp = tmp_path_factory.mktemp("production")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SALESFORCE_"))}
    env |= {
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "HUBSYNC_ENCRYPTION_KEY": Fernet.generate_key().decode(),
        "DATABASE_URL": f"sqlite:///{tmp / 'hubsync.sqlite3'}",
        "STATIC_ROOT": str(tmp / "static"),
        "ALLOWED_HOSTS": "127.0.0.1",
        "TRUSTED_PROXY": "127.0.0.1",
        "CELERY_BROKER_URL": "memory://",
        "DJANGO_SUPERUSER_PASSWORD": PASSWORD,
    }
    return env


def _manage(env: dict, *args: str) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done


@pytest.fixture(scope="module")
def server(production):
    _manage(production, "migrate", "--noinput")
    _manage(production, "collectstatic", "--noinput")
    _manage(production, "createsuperuser", "--noinput", "--username", "ops", "--email", "o@x.io")
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "hubsync.serve", "--listen", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=production,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            requests.get(f"{url}/accounts/login/", headers=HTTPS, timeout=10)
            break
        except (requests.ConnectionError, requests.Timeout):  # not up yet, or slow to answer
            assert process.poll() is None, process.stdout.read()
            time.sleep(0.2)
    yield url
    process.terminate()
    process.wait(timeout=10)


class ProxiedBrowser:
    """A client behind the TLS proxy. The cookies are Secure (sent over https only), so
    they are kept here and sent by hand, as the browser does on its https side."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        origin = self.url.replace("http:", "https:")
        headers = HTTPS | {"Origin": origin, "Referer": origin + path} | kwargs.pop("headers", {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        response = requests.request(
            method, self.url + path, headers=headers, allow_redirects=False, timeout=60, **kwargs
        )
        self.cookies |= {c.name: c.value for c in response.cookies}
        return response

    def static_files_of(self, page: requests.Response) -> list[str]:
        return re.findall(r'(?:href|src)="(/static/[^"]+)"', page.text)


def test_check_deploy_is_clean_and_commands_print_no_library_chatter(production):
    done = _manage(production, "check", "--deploy")
    assert done.stdout.strip() == "System check identified no issues (0 silenced)."
    assert done.stderr == ""


def test_a_request_the_proxy_marks_https_is_served_not_redirected(server):
    plain = requests.get(f"{server}/accounts/login/", allow_redirects=False, timeout=60)
    assert plain.status_code == 301
    assert plain.headers["Location"] == server.replace("http:", "https:") + "/accounts/login/"

    proxied = requests.get(
        f"{server}/accounts/login/", headers=HTTPS, allow_redirects=False, timeout=60
    )
    assert proxied.status_code == 200
    assert "max-age=31536000" in proxied.headers["Strict-Transport-Security"]
    assert "script-src 'self'" in proxied.headers["Content-Security-Policy"]


def test_login_and_settings_pages_with_their_static_files(server):
    browser = ProxiedBrowser(server)
    login = browser.request("GET", "/accounts/login/")
    assert login.status_code == 200
    statics = browser.static_files_of(login)
    assert any(re.search(r"bootstrap\.min\.[0-9a-f]{12}\.css$", s) for s in statics), statics
    for path in statics:
        asset = browser.request("GET", path)
        assert asset.status_code == 200, path
        assert len(asset.content) > 0

    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login.text).group(1)
    logged_in = browser.request(
        "POST",
        "/accounts/login/",
        data={"username": "ops", "password": PASSWORD, "csrfmiddlewaretoken": token},
    )
    assert logged_in.status_code == 302, logged_in.text[:500]

    page = browser.request("GET", "/integrations/salesforce/settings/")
    assert page.status_code == 200
    assert "Salesforce" in page.text
    scripts = [s for s in browser.static_files_of(page) if s.endswith(".js")]
    assert any("status." in s for s in scripts), scripts
    for path in scripts:
        assert browser.request("GET", path).status_code == 200, path


def test_the_server_refuses_an_oversized_body_before_django_reads_it(server, production):
    body = b"x" * (5 * 1024 * 1024 + 1)
    response = requests.post(f"{server}/accounts/login/", data=body, headers=HTTPS, timeout=30)
    assert response.status_code == 413
