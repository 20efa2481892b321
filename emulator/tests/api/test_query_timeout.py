"""Unselective REST queries on large objects fail QUERY_TIMEOUT (org setting
query_timeout_rows); selective ones, COUNT() and Bulk API 2.0 query jobs run."""

from __future__ import annotations

import pytest
from simple_salesforce.exceptions import SalesforceMalformedRequest

TIMEOUT = [
    {
        "errorCode": "QUERY_TIMEOUT",
        "message": "Your query request was running for too long.",
        "fields": [],
    }
]


@pytest.fixture
def big_org(emulator_control):
    account = emulator_control.load_records("Account", [{"Name": "A"}])[0]
    emulator_control.load_records(
        "Contact",
        [
            {"LastName": f"C{i}", "Email": f"c{i}@example.com", "AccountId": account}
            for i in range(6)
        ],
    )
    emulator_control.configure_org(query_timeout_rows=5)
    return account


UNSELECTIVE = [
    "SELECT Id FROM Contact WHERE IsDeleted = true",
    "SELECT Id FROM Contact WHERE LastName = 'C1'",
    "SELECT Id FROM Contact WHERE Email != 'c1@example.com'",
    "SELECT Id FROM Contact WHERE Email LIKE 'c1%'",
    "SELECT Id FROM Contact WHERE Id NOT IN ('003Hs0000000001IAA')",
    "SELECT Id FROM Contact WHERE NOT Email = 'c1@example.com'",
    "SELECT Id FROM Contact WHERE Email = null",
    "SELECT Id FROM Contact WHERE Email = 'c1@example.com' OR LastName = 'C2'",
    "SELECT Id FROM Contact WHERE Account.Name = 'A'",
    "SELECT Id FROM Contact WHERE IsDeleted = false",
    "SELECT COUNT() FROM Contact WHERE LastName = 'C1'",
]
SELECTIVE = [
    "SELECT Id FROM Contact WHERE Email = 'c1@example.com'",
    "SELECT Id FROM Contact WHERE LastName = 'C1' AND SystemModstamp > 2020-01-01T00:00:00Z",
    "SELECT Id FROM Contact WHERE Id IN ('003Hs0000000001IAA')",
    "SELECT Id FROM Contact WHERE Name = 'C1'",
    "SELECT Id FROM Contact WHERE CreatedDate >= LAST_N_DAYS:1",
    "SELECT Id FROM Contact WHERE HubSync_Id__c = 'x'",
    "SELECT Id FROM Contact WHERE (LastName = 'C1' OR LastName = 'C2') AND OwnerId != null "
    "AND LastModifiedDate < 2099-01-01T00:00:00Z",
    "SELECT Id FROM Contact WHERE Email = 'c1@example.com' OR Id = '003Hs0000000002IAA'",
    "SELECT COUNT() FROM Contact",
    "SELECT Id FROM Contact ORDER BY SystemModstamp, Id",  # a full read, page by page
]


@pytest.mark.parametrize("soql", UNSELECTIVE)
def test_unselective_queries_time_out(sf, big_org, soql):
    with pytest.raises(SalesforceMalformedRequest) as exc:
        sf.query(soql)
    assert exc.value.content == TIMEOUT


@pytest.mark.parametrize("soql", SELECTIVE)
def test_selective_queries_run(sf, big_org, soql):
    assert sf.query(soql)["done"] is True


def test_reference_fields_are_indexed(sf, big_org):
    assert sf.query(f"SELECT Id FROM Contact WHERE AccountId = '{big_org}'")["totalSize"] == 6


def test_small_objects_and_default_off(sf, emulator_control, big_org):
    assert sf.query("SELECT Id FROM Account")["totalSize"] == 1  # 1 row <= 5
    emulator_control.configure_org(query_timeout_rows=None)
    assert sf.query("SELECT Id FROM Contact")["totalSize"] == 6


def test_query_all_counts_deleted_rows(sf, emulator_control):
    ids = emulator_control.load_records("Lead", [{"LastName": "L", "Company": "C"}] * 3)
    for rid in ids[:2]:
        sf.Lead.delete(rid)
    emulator_control.configure_org(query_timeout_rows=2)
    assert sf.query("SELECT Id FROM Lead")["totalSize"] == 1  # 1 live row
    for soql in (
        "SELECT Id FROM Lead WHERE LastName = 'L'",
        "SELECT Id FROM Lead WHERE IsDeleted = true",
    ):
        with pytest.raises(SalesforceMalformedRequest) as exc:
            sf.query(soql, include_deleted=True)
        assert exc.value.content == TIMEOUT


def test_composite_queries_time_out_too(sf, big_org):
    out = sf.restful(
        "composite",
        method="POST",
        json={
            "compositeRequest": [
                {
                    "method": "GET",
                    "url": f"/services/data/v{sf.sf_version}/query/"
                    "?q=SELECT+Id+FROM+Contact+WHERE+LastName+=+'C1'",
                    "referenceId": "q",
                }
            ]
        },
    )
    sub = out["compositeResponse"][0]
    assert sub["httpStatusCode"] == 400 and sub["body"] == TIMEOUT


def test_bulk_query_jobs_are_never_refused(sf, big_org):
    pages = list(sf.bulk2.Contact.query("SELECT Id FROM Contact", wait=0))
    assert len(pages[0].strip().splitlines()) == 7  # header + 6 rows


def test_setting_is_validated(emulator_control):
    with pytest.raises(RuntimeError, match="400"):
        emulator_control.configure_org(query_timeout_rows="5")
