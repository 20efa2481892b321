"""jsforce, an independent Salesforce client, against the emulator over plain HTTP.

``clients/jsforce/check.js`` logs in by SOAP and by every OAuth flow (password, client
credentials, JWT bearer, web server + PKCE, refresh token), then queries (paging, subqueries,
semi-joins, GROUP BY), searches (SOSL), writes (CRUD, upsert, Collections, composite), runs
Bulk API 2.0 jobs and reads limits, identity, userinfo and the version list; it prints what it
saw as JSON. Needs Node.js: ``npm ci`` installs jsforce on first use (``make
test-clients-install`` does it ahead).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from salesforce_emulator.pytest_plugin import PASSWORD, SECURITY_TOKEN, USERNAME
from salesforce_emulator.testing import jwt_key_pair
from salesforce_emulator.values import normalize_id

pytestmark = pytest.mark.subprocess

PACKAGE = Path(__file__).parent / "jsforce"
CALLBACK = "http://localhost:1717/OauthRedirect"


@pytest.fixture(scope="module")
def node_package() -> Path:
    """The jsforce package, installed from its lock file when ``node_modules`` is missing."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.fail("jsforce client test needs Node.js 18+ and npm on PATH (not found)")
    if not (PACKAGE / "node_modules" / "jsforce").is_dir():
        done = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts"],
            cwd=PACKAGE,
            capture_output=True,
            text=True,
            timeout=300,
        )
        if done.returncode != 0:
            pytest.fail(f"npm ci in {PACKAGE} failed: {done.stderr.strip()[-500:]}")
    return PACKAGE


def test_jsforce_against_the_emulator(node_package, emulator, tmp_path):
    control = emulator.control
    key_pem, cert_pem = jwt_key_pair()
    control.add_connected_app(
        "JS_KEY", "JS_SECRET", USERNAME, certificate=cert_pem, callback_url=CALLBACK
    )
    control.load_records(
        "Lead",
        [
            {"LastName": f"L{i}", "Company": "Paging", "Email": f"l{i}@p.example"}
            for i in range(2100)
        ],
    )
    config = tmp_path / "config.json"
    config.write_text(
        json.dumps(
            {
                "username": USERNAME,
                "password": PASSWORD,
                "token": SECURITY_TOKEN,
                "clientId": "JS_KEY",
                "clientSecret": "JS_SECRET",
                "callbackUrl": CALLBACK,
                "jwtKey": key_pem,
            }
        )
    )
    done = subprocess.run(
        ["node", "check.js", emulator.url, str(config)],
        cwd=node_package,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    out = json.loads(done.stdout)
    url = emulator.url
    org_id = control.org()["org_id"]

    # Every login hands out URLs the client can use as they are: the emulator's own.
    for flow in ("soap", "password", "clientCredentials", "jwt"):
        assert out[flow]["instanceUrl"] == url, flow
    assert out["soap"]["orgId"] == org_id and normalize_id(org_id) == org_id
    assert out["password"]["idUrl"] == f"{url}/id/{org_id}/{out['password']['userId']}"
    assert out["clientCredentials"]["username"] == USERNAME
    assert out["jwt"]["count"] >= 1
    assert out["webServer"] == {
        "state": "js-state",
        "hasRefreshToken": True,
        "refreshedInstanceUrl": url,
        "afterRefresh": 1,
    }
    assert out["identity"]["username"] == USERNAME
    assert out["identity"]["id"] == out["password"]["idUrl"]
    assert out["identity"]["rest"] == f"{url}/services/data/v{{version}}/"
    assert out["userinfo"] == {"sub": out["password"]["idUrl"], "preferredUsername": USERNAME}
    assert "59.0" in out["versions"] and out["versions"] == sorted(out["versions"], key=float)

    crud = out["crud"]
    assert normalize_id(crud["contactId"]) == crud["contactId"]
    assert crud["title"] == "Analyst"
    assert crud["upsertCreated"] == [True, False]
    assert crud["collections"] == [True, True, True]
    assert crud["composite"] == [201, 200] and crud["compositeName"] == "Composite JS"
    assert crud["tooLong"] == ["STRING_TOO_LONG"]  # one error, not REQUIRED_FIELD_MISSING too

    soql = out["soql"]
    assert soql["totalSize"] == 2103
    assert (soql["firstPage"], soql["secondPage"], soql["done"]) == (2000, 103, True)
    assert soql["children"] == ["Lovelace"]
    assert soql["semiJoin"] == ["Acme JS"]
    assert soql["grouped"] == [["JS", 3]]
    assert soql["search"] == ["Contact"]
    assert out["malformed"] == ["MALFORMED_QUERY"]

    assert out["bulk"] == {"successful": 2, "failed": 1, "queried": ["Bulk One", "Bulk Two"]}
    limits = out["limits"]
    assert limits["DailyBulkV2QueryJobs"] == {"Max": 10000, "Remaining": 9999}
    assert limits["DailyBulkApiBatches"] == {"Max": 15000, "Remaining": 14999}
    assert limits["DailyApiRequests"]["Max"] == 100000
    assert out["deleted"] == 0
