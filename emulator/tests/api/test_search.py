"""SOSL: ``search/?q=FIND {...} IN ... FIELDS RETURNING ...``."""

from __future__ import annotations

import pytest
from simple_salesforce.exceptions import SalesforceMalformedRequest


@pytest.fixture
def people(sf):
    sf.Lead.create({"LastName": "Lee", "Company": "Acme", "Email": "ann@acme.example"})
    sf.Lead.create({"LastName": "Other", "Company": "Beta", "Email": "bob@beta.example"})
    sf.Contact.create({"LastName": "Ann", "Email": "ann@acme.example", "Phone": "555 0100"})
    sf.Contact.create({"LastName": "Lee", "Email": "lee@elsewhere.example"})


def types(res):
    return [r["attributes"]["type"] for r in res["searchRecords"]]


def test_find_in_email_fields_returning_leads_and_contacts(sf, people):
    res = sf.search(
        "FIND {ann@acme.example} IN EMAIL FIELDS RETURNING Lead(Id, Email, LastName), "
        "Contact(Id, Email)"
    )
    assert types(res) == ["Lead", "Contact"]
    lead = res["searchRecords"][0]
    assert (lead["Email"], lead["LastName"]) == ("ann@acme.example", "Lee")
    assert lead["attributes"]["url"].endswith(lead["Id"])
    # Email words match; a name is not an email field.
    assert types(sf.search("FIND {acme.example} IN EMAIL FIELDS RETURNING Lead, Contact")) == [
        "Lead",
        "Contact",
    ]
    assert sf.search("FIND {Lee} IN EMAIL FIELDS RETURNING Lead")["searchRecords"] == []


def test_scopes_wildcards_operators_and_clauses(sf, people):
    assert types(sf.search("FIND {Lee} IN NAME FIELDS RETURNING Lead, Contact")) == [
        "Lead",
        "Contact",
    ]
    assert types(sf.search("FIND {555*} IN PHONE FIELDS RETURNING Contact(Phone)")) == ["Contact"]
    assert types(sf.search("FIND {an*} RETURNING Contact(LastName)")) == ["Contact"]
    assert types(sf.search("FIND {bob OR ann} IN EMAIL FIELDS RETURNING Lead")) == ["Lead", "Lead"]
    assert types(sf.search("FIND {lee AND NOT acme} RETURNING Lead, Contact")) == ["Contact"]
    res = sf.search(
        "FIND {Lee} RETURNING Lead(Company WHERE Company = 'Acme'), Contact(Id LIMIT 0)"
    )
    assert [r["Company"] for r in res["searchRecords"]] == ["Acme"]
    assert len(sf.search("FIND {Lee} RETURNING Lead, Contact LIMIT 1")["searchRecords"]) == 1
    assert sorted(types(sf.search("FIND {Lee}"))) == ["Contact", "Lead"]


@pytest.mark.parametrize(
    ("sosl", "code"),
    [
        ("FIND {a}", "MALFORMED_SEARCH"),
        ("FIND {ann} IN SIDEBAR FIELDS", "MALFORMED_SEARCH"),
        ("FIND {ann} RETURNING Lead(Id) WITH NETWORK = 'x'", "MALFORMED_SEARCH"),
        ("FIND {(ann OR bob)}", "MALFORMED_SEARCH"),
        ("SELECT Id FROM Lead", "MALFORMED_SEARCH"),
        ("FIND {ann} RETURNING Nope", "INVALID_TYPE"),
        ("FIND {ann} RETURNING Lead(Nope)", "INVALID_FIELD"),
    ],
)
def test_what_it_does_not_understand_is_an_error(sf, people, sosl, code):
    with pytest.raises(SalesforceMalformedRequest) as exc:
        sf.search(sosl)
    assert exc.value.content[0]["errorCode"] == code
