"""A client with nothing but HTTP (``requests``, as curl would): logins hand back URLs in the
scheme and host the request came in on, the documented OAuth signature, identity, userinfo,
the version list, 18-character ids, one error per problem and the Bulk allocations."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

import pytest
import requests

from salesforce_emulator.pytest_plugin import PASSWORD, SECURITY_TOKEN, USERNAME
from salesforce_emulator.values import normalize_id

SOAP_LOGIN = f"""<?xml version="1.0" encoding="utf-8"?>
<env:Envelope xmlns:env="http://schemas.xmlsoap.org/soap/envelope/"><env:Body>
<n1:login xmlns:n1="urn:partner.soap.sforce.com"><n1:username>{USERNAME}</n1:username>
<n1:password>{PASSWORD}{SECURITY_TOKEN}</n1:password></n1:login></env:Body></env:Envelope>"""


def _token(url: str, **headers: str) -> dict:
    res = requests.post(
        f"{url}/services/oauth2/token",
        data={
            "grant_type": "password",
            "client_id": "KEY",
            "client_secret": "SECRET",
            "username": USERNAME,
            "password": PASSWORD + SECURITY_TOKEN,
        },
        headers=headers,
        timeout=10,
    )
    assert res.status_code == 200, res.text
    return res.json()


def test_urls_come_back_in_the_request_scheme_and_host(emulator):
    emulator.control.add_connected_app("KEY", "SECRET")
    url = emulator.url
    localhost = url.replace("127.0.0.1", "localhost")
    soap = requests.post(
        f"{localhost}/services/Soap/u/59.0",
        data=SOAP_LOGIN,
        headers={"SOAPAction": "login", "Content-Type": "text/xml"},
        timeout=10,
    )
    assert f"<serverUrl>{localhost}/services/Soap/u/59.0/" in soap.text
    token = _token(url)
    assert token["instance_url"] == url
    assert token["id"].startswith(f"{url}/id/")
    # The connector's adapter sends the host it meant: https:// to that host, as before.
    adapted = _token(url, **{"X-Salesforce-Host": "login.salesforce.com"})
    assert adapted["instance_url"] == f"https://{url.split('://', 1)[1]}"
    assert adapted["id"].startswith("https://login.salesforce.com/id/")


def test_signature_identity_userinfo_and_versions(emulator):
    emulator.control.add_connected_app("KEY", "SECRET")
    url = emulator.url
    token = _token(url)
    expected = hmac.new(b"SECRET", (token["id"] + token["issued_at"]).encode(), hashlib.sha256)
    assert token["signature"] == base64.b64encode(expected.digest()).decode()
    auth = {"Authorization": f"Bearer {token['access_token']}"}
    identity = requests.get(token["id"], headers=auth, timeout=10).json()
    assert identity["username"] == USERNAME and identity["id"] == token["id"]
    org_id, user_id = token["id"].rsplit("/", 2)[1:]
    assert normalize_id(org_id) == org_id == identity["organization_id"]
    assert normalize_id(user_id) == user_id
    info = requests.get(f"{url}/services/oauth2/userinfo", headers=auth, timeout=10)
    assert info.json()["sub"] == token["id"]
    assert info.json()["preferred_username"] == USERNAME
    bad = requests.get(f"{url}/services/oauth2/userinfo", headers={"Authorization": "Bearer x"})
    assert (bad.status_code, bad.text) == (403, "Bad_OAuth_Token")
    versions = requests.get(f"{url}/services/data/", timeout=10).json()
    served = [v["version"] for v in versions]
    assert served[0] == "20.0" and "59.0" in served and served[-1] == "68.0"
    assert {"label": "Winter '24", "url": "/services/data/v59.0", "version": "59.0"} in versions
    for v in ("31.0", "64.0"):
        assert requests.get(f"{url}/services/data/v{v}/limits/", headers=auth).status_code == 200
    missing = requests.get(f"{url}/services/data/v99.0/limits/", headers=auth, timeout=10)
    assert missing.status_code == 404 and missing.json()[0]["errorCode"] == "NOT_FOUND"
    resources = requests.get(f"{url}/services/data/v59.0/", headers=auth, timeout=10).json()
    assert resources["identity"] == token["id"] and resources["search"].endswith("/search")


def test_one_error_per_problem_and_ids(emulator):
    emulator.control.add_connected_app("KEY", "SECRET")
    url = emulator.url
    auth = {"Authorization": f"Bearer {_token(url)['access_token']}"}
    v = f"{url}/services/data/v59.0"
    res = requests.post(f"{v}/sobjects/Contact/", json={"LastName": "x" * 81}, headers=auth)
    assert [e["errorCode"] for e in res.json()] == ["STRING_TOO_LONG"]
    res = requests.post(f"{v}/sobjects/Contact/", json={"LastName": None}, headers=auth)
    assert [e["errorCode"] for e in res.json()] == ["REQUIRED_FIELD_MISSING"]
    res = requests.post(f"{v}/sobjects/Lead/", json={"LastName": "x" * 81}, headers=auth)
    assert sorted(e["errorCode"] for e in res.json()) == [
        "REQUIRED_FIELD_MISSING",  # Company, the other problem
        "STRING_TOO_LONG",
    ]
    emulator.control.load_records(
        "Lead", [{"LastName": f"L{i}", "Company": "C"} for i in range(201)]
    )
    page = requests.get(
        f"{v}/query/",
        params={"q": "SELECT Id FROM Lead"},
        headers={**auth, "Sforce-Query-Options": "batchSize=200"},
        timeout=10,
    ).json()
    cursor = page["nextRecordsUrl"].rsplit("/", 1)[1].split("-")[0]
    assert normalize_id(cursor) == cursor
    assert all(normalize_id(r["Id"]) == r["Id"] for r in page["records"])
    job = requests.post(
        f"{v}/jobs/query/",
        json={"operation": "query", "query": "SELECT Id FROM Lead"},
        headers=auth,
    ).json()
    assert normalize_id(job["id"]) == job["id"]


@pytest.mark.slow
def test_bulk_allocations_count_query_jobs_and_ingest_batches(emulator):
    emulator.control.add_connected_app("KEY", "SECRET")
    url = emulator.url
    auth = {"Authorization": f"Bearer {_token(url)['access_token']}"}
    v = f"{url}/services/data/v59.0"

    def limits() -> tuple[int, int]:
        body = requests.get(f"{v}/limits/", headers=auth, timeout=10).json()
        return body["DailyBulkV2QueryJobs"]["Remaining"], body["DailyBulkApiBatches"]["Remaining"]

    assert limits() == (10000, 15000)
    ingest = requests.post(
        f"{v}/jobs/ingest/", json={"object": "Lead", "operation": "insert"}, headers=auth
    ).json()
    rows = "LastName,Company\n" + "".join(f"L{i},C\n" for i in range(10_001))
    requests.put(
        f"{v}/jobs/ingest/{ingest['id']}/batches/",
        data=rows,
        headers={**auth, "Content-Type": "text/csv"},
        timeout=30,
    )
    requests.patch(
        f"{v}/jobs/ingest/{ingest['id']}/", json={"state": "UploadComplete"}, headers=auth
    )
    query = requests.post(
        f"{v}/jobs/query/",
        json={"operation": "query", "query": "SELECT Id FROM Lead"},
        headers=auth,
    ).json()
    deadline = time.monotonic() + 30
    while limits()[1] == 15000 and time.monotonic() < deadline:
        time.sleep(0.05)
    # A deleted job still used its allocation; the ingest job's 10,001 rows are 2 batches.
    requests.delete(f"{v}/jobs/query/{query['id']}/", headers=auth, timeout=10)
    assert limits() == (9999, 14998)
