"""SOQL beyond one object: parent-to-child subqueries, semi-joins and GROUP BY."""

from __future__ import annotations

import pytest
from simple_salesforce.exceptions import SalesforceMalformedRequest


@pytest.fixture
def org(sf):
    acme = sf.Account.create({"Name": "Acme"})["id"]
    empty = sf.Account.create({"Name": "Empty"})["id"]
    ids = [
        sf.Contact.create(
            {
                "LastName": name,
                "AccountId": acme,
                "LeadSource": source,
                "Email": f"{name}@a.example",
            }
        )["id"]
        for name, source in (("Ada", "Web"), ("Bob", "Web"), ("Cy", "Phone Inquiry"))
    ]
    opp = sf.Opportunity.create(
        {"Name": "Deal", "AccountId": acme, "StageName": "Prospecting", "CloseDate": "2030-01-01"}
    )["id"]
    sf.OpportunityContactRole.create({"OpportunityId": opp, "ContactId": ids[0], "Role": "Other"})
    return {"acme": acme, "empty": empty, "contacts": ids, "opp": opp}


def test_parent_to_child_subqueries(sf, org):
    res = sf.query(
        "SELECT Name, (SELECT LastName FROM Contacts WHERE LastName != 'Bob' "
        "ORDER BY LastName DESC LIMIT 5) FROM Account ORDER BY Name"
    )
    acme, empty = res["records"]
    assert [c["LastName"] for c in acme["Contacts"]["records"]] == ["Cy", "Ada"]
    assert acme["Contacts"]["totalSize"] == 2 and acme["Contacts"]["done"] is True
    assert acme["Contacts"]["records"][0]["attributes"]["type"] == "Contact"
    assert empty["Contacts"] is None  # no children: null, as in Salesforce
    res = sf.query(
        "SELECT Name, (SELECT ContactId, Contact.LastName, Role FROM OpportunityContactRoles) "
        "FROM Opportunity"
    )
    roles = res["records"][0]["OpportunityContactRoles"]["records"]
    assert [(r["Contact"]["LastName"], r["Role"]) for r in roles] == [("Ada", "Other")]
    limited = sf.query("SELECT Id, (SELECT Id FROM Contacts LIMIT 1) FROM Account")
    assert [a["Contacts"] and a["Contacts"]["totalSize"] for a in limited["records"]] == [1, None]


def test_semi_joins(sf, org):
    res = sf.query("SELECT Name FROM Account WHERE Id IN (SELECT AccountId FROM Contact)")
    assert [r["Name"] for r in res["records"]] == ["Acme"]
    res = sf.query("SELECT Name FROM Account WHERE Id NOT IN (SELECT AccountId FROM Contact)")
    assert [r["Name"] for r in res["records"]] == ["Empty"]
    res = sf.query(
        "SELECT LastName FROM Contact WHERE Id IN (SELECT ContactId FROM OpportunityContactRole "
        "WHERE Role = 'Other') AND LastName != 'Zed'"
    )
    assert [r["LastName"] for r in res["records"]] == ["Ada"]


def test_group_by_with_aggregates(sf, org):
    res = sf.query(
        "SELECT LeadSource, COUNT(Id) n, MAX(LastName) FROM Contact GROUP BY LeadSource "
        "ORDER BY COUNT(Id) DESC"
    )
    assert res["totalSize"] == 2
    assert [(r["LeadSource"], r["n"], r["expr0"]) for r in res["records"]] == [
        ("Web", 2, "Bob"),
        ("Phone Inquiry", 1, "Cy"),
    ]
    assert res["records"][0]["attributes"] == {"type": "AggregateResult"}
    res = sf.query("SELECT Account.Name, COUNT(Id) FROM Contact GROUP BY Account.Name")
    assert [(r["Name"], r["expr0"]) for r in res["records"]] == [("Acme", 3)]
    res = sf.query("SELECT LeadSource FROM Contact GROUP BY LeadSource ORDER BY LeadSource")
    assert [r["LeadSource"] for r in res["records"]] == ["Phone Inquiry", "Web"]


@pytest.mark.parametrize(
    ("soql", "code"),
    [
        ("SELECT LastName, COUNT(Id) FROM Contact GROUP BY LeadSource", "MALFORMED_QUERY"),
        ("SELECT Id FROM Contact GROUP BY Description", "INVALID_FIELD"),
        ("SELECT LeadSource FROM Contact GROUP BY LeadSource ORDER BY LastName", "MALFORMED_QUERY"),
        ("SELECT SUM(LastName) FROM Contact", "MALFORMED_QUERY"),
        ("SELECT Id, (SELECT Id FROM Nothings) FROM Account", "INVALID_TYPE"),
        ("SELECT Id, (SELECT COUNT() FROM Contacts) FROM Account", "MALFORMED_QUERY"),
        ("SELECT Id FROM Account WHERE Name IN (SELECT AccountId FROM Contact)", "MALFORMED_QUERY"),
        ("SELECT Id FROM Account WHERE Id IN (SELECT LastName FROM Contact)", "MALFORMED_QUERY"),
        (
            "SELECT Id FROM Account WHERE Name = 'x' OR Id IN (SELECT AccountId FROM Contact)",
            "MALFORMED_QUERY",
        ),
        (
            "SELECT Id FROM Account WHERE Id IN (SELECT AccountId FROM Contact "
            "WHERE Id IN (SELECT ContactId FROM OpportunityContactRole))",
            "MALFORMED_QUERY",
        ),
        (
            "SELECT Id FROM Account WHERE Id IN (SELECT AccountId FROM Contact LIMIT 1)",
            "MALFORMED_QUERY",
        ),
    ],
)
def test_what_it_does_not_understand_is_an_error(sf, org, soql, code):
    with pytest.raises(SalesforceMalformedRequest) as exc:
        sf.query(soql)
    assert exc.value.content[0]["errorCode"] == code


def test_bulk_query_refuses_subqueries_and_aggregates(sf, org):
    for soql in (
        "SELECT Id, (SELECT Id FROM Contacts) FROM Account",
        "SELECT LeadSource, COUNT(Id) FROM Contact GROUP BY LeadSource",
    ):
        with pytest.raises(SalesforceMalformedRequest):
            sf.restful("jobs/query", method="POST", json={"operation": "query", "query": soql})
