"""simple-salesforce WITHOUT the emulator's adapter, against ``python -m salesforce_emulator
--tls``.

simple-salesforce builds every URL as ``https://...``, so a plain client needs the emulator's
optional TLS (a self-signed certificate it generates and prints) and nothing else: a plain
``requests.Session`` that trusts that certificate.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from simple_salesforce import Salesforce, SalesforceLogin

from salesforce_emulator.testing import EmulatorControl

pytestmark = pytest.mark.subprocess

USER = ("tls@hubsync.test", "tls-password", "TLSTOKEN")


@pytest.fixture(scope="module")
def tls_emulator(tmp_path_factory) -> Iterator[tuple[str, requests.Session]]:
    folder = tmp_path_factory.mktemp("tls")
    proc = subprocess.Popen(
        [sys.executable, "-m", "salesforce_emulator", "--port", "0", "--tls", "--tls-dir", folder],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        lines: dict[str, str] = {}
        while "SALESFORCE_EMULATOR_URL" not in lines:
            line = proc.stdout.readline()
            assert line, "the emulator exited before printing its URL"
            key, _, value = line.strip().partition("=")
            lines[key] = value
        cert = lines["SALESFORCE_EMULATOR_CERT"]
        assert Path(cert) == folder / "cert.pem"
        session = requests.Session()
        session.verify = cert
        # requests lets $REQUESTS_CA_BUNDLE override Session.verify: ignore the environment.
        session.trust_env = False
        yield lines["SALESFORCE_EMULATOR_URL"], session
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        if proc.stdout:
            proc.stdout.close()


def test_simple_salesforce_without_the_adapter(tls_emulator):
    url, session = tls_emulator
    assert url.startswith("https://127.0.0.1:")
    host = url.removeprefix("https://")
    control = EmulatorControl(url, session)
    control.reset()
    control.create_user(*USER)
    # simple-salesforce logs in at https://{domain}.salesforce.com/services/Soap/u/{v}: a
    # domain ending in "?" points that URL at the emulator (the rest becomes a query string).
    session_id, instance = SalesforceLogin(
        username=USER[0],
        password=USER[1],
        security_token=USER[2],
        domain=f"{host}/services/Soap/u/59.0?",
        session=session,
    )
    assert instance == host
    sf = Salesforce(instance=instance, session_id=session_id, session=session)
    created = sf.Contact.create({"LastName": "Tls", "Email": "tls@example.com"})
    sf.Contact.update(created["id"], {"Title": "Secure"})
    assert sf.Contact.get(created["id"])["Title"] == "Secure"
    assert sf.query("SELECT Title FROM Contact")["records"][0]["Title"] == "Secure"
    result = sf.bulk2.Contact.insert(records=[{"LastName": "Bulk"}], wait=0)
    assert result[0]["numberRecordsProcessed"] == 1
    assert sf.limits()["DailyApiRequests"]["Max"] == 100000
    # The same with an OAuth token and instance_url as the token response gives them.
    control.add_connected_app("TLS_KEY", "TLS_SECRET")
    token = session.post(
        f"{url}/services/oauth2/token",
        data={
            "grant_type": "password",
            "client_id": "TLS_KEY",
            "client_secret": "TLS_SECRET",
            "username": USER[0],
            "password": USER[1] + USER[2],
        },
        timeout=10,
    ).json()
    assert token["instance_url"] == url and token["id"].startswith(f"{url}/id/")
    sf2 = Salesforce(
        instance_url=token["instance_url"], session_id=token["access_token"], session=session
    )
    assert sf2.query("SELECT COUNT() FROM Contact")["totalSize"] == 2
    assert session.get(token["id"], headers={"Authorization": f"Bearer {token['access_token']}"}).ok
