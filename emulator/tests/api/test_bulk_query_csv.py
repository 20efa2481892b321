"""The CSV of Bulk API 2.0 query results: values as Salesforce writes them (booleans
``true``/``false``, null as empty, datetimes ``...000Z``) and ``maxRecords``/locator paging."""

from __future__ import annotations

import csv
import io
import re
import time

DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


def _rows(pages):
    return [r for page in pages for r in csv.DictReader(io.StringIO(page))]


def test_lead_and_contact_values(sf, emulator_control):
    emulator_control.load_records(
        "Lead",
        [
            {"LastName": "L1", "Company": "C", "HasOptedOutOfEmail": True, "Email": "l@x.com"},
            {"LastName": "L2", "Company": "C"},
        ],
    )
    emulator_control.load_records(
        "Contact", [{"LastName": "K", "DoNotCall": True, "HubSync_Id__c": "hs-9"}]
    )
    leads = _rows(
        sf.bulk2.Lead.query(
            "SELECT Id, LastName, Email, HasOptedOutOfEmail, IsConverted, ConvertedDate, "
            "NumberOfEmployees, CreatedDate, SystemModstamp FROM Lead ORDER BY LastName",
            wait=0,
        )
    )
    assert [r["HasOptedOutOfEmail"] for r in leads] == ["true", "false"]
    assert [r["IsConverted"] for r in leads] == ["false", "false"]
    assert leads[1]["Email"] == "" and leads[1]["ConvertedDate"] == ""
    assert leads[1]["NumberOfEmployees"] == ""
    assert all(DATETIME.match(r["CreatedDate"]) for r in leads)
    rest = sf.query(f"SELECT SystemModstamp FROM Lead WHERE Id = '{leads[0]['Id']}'")
    assert leads[0]["SystemModstamp"] == rest["records"][0]["SystemModstamp"][:-5] + "Z"
    contacts = _rows(
        sf.bulk2.Contact.query(
            "SELECT Id, DoNotCall, HasOptedOutOfEmail, HubSync_Id__c, Email, AccountId, "
            "LastModifiedDate FROM Contact",
            wait=0,
        )
    )
    assert contacts == [
        {
            "Id": contacts[0]["Id"],
            "DoNotCall": "true",
            "HasOptedOutOfEmail": "false",
            "HubSync_Id__c": "hs-9",
            "Email": "",
            "AccountId": "",
            "LastModifiedDate": contacts[0]["LastModifiedDate"],
        }
    ]
    assert DATETIME.match(contacts[0]["LastModifiedDate"])


def test_empty_values_are_quoted_empty_cells(sf, emulator_control):
    emulator_control.load_records("Lead", [{"LastName": "L", "Company": "C"}])
    pages = list(sf.bulk2.Lead.query("SELECT LastName, Email FROM Lead", wait=0))
    assert pages == ['"LastName","Email"\n"L",""\n']


def test_max_records_and_locator_headers(sf, emulator_control):
    emulator_control.load_records("Lead", [{"LastName": f"L{i}", "Company": "C"} for i in range(5)])
    job = sf.session.post(
        sf.bulk2_url + "query",
        headers=sf.headers,
        json={"operation": "query", "query": "SELECT LastName FROM Lead ORDER BY LastName"},
    ).json()
    url = f"{sf.bulk2_url}query/{job['id']}"
    deadline = time.monotonic() + 30  # a deadline, not a count of tries: a loaded machine
    while sf.session.get(url, headers=sf.headers).json()["state"] != "JobComplete":
        assert time.monotonic() < deadline, "the query job did not complete"
        time.sleep(0.02)
    names, locator, sizes = [], None, []
    while True:
        params = {"maxRecords": 2, **({"locator": locator} if locator else {})}
        resp = sf.session.get(f"{url}/results", headers=sf.headers, params=params)
        assert resp.status_code == 200
        page = list(csv.DictReader(io.StringIO(resp.text)))
        sizes.append(int(resp.headers["Sforce-NumberOfRecords"]))
        names += [r["LastName"] for r in page]
        locator = resp.headers["Sforce-Locator"]
        if locator == "null":
            break
    assert sizes == [2, 2, 1]
    assert names == [f"L{i}" for i in range(5)]
