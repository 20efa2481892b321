"""connector.transport: the session simple-salesforce gets. The emulator's adapter itself is
tested with the emulator (emulator/tests/clients/test_adapter.py)."""

from __future__ import annotations

import subprocess
import sys

import pytest
import requests

from connector.transport import CALL_OPTIONS, salesforce_session
from salesforce_emulator.client import EmulatorAdapter


def test_no_rewrite_when_url_unset():
    for url in (None, ""):
        session = salesforce_session(url)
        assert not isinstance(session.get_adapter("https://login.salesforce.com"), EmulatorAdapter)
        assert session.headers["Sforce-Call-Options"] == CALL_OPTIONS["Sforce-Call-Options"]


def test_session_with_url_uses_the_emulators_adapter():
    session = salesforce_session("http://127.0.0.1:9")
    assert isinstance(session, requests.Session)
    assert isinstance(session.get_adapter("https://x.salesforce.com"), EmulatorAdapter)
    assert session.headers["Sforce-Call-Options"] == CALL_OPTIONS["Sforce-Call-Options"]


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)


@pytest.mark.subprocess
def test_transport_imports_neither_django_nor_the_emulator():
    done = _run(
        "import sys, connector.transport as t; t.salesforce_session(None); "
        "bad = [m for m in sys.modules if m.split('.')[0] in ('django', 'salesforce_emulator')]; "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.subprocess
def test_an_emulator_url_without_the_emulator_installed_says_what_to_install():
    """A production install (no emulator) with SALESFORCE_EMULATOR_URL set: one clear error."""
    done = _run(
        "import sys; sys.modules['salesforce_emulator'] = None\n"
        "import connector.transport as t\n"
        "try:\n"
        "    t.salesforce_session('http://127.0.0.1:9')\n"
        "except t.EmulatorNotInstalled as exc:\n"
        "    print(exc); sys.exit(0)\n"
        "sys.exit(1)"
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "pip install '.[demo]'" in done.stdout
