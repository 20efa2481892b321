"""Logs: LOG_FORMAT=json writes one JSON object per line (time, level, logger, message, and
run_id on a sync cycle's lines), and a full cycle logged at DEBUG, with each login method,
never writes a secret."""

from __future__ import annotations

import io
import json
import logging
import logging.config
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from connector.models import AuthMethod, IntegrationSettings, SyncRun
from connector.sync.cycle import sync_cycle_run
from salesforce_emulator.testing import jwt_key_pair
from tests.conftest import SF_PASSWORD, SF_TOKEN, SF_USERNAME
from tests.factories import ContactFactory
from tests.settings_ui.test_login_methods import CALLBACK, KEY, MY_DOMAIN, SECRET, connect

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def json_logs():
    """The root logger writes through the LOG_FORMAT=json console handler of
    hubsync/settings.py's LOGGING, at DEBUG, into a buffer; restored afterwards."""
    stream = io.StringIO()
    config = json.loads(json.dumps(django_settings.LOGGING))
    config["handlers"]["console"]["formatter"] = "json"
    config["handlers"]["console"]["stream"] = stream
    config["handlers"]["console"]["level"] = "DEBUG"
    config["root"]["level"] = "DEBUG"
    root = logging.getLogger()
    saved = (root.level, list(root.handlers))
    logging.config.dictConfig(config)
    yield stream
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in saved[1]:
        root.addHandler(handler)
    root.setLevel(saved[0])


def lines_of(stream: io.StringIO) -> list[dict]:
    text = stream.getvalue()
    assert text, "nothing was logged"
    return [json.loads(line) for line in text.splitlines()]  # each line one object


def test_json_logs_are_one_object_per_line_with_the_run_on_sync_lines(salesforce, json_logs):
    ContactFactory.create_batch(2)
    logging.getLogger("hubsync.test").info("before the cycle")
    salesforce.control.add_fault(r"/services/Soap/u/", status=503, count=10)
    run = sync_cycle_run(trigger="test")
    assert run.status == "failed"  # it logs a warning with the reason
    lines = lines_of(json_logs)
    for line in lines:
        assert {"time", "level", "logger", "message"} <= line.keys(), line
        assert line["time"].endswith("+00:00")  # ISO 8601, UTC
    before = next(line for line in lines if line["message"] == "before the cycle")
    assert before["level"] == "INFO" and before["logger"] == "hubsync.test"
    assert "run_id" not in before
    warning = next(line for line in lines if line["logger"] == "connector.sync.cycle")
    assert warning["level"] == "WARNING"
    assert warning["run_id"] == run.pk
    assert "Salesforce sync failed" in warning["message"]


@pytest.mark.subprocess
def test_a_process_started_with_log_format_json_writes_json(tmp_path):
    """The setting itself, in a fresh process: a management command's log lines."""
    env = {
        "DEBUG": "true",
        "LOG_FORMAT": "json",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "PATH": "/usr/bin:/bin",
    }
    code = "import logging; logging.getLogger('connector.test').warning('hello %s', 'json')"
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    line = json.loads(done.stderr.strip().splitlines()[-1])
    assert (line["level"], line["logger"], line["message"]) == (
        "WARNING",
        "connector.test",
        "hello json",
    )
    bad = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env | {"LOG_FORMAT": "yaml"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert bad.returncode != 0
    assert "LOG_FORMAT must be plain or json, not 'yaml'." in bad.stderr


def _cycle_both_ways(salesforce, n: int) -> set[str]:
    """A cycle that pushes and pulls; returns the session ids the org has issued so far."""
    ContactFactory(email=f"out{n}@acme.example")
    salesforce.control.load_records(
        "Lead", [{"Email": f"in{n}@acme.example", "LastName": "In", "Company": "Acme"}]
    )
    run = sync_cycle_run(trigger="test")
    assert run.status == "succeeded", run.reason
    assert run.counts["push_created"] >= 1 and run.counts["pull_created"] == 1
    return set(salesforce.app.store.sessions)


@pytest.mark.slow
def test_no_secret_in_the_logs_of_full_cycles_with_every_login_method(
    salesforce, admin_browser, integration_settings, json_logs, caplog
):
    caplog.set_level(logging.DEBUG)
    key, certificate = jwt_key_pair()
    # 1. Username, password and security token (SOAP login): a session id.
    sessions = _cycle_both_ways(salesforce, 1)
    # 2. Client credentials: a consumer secret.
    salesforce.control.configure_org(my_domain=MY_DOMAIN)
    salesforce.control.add_connected_app(
        KEY, SECRET, username=SF_USERNAME, callback_url=CALLBACK, certificate=certificate
    )
    settings_row = IntegrationSettings.objects.get()
    settings_row.auth_method = AuthMethod.CLIENT_CREDENTIALS
    settings_row.my_domain = MY_DOMAIN
    settings_row.consumer_key = KEY
    settings_row.set_secret("consumer_secret", SECRET)
    settings_row.save()
    sessions |= _cycle_both_ways(salesforce, 2)
    # 3. JWT bearer: a private key.
    settings_row.auth_method = AuthMethod.JWT
    settings_row.set_secret("private_key", key)
    settings_row.save()
    sessions |= _cycle_both_ways(salesforce, 3)
    # 4. Connect with Salesforce (web server flow): a refresh token, refreshed at the cycle.
    connect(admin_browser, salesforce, my_domain=MY_DOMAIN)
    settings_row.refresh_from_db()
    assert settings_row.auth_method == AuthMethod.WEB_SERVER
    sessions |= set(salesforce.app.store.sessions)
    salesforce.control.expire_sessions()  # the cycle refreshes the access token
    sessions |= _cycle_both_ways(salesforce, 4)
    assert SyncRun.objects.filter(status="succeeded").count() == 4

    secrets = {
        "password": SF_PASSWORD,
        "security token": SF_TOKEN,
        "password + token": SF_PASSWORD + SF_TOKEN,
        "consumer secret": SECRET,
        "refresh token": settings_row.get_secret("refresh_token"),
        "private key": key.strip().splitlines()[1],
        "encryption key": django_settings.HUBSYNC_ENCRYPTION_KEYS[0],
    }
    assert len(sessions) >= 4  # one session per login method at least
    secrets |= {f"session id {i}": sid for i, sid in enumerate(sorted(sessions))}
    logged = json_logs.getvalue() + "\n".join(
        f"{r.getMessage()} {r.exc_text or ''} {r.args!r}" for r in caplog.records
    )
    assert len(caplog.records) > 30  # DEBUG: every HTTP request (urllib3) and more
    for what, secret in secrets.items():
        assert secret and len(secret) >= 8, what
        assert secret not in logged, f"the {what} is in the logs"
