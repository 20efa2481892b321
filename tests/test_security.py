"""Security: secrets stay secret, every form needs its CSRF token, production settings pass
``check --deploy``, and session logins are rate-limited (django-axes)."""

from __future__ import annotations

import io
import json
import logging
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse

from connector.credentials.services import integration_credentials_update
from connector.models import IntegrationSettings, SyncError, SyncRun
from connector.services.settings_io import settings_export
from connector.sync.cycle import sync_cycle_run
from salesforce_emulator.testing import jwt_key_pair
from tests.conftest import PASSWORD, SF_USERNAME
from tests.factories import ContactFactory
from tests.settings_ui.test_permissions import settings_ui_urls

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[1]
# What an admin types: never to be seen again anywhere.
SECRET_PASSWORD = "Pw-" + secrets.token_hex(8)
SECRET_TOKEN = "Tk" + secrets.token_hex(8)
SECRETS = (SECRET_PASSWORD, SECRET_TOKEN, SECRET_PASSWORD + SECRET_TOKEN)


def assert_no_secret(where: str, text: str | bytes) -> None:
    if isinstance(text, bytes):
        text = text.decode(errors="replace")
    for secret in SECRETS:
        assert secret not in text, f"a secret appears in {where}"


def test_stored_password_and_token_are_unreadable_in_the_database(integration_settings):
    integration_settings.set_password(SECRET_PASSWORD)
    integration_settings.set_security_token(SECRET_TOKEN)
    integration_settings.save()
    table = IntegrationSettings._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
        rows = cursor.fetchall()
    raw = " ".join(str(value) for row in rows for value in row)
    assert_no_secret("the settings table", raw)
    assert integration_settings.password_encrypted  # but it is stored, encrypted
    fresh = IntegrationSettings.objects.get()
    assert (fresh.get_password(), fresh.get_security_token()) == (SECRET_PASSWORD, SECRET_TOKEN)


@pytest.mark.slow
def test_secrets_never_appear_in_pages_exports_logs_or_errors(
    salesforce, admin_browser, staff, caplog
):
    caplog.set_level(logging.DEBUG)
    ContactFactory.create_batch(3)
    seen: dict[str, str | bytes] = {}
    # 1. A credentials save (Salesforce refuses them: a wrong password and token).
    response = admin_browser.post(
        reverse("settings_ui:salesforce_credentials"),
        {"username": SF_USERNAME, "password": SECRET_PASSWORD, "security_token": SECRET_TOKEN},
        follow=True,
    )
    assert response.status_code == 200
    seen["the settings page after saving"] = response.content
    settings = IntegrationSettings.objects.get()
    assert settings.get_password() != SECRET_PASSWORD  # refused: the working one stays
    seen["the page's credentials form"] = admin_browser.get(
        reverse("settings_ui:salesforce_settings")
    ).content
    # 2. A sync with the bad credentials, stored unchecked (as an import or the admin does).
    integration_credentials_update(
        integration_settings=settings,
        acting_user=None,
        password=SECRET_PASSWORD,
        security_token=SECRET_TOKEN,
    )
    run = sync_cycle_run(trigger="test")
    assert run.status == "failed"
    seen["the run"] = json.dumps(list(SyncRun.objects.values()), default=str)
    seen["the sync errors"] = json.dumps(list(SyncError.objects.values()), default=str)
    settings.refresh_from_db()
    seen["the credentials error"] = (
        f"{settings.credentials_error_code} {settings.credentials_error_message}"
    )
    # 3. A settings export, from the service and the command.
    seen["the export"] = json.dumps(settings_export(settings))
    out = io.StringIO()
    call_command("salesforce_settings", "export", stdout=out)
    seen["the export command"] = out.getvalue()
    # 4. The admin pages.
    admin = Client()
    admin.force_login(staff)
    for name, args in [
        ("admin:connector_integrationsettings_changelist", ()),
        ("admin:connector_integrationsettings_change", (settings.pk,)),
        ("admin:connector_integrationsettings_history", (settings.pk,)),
        ("admin:connector_syncrun_changelist", ()),
    ]:
        url = reverse(name, args=args)
        response = admin.get(url)
        assert response.status_code == 200, url
        seen[url] = response.content
    # 5. The contacts export.
    out = io.StringIO()
    call_command("contacts_export", stdout=out)
    seen["the contacts export"] = out.getvalue()
    # 6. Every page of the settings app.
    for url in settings_ui_urls(get_only=True):
        response = admin_browser.get(url)
        seen[url] = b"".join(response.streaming_content) if response.streaming else response.content
    for where, text in seen.items():
        assert_no_secret(where, text)
    assert caplog.records, "nothing was logged: the capture is not working"
    assert_no_secret("the logs", caplog.text)
    assert_no_secret("the log arguments", " ".join(repr(r.args) for r in caplog.records if r.args))


