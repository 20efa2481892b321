"""`manage.py demo_setup` with the emulator: the demo org, set up through the services."""

from __future__ import annotations

import io
import subprocess
import sys

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.core.management import call_command

from connector.credentials.services import (
    integration_connection_test,
    integration_credentials_save,
)
from connector.models import AuthMethod
from connector.sync.cycle import sync_cycle_run
from settings_ui.management.commands import demo_setup

DEMO_ORG = demo_setup.emulator_demo_org()

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _development(settings):
    """demo_setup is for development (DEBUG on); tests/settings_ui/test_one_write_path.py
    shows it refused with DEBUG off."""
    settings.DEBUG = True


def test_the_demo_org_is_configured_like_a_save_on_the_page(
    settings, integration_settings, monkeypatch, django_capture_on_commit_callbacks, tmp_path
):
    # The marketing data has tests of its own (tests/marketing/test_demo.py).
    monkeypatch.setattr(demo_setup, "demo_seed", lambda: {})
    monkeypatch.setattr(demo_setup, "DEMO_CERTIFICATE", tmp_path / "demo" / "cert.pem")
    settings.SALESFORCE_EMULATOR_URL = "http://127.0.0.1:9"  # stored only, never called here
    with django_capture_on_commit_callbacks() as callbacks:
        call_command("demo_setup", stdout=io.StringIO())
    integration_settings.refresh_from_db()
    assert integration_settings.username == DEMO_ORG.username
    # Connected the way an org created today must: JWT bearer, no password anywhere.
    assert integration_settings.auth_method == AuthMethod.JWT
    assert integration_settings.get_password() == ""
    assert integration_settings.consumer_key == DEMO_ORG.consumer_key
    key = serialization.load_pem_private_key(
        integration_settings.get_secret("private_key").encode(), password=None
    )
    certificate = x509.load_pem_x509_certificate((tmp_path / "demo" / "cert.pem").read_bytes())
    assert certificate.public_key().public_numbers() == key.public_key().public_numbers()
    assert integration_settings.crm_enabled is True
    assert integration_settings.sync_enabled is True
    assert integration_settings.history.first().history_user.username == demo_setup.DEMO_USERNAME
    assert len(callbacks) == 1  # one first cycle, queued by turning the sync on


@pytest.mark.subprocess
def test_make_runs_demo_connects_by_jwt_to_an_org_without_soap_login(
    settings, integration_settings, monkeypatch, tmp_path
):
    """demo_setup, then the Procfile's emulator command: the demo syncs with JWT bearer."""
    monkeypatch.setattr(demo_setup, "demo_seed", lambda: {})
    certificate = tmp_path / "demo" / "cert.pem"
    monkeypatch.setattr(demo_setup, "DEMO_CERTIFICATE", certificate)
    settings.SALESFORCE_EMULATOR_URL = "http://127.0.0.1:9"
    call_command("demo_setup", stdout=io.StringIO())
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "salesforce_emulator",
            "--config",
            str(demo_setup.EMULATOR_CONFIG),
            "--port",
            "0",
            "--seed",
            "demo",
            "--demo-certificate",
            str(certificate),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        lines = []
        for line in process.stdout:
            lines.append(line)
            if line.startswith("SALESFORCE_EMULATOR_URL="):
                break
        assert "SOAP login is off" in "".join(lines)
        settings.SALESFORCE_EMULATOR_URL = line.strip().split("=", 1)[1]
        run = sync_cycle_run(trigger="test")
        assert run.status == "succeeded", run.reason
        assert run.counts["pull_created"] > 0  # the demo org's Leads came in
        integration_settings.refresh_from_db()
        # Issue 26: the credentials were stored without the page, yet after the first cycle
        # the setup check has run (not "Not run yet" next to valid credentials).
        assert integration_settings.credentials_status == "valid"
        checks = integration_settings.setup_check["checks"]
        assert checks and integration_settings.setup_check["ok"] is True, checks
        assert integration_settings.setup_checked_at is not None
        tested = integration_connection_test(
            integration_settings=integration_settings
        )  # JWT works; the legacy method is refused by this org
        assert tested[0] is True, tested
        outcome = integration_credentials_save(
            integration_settings=integration_settings,
            acting_user=None,
            method="password",
            password=DEMO_ORG.password,
            security_token=DEMO_ORG.security_token,
        )
        assert not outcome.saved and outcome.code == "INVALID_OPERATION"
    finally:
        process.terminate()
        process.wait(timeout=10)
