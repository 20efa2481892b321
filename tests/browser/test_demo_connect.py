"""Issue 26: ``make run`` with any PORT: the demo's *Connect with Salesforce* works to the end.

The emulator starts exactly as the Procfile starts it (its command line, through a shell,
with HOST and WEB_PORT of this test's live server — a port nobody chose), after
``manage.py demo_setup``; Chromium then connects through the emulator's login page and comes
back connected, instead of ending on ``redirect_uri_mismatch``.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from settings_ui.management.commands import demo_setup
from tests.browser.helpers import open_settings

pytestmark = pytest.mark.subprocess

ROOT = Path(__file__).resolve().parents[2]
DEMO_ORG = demo_setup.emulator_demo_org()


def procfile_command(name: str) -> str:
    for line in (ROOT / "Procfile").read_text().splitlines():
        if line.startswith(f"{name}:"):
            return line.split(":", 1)[1].strip()
    raise AssertionError(f"no {name} in the Procfile")


def test_the_demos_connect_with_salesforce_follows_the_port(
    page: Page, marketing_admin, live_server, settings, monkeypatch, tmp_path
):
    monkeypatch.setattr(demo_setup, "demo_seed", lambda: {})
    monkeypatch.setattr(demo_setup, "DEMO_CERTIFICATE", tmp_path / "var/demo/jwt-certificate.pem")
    settings.SALESFORCE_EMULATOR_URL = "http://127.0.0.1:9"  # stored only by demo_setup
    settings.DEBUG = True  # as `make run` runs it (demo_setup refuses production)
    call_command("demo_setup", stdout=io.StringIO())
    web = urlsplit(live_server.url)
    command = procfile_command("emulator").replace(
        ".venv/bin/salesforce-emulator", str(Path(sys.executable).parent / "salesforce-emulator")
    )
    (tmp_path / "salesforce").symlink_to(ROOT / "salesforce")  # the Procfile's relative paths
    env = {
        **os.environ,
        "HOST": web.hostname,
        "WEB_PORT": str(web.port),
        "EMULATOR_PORT": "0",
        "PUBSUB_PORT": "0",
    }
    emulator = subprocess.Popen(
        ["bash", "-c", f"exec {command}"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        for line in emulator.stdout:
            if line.startswith("SALESFORCE_EMULATOR_URL="):
                settings.SALESFORCE_EMULATOR_URL = line.strip().split("=", 1)[1]
                break
        else:
            raise AssertionError("the emulator did not start")
        open_settings(page, marketing_admin)
        section = page.locator("#section-credentials")
        section.get_by_role("radio", name="Connect with Salesforce").check()
        callback = f"{live_server.url}/integrations/salesforce/oauth/callback/"
        expect(section.locator("#callback-url")).to_contain_text(callback)
        section.get_by_label("Consumer key").fill(DEMO_ORG.consumer_key)
        section.get_by_role("button", name="Connect with Salesforce").click()
        # The emulator's login-and-approve page, not its "redirect_uri_mismatch" page.
        expect(page).to_have_url(re.compile(re.escape(settings.SALESFORCE_EMULATOR_URL)))
        page.get_by_label("Username").fill(DEMO_ORG.username)
        page.get_by_label("Password").fill(DEMO_ORG.password)
        page.get_by_role("button", name="Log In and Allow").click()
        expect(page.get_by_role("status")).to_contain_text(f"Connected as {DEMO_ORG.username}")
        expect(page.locator("#credentials-status")).to_contain_text("Valid")
    finally:
        emulator.terminate()
        emulator.wait(timeout=10)