# -- CSRF --------------------------------------------------------------------------------


def post_urls() -> list[str]:
    return [*settings_ui_urls(post_only=True), reverse("login"), reverse("logout")]


@pytest.mark.parametrize("url", post_urls())
def test_every_form_needs_its_csrf_token(marketing_admin, integration_settings, url):
    browser = Client(enforce_csrf_checks=True)
    if url != reverse("login"):
        browser.force_login(marketing_admin)
    before = IntegrationSettings.objects.values().get()
    response = browser.post(url, {"username": "marketer", "password": PASSWORD})
    assert response.status_code == 403
    before.pop("updated_at")
    after = IntegrationSettings.objects.values().get()
    after.pop("updated_at")
    assert after == before


def test_csrf_protected_forms_work_with_their_token(marketing_admin, integration_settings):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(marketing_admin)
    page = browser.get(reverse("settings_ui:salesforce_settings"))
    token = page.cookies["csrftoken"].value
    response = browser.post(
        reverse("settings_ui:salesforce_sync_toggle"),
        {"sync_enabled": "True", "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302
    assert IntegrationSettings.objects.get().sync_enabled is True


# -- production settings -----------------------------------------------------------------


@pytest.mark.subprocess
def test_production_settings_pass_check_deploy(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "SECURE_", "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS"))
    }
    env.update(
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(64),
        HUBSYNC_ENCRYPTION_KEY=Fernet.generate_key().decode(),
        ALLOWED_HOSTS="hubsync.example.com",
        STATIC_ROOT=str(tmp_path / "static"),
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    # And what it checked is what the environment said.
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django, json; django.setup(); from django.conf import settings as s; "
            "print(json.dumps([s.DEBUG, s.ALLOWED_HOSTS, s.SESSION_COOKIE_SECURE, "
            "s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS, s.SECURE_SSL_REDIRECT]))",
        ],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "hubsync.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert probe.returncode == 0, probe.stderr
    debug, hosts, session_secure, csrf_secure, hsts, redirect = json.loads(
        probe.stdout.strip().splitlines()[-1]
    )
    assert (debug, hosts, session_secure, csrf_secure, redirect) == (
        False,
        ["hubsync.example.com"],
        True,
        True,
        True,
    )
    assert hsts >= 60 * 60 * 24 * 365


@pytest.mark.subprocess
def test_production_refuses_to_start_without_its_secrets():
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG")}
    env["DEBUG"] = "false"
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


# -- login rate limiting -----------------------------------------------------------------


def login(client: Client, username: str, password: str):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_the_sixth_wrong_password_locks_the_login_even_with_the_right_one(client, marketing_admin):
    for _ in range(4):
        response = login(client, "marketer", "wrong password")
        assert response.status_code == 200  # the form again, with its error
        assert "_auth_user_id" not in client.session
    # The 5th failure locks the login at once (and says so) ...
    assert login(client, "marketer", "wrong password").status_code == 429
    # ... and the 6th attempt is refused even with the right password.
    response = login(client, "marketer", PASSWORD)
    assert response.status_code == 429
    html = response.content.decode()
    assert 'id="lockout-message"' in html
    assert "Too many failed logins" in html
    assert "Try again in 15 minutes" in html
    assert "_auth_user_id" not in client.session
    # Another user from the same address is not locked out.
    from django.contrib.auth import get_user_model

    get_user_model().objects.create_user("other", password=PASSWORD)
    assert login(Client(), "other", PASSWORD).status_code == 302


@pytest.mark.slow
def test_a_right_password_before_the_limit_resets_the_count(client, marketing_admin):
    for _ in range(4):
        login(client, "marketer", "wrong password")
    assert login(client, "marketer", PASSWORD).status_code == 302
    client.logout()
    for _ in range(4):
        login(client, "marketer", "wrong password")
    assert login(client, "marketer", PASSWORD).status_code == 302


def test_failed_logins_are_recorded_in_the_database(client, marketing_admin):
    from axes.models import AccessAttempt

    login(client, "marketer", "wrong password")
    attempt = AccessAttempt.objects.get()
    assert (attempt.username, attempt.failures_since_start) == ("marketer", 1)


@pytest.mark.slow
def test_the_new_secrets_never_appear_anywhere(salesforce, admin_browser, staff, caplog):
    """Consumer secret, private key and refresh token: encrypted, never rendered, exported,
    logged or kept in history."""
    caplog.set_level(logging.DEBUG)
    key, certificate = jwt_key_pair()
    salesforce.control.add_connected_app("app-key", "CONSUMER-SECRET-xyz", certificate=certificate)
    settings = IntegrationSettings.objects.get()
    integration_credentials_update(
        integration_settings=settings,
        acting_user=None,
        method="jwt",
        consumer_key="app-key",
        consumer_secret="CONSUMER-SECRET-xyz",
        private_key=key,
    )
    settings.set_secret("refresh_token", "REFRESH-TOKEN-xyz")
    settings.save()
    assert sync_cycle_run(trigger="test").status == "succeeded"
    secrets = ["CONSUMER-SECRET-xyz", "REFRESH-TOKEN-xyz", key.splitlines()[1]]
    raw = json.dumps(list(IntegrationSettings.objects.values()), default=str)
    admin = Client()
    admin.force_login(staff)
    seen = {
        "the stored row": raw,
        "the page": admin_browser.get(reverse("settings_ui:salesforce_settings")).content,
        "the export": json.dumps(settings_export(settings)),
        "the history": json.dumps(list(settings.history.values()), default=str),
        "the admin": admin.get(
            reverse("admin:connector_integrationsettings_change", args=[settings.pk])
        ).content,
        "the logs": caplog.text,
    }
    for where, text in seen.items():
        text = text.decode() if isinstance(text, bytes) else text
        for secret in secrets:
            assert secret not in text, f"a secret in {where}"


@pytest.mark.slow
def test_guesses_spread_over_many_addresses_lock_the_username(client, marketing_admin, settings):
    """50 guesses from 10 addresses, then the right password from an 11th: refused. The
    per-username threshold (AXES_USERNAME_FAILURE_LIMIT) counts across addresses."""
    assert settings.AXES_USERNAME_FAILURE_LIMIT <= 50
    for address in range(10):
        guesser = Client(REMOTE_ADDR=f"203.0.113.{address + 1}")
        for _ in range(5):
            assert login(guesser, "marketer", "wrong password").status_code in (200, 429)
    response = login(Client(REMOTE_ADDR="198.51.100.7"), "marketer", PASSWORD)
    assert response.status_code == 429
    assert 'id="lockout-message"' in response.content.decode()
    # Another user is not affected; an admin unlocks the username.
    from django.contrib.auth import get_user_model

    get_user_model().objects.create_user("other", password=PASSWORD)
    assert login(Client(REMOTE_ADDR="198.51.100.7"), "other", PASSWORD).status_code == 302
    call_command("axes_reset_username", "marketer", stdout=io.StringIO())
    assert login(Client(REMOTE_ADDR="198.51.100.7"), "marketer", PASSWORD).status_code == 302


def test_fewer_failures_across_addresses_than_the_threshold_do_not_lock(
    client, marketing_admin, settings
):
    for address in range(3):
        login(Client(REMOTE_ADDR=f"203.0.113.{address + 1}"), "marketer", "wrong password")
    assert login(Client(REMOTE_ADDR="198.51.100.7"), "marketer", PASSWORD).status_code == 302


# -- Cache-Control --------------------------------------------------------------------------


@pytest.mark.slow
def test_authenticated_pages_and_exports_are_never_cached(
    admin_browser, staff, integration_settings
):
    """Every page a logged-in user gets (the settings pages, the errors CSV export, the
    admin's) says no-store: personal data stays out of shared and browser caches."""
    urls = [*settings_ui_urls(get_only=True), reverse("admin:index")]
    admin_browser.force_login(staff)
    checked = 0
    for url in urls:
        response = admin_browser.get(url)
        if response.status_code != 200:
            continue  # a redirect or a 404 without data of its own
        assert "no-store" in response.headers.get("Cache-Control", ""), url
        checked += 1
    assert checked >= 5
    export = admin_browser.get(reverse("settings_ui:sync_errors_csv"))
    assert export.status_code == 200
    assert "no-store" in export.headers["Cache-Control"]
