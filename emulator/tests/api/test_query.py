"""SOQL through sf.query / query_all: grammar, literals, relationships, errors, paging."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from simple_salesforce.exceptions import SalesforceMalformedRequest


@pytest.fixture
def people(sf):
    acct = sf.Account.create({"Name": "Acme", "Tier__c": "Gold"})["id"]
    ids = {}
    for last, first, email, account in [
        ("O'Brien", "Pat", "pat@example.com", acct),
        ("Back\\slash", "Bo", "bo@example.com", None),
        ("Under_score", "Uma", None, acct),
        ("Percent%", "Per", "per@example.org", None),
    ]:
        data = {"LastName": last, "FirstName": first, "Email": email}
        if account:
            data["AccountId"] = account
        ids[last] = sf.Contact.create(data)["id"]
    return {"account": acct, **ids}


def names(result):
    return [r["LastName"] for r in result["records"]]


def q(sf, soql):
    return sf.query(soql)


def test_string_escapes(sf, people):
    assert names(q(sf, "SELECT LastName FROM Contact WHERE LastName = 'O\\'Brien'")) == ["O'Brien"]
    assert names(q(sf, "SELECT LastName FROM Contact WHERE LastName = 'Back\\\\slash'")) == [
        "Back\\slash"
    ]


def test_like_with_wildcards_and_escapes(sf, people):
    assert names(q(sf, "SELECT LastName FROM Contact WHERE LastName LIKE 'under\\_%'")) == [
        "Under_score"
    ]
    assert names(q(sf, "SELECT LastName FROM Contact WHERE LastName LIKE '%\\%'")) == ["Percent%"]
    got = names(
        q(sf, "SELECT LastName FROM Contact WHERE Email LIKE '%@example.com' ORDER BY LastName")
    )
    assert got == ["Back\\slash", "O'Brien"]


def test_comparisons_are_case_insensitive_for_text(sf, people):
    assert names(q(sf, "select lastname from contact where EMAIL = 'PAT@EXAMPLE.COM'")) == [
        "O'Brien"
    ]


def test_in_not_in_not_and_parentheses(sf, people):
    res = q(
        sf, "SELECT LastName FROM Contact WHERE FirstName IN ('Pat', 'Bo') ORDER BY LastName ASC"
    )
    assert names(res) == ["Back\\slash", "O'Brien"]
    res = q(
        sf, "SELECT LastName FROM Contact WHERE FirstName NOT IN ('Pat', 'Bo') ORDER BY LastName"
    )
    assert names(res) == ["Percent%", "Under_score"]
    res = q(
        sf,
        "SELECT LastName FROM Contact WHERE NOT FirstName = 'Pat' AND "
        "(Email = null OR Email LIKE '%.org') ORDER BY LastName",
    )
    assert names(res) == ["Percent%", "Under_score"]
    res = q(
        sf,
        "SELECT LastName FROM Contact WHERE Email != null AND (FirstName = 'Pat' OR "
        "(FirstName = 'Per' AND LastName LIKE 'P%'))",
    )
    assert sorted(names(res)) == ["O'Brien", "Percent%"]


def test_not_equal_includes_nulls(sf, people):
    res = q(sf, "SELECT LastName FROM Contact WHERE Email != 'pat@example.com'")
    assert "Under_score" in names(res)


def test_relationship_fields_come_back_nested(sf, people):
    res = q(
        sf,
        "SELECT Id, LastName, Account.Name, Account.Tier__c, Owner.Name FROM Contact "
        "ORDER BY LastName",
    )
    by_name = {r["LastName"]: r for r in res["records"]}
    obrien = by_name["O'Brien"]
    assert obrien["Account"]["Name"] == "Acme"
    assert obrien["Account"]["Tier__c"] == "Gold"
    assert obrien["Account"]["attributes"]["type"] == "Account"
    assert by_name["Back\\slash"]["Account"] is None
    assert obrien["Owner"]["Name"]
    res = q(sf, "SELECT LastName FROM Contact WHERE Account.Name = 'acme' ORDER BY LastName")
    assert names(res) == ["O'Brien", "Under_score"]


def test_opportunity_contact_role_relationships(sf, people):
    opp = sf.Opportunity.create(
        {
            "Name": "D",
            "StageName": "Closed Won",
            "CloseDate": "2025-03-01",
            "AccountId": people["account"],
        }
    )
    sf.OpportunityContactRole.create(
        {"OpportunityId": opp["id"], "ContactId": people["O'Brien"], "IsPrimary": True}
    )
    res = q(
        sf,
        "SELECT Opportunity.StageName, Opportunity.Account.Name, Contact.Email, "
        "IsPrimary FROM OpportunityContactRole WHERE Opportunity.IsWon = true",
    )
    rec = res["records"][0]
    assert rec["Opportunity"]["StageName"] == "Closed Won"
    assert rec["Opportunity"]["Account"]["Name"] == "Acme"
    assert rec["Contact"]["Email"] == "pat@example.com"
    assert rec["IsPrimary"] is True


def test_datetimes_compare_as_instants_with_offsets(sf, people):
    created = sf.Contact.get(people["O'Brien"])["CreatedDate"]
    instant = datetime.strptime(created, "%Y-%m-%dT%H:%M:%S.%f%z")
    before = (instant - timedelta(seconds=5)).astimezone(UTC)
    plus_two = before.astimezone(__import__("datetime").timezone(timedelta(hours=2))).strftime(
        "%Y-%m-%dT%H:%M:%S+02:00"
    )
    utc_z = before.strftime("%Y-%m-%dT%H:%M:%SZ")
    for literal in (plus_two, utc_z, before.strftime("%Y-%m-%dT%H:%M:%S.000+0000")):
        res = q(sf, f"SELECT COUNT() FROM Contact WHERE CreatedDate > {literal}")
        assert res["totalSize"] == 4, literal
    later = (instant + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S-05:00")
    # 1 hour later in UTC is 6 hours later when written with -05:00... so all are before it.
    assert q(sf, f"SELECT COUNT() FROM Contact WHERE SystemModstamp < {later}")["totalSize"] == 4
    assert q(sf, "SELECT COUNT() FROM Contact WHERE CreatedDate = TODAY")["totalSize"] == 4
    assert q(sf, "SELECT COUNT() FROM Contact WHERE CreatedDate = LAST_N_DAYS:2")["totalSize"] == 4


def test_date_literals_numbers_booleans(sf):
    for i, (stage, close, amount) in enumerate(
        [
            ("Prospecting", "2025-01-15", 100),
            ("Closed Won", "2025-02-15", 2500.5),
            ("Closed Lost", "2025-03-15", None),
        ]
    ):
        data = {"Name": f"O{i}", "StageName": stage, "CloseDate": close}
        if amount is not None:
            data["Amount"] = amount
        sf.Opportunity.create(data)

    def opp_names(soql):
        return [r["Name"] for r in q(sf, soql)["records"]]

    assert opp_names(
        "SELECT Name FROM Opportunity WHERE CloseDate >= 2025-02-01 ORDER BY CloseDate"
    ) == ["O1", "O2"]
    assert opp_names(
        "SELECT Name FROM Opportunity WHERE Amount > 99.5 AND Amount <= 2500.5 ORDER BY Amount DESC"
    ) == ["O1", "O0"]
    assert opp_names("SELECT Name FROM Opportunity WHERE IsClosed = TRUE AND IsWon = false") == [
        "O2"
    ]
    assert opp_names("SELECT Name FROM Opportunity ORDER BY Amount DESC NULLS LAST") == [
        "O1",
        "O0",
        "O2",
    ]
    assert opp_names("SELECT Name FROM Opportunity ORDER BY Amount ASC NULLS LAST") == [
        "O0",
        "O1",
        "O2",
    ]
    assert opp_names("SELECT Name FROM Opportunity ORDER BY Amount") == ["O2", "O0", "O1"]
    assert opp_names("SELECT Name FROM Opportunity ORDER BY Name LIMIT 2 OFFSET 1") == ["O1", "O2"]


def test_count_and_aggregates(sf, people):
    res = q(sf, "SELECT COUNT() FROM Contact WHERE Email != null")
    assert res == {"totalSize": 3, "done": True, "records": []}
    res = q(sf, "SELECT COUNT(Id) total, MAX(LastName) FROM Contact")
    assert res["records"][0]["total"] == 4
    assert res["records"][0]["expr0"] == "Under_score"
    assert res["records"][0]["attributes"] == {"type": "AggregateResult"}


@pytest.mark.parametrize(
    "soql, code",
    [
        ("SELECT Nope FROM Contact", "INVALID_FIELD"),
        ("SELECT Id FROM Contact WHERE Nope = 1", "INVALID_FIELD"),
        ("SELECT Account.Nope FROM Contact", "INVALID_FIELD"),
        ("SELECT Acct.Name FROM Contact", "INVALID_FIELD"),
        ("SELECT Id FROM Nope", "INVALID_TYPE"),
        ("SELECT Id FROM Contact WHERE CreatedDate > 2024-01-01", "INVALID_FIELD"),
        ("SELECT Id FROM Contact WHERE CreatedDate > '2024-01-01T00:00:00Z'", "INVALID_FIELD"),
        ("SELECT Id FROM Contact WHERE LastName = 5", "INVALID_FIELD"),
        ("SELECT Id FROM Contact WHERE AccountId = 'abc'", "INVALID_QUERY_FILTER_OPERATOR"),
        (
            "SELECT Id FROM Contact WHERE a = 'x' AND LastName = 'y' OR Email = 'z'",
            "MALFORMED_QUERY",
        ),
        ("SELECT Id FROM Contact GROUP BY Id HAVING COUNT(Id) > 1", "MALFORMED_QUERY"),
        (
            "SELECT Id, (SELECT Id, (SELECT Id FROM Tasks) FROM Contacts) FROM Account",
            "MALFORMED_QUERY",
        ),
        (
            "SELECT Id FROM Contact WHERE LastName IN "
            "(SELECT ContactId FROM OpportunityContactRole)",
            "MALFORMED_QUERY",
        ),
        ("SELECT Id FROM Contact WITH SECURITY_ENFORCED", "MALFORMED_QUERY"),
        ("SELECT Id FROM Contact FOR UPDATE", "MALFORMED_QUERY"),
        ("SELECT Id FROM Contact LIMIT", "MALFORMED_QUERY"),
        ('SELECT Id FROM Contact WHERE LastName = "x"', "MALFORMED_QUERY"),
        ("SELECT Id FROM Contact WHERE LastName = 'x\\q'", "MALFORMED_QUERY"),
        ("SELECT Id FROM Contact WHERE LastName = 'unterminated", "MALFORMED_QUERY"),
        ("SELECT Id, COUNT() FROM Contact", "MALFORMED_QUERY"),
        ("SELECT Id, Id FROM Contact", "MALFORMED_QUERY"),
        ("SELECT toLabel(Status) FROM Lead", "MALFORMED_QUERY"),
        ("SELECT Id FROM Contact ORDER BY", "MALFORMED_QUERY"),
        ("SELECT Id FROM Contact OFFSET 2001", "NUMBER_OUTSIDE_VALID_RANGE"),
        ("DELETE FROM Contact", "MALFORMED_QUERY"),
        ("SELECT Who.Name FROM Task", "MALFORMED_QUERY"),
    ],
)
def test_query_errors(sf, soql, code):
    with pytest.raises(SalesforceMalformedRequest) as exc:
        sf.query(soql)
    assert exc.value.status == 400
    assert exc.value.content[0]["errorCode"] == code


def test_state_code_fields_only_exist_with_picklists(sf, emulator_control):
    with pytest.raises(SalesforceMalformedRequest) as exc:
        sf.query("SELECT MailingCountryCode FROM Contact")
    assert exc.value.content[0]["errorCode"] == "INVALID_FIELD"
    emulator_control.configure_org(state_country_picklists=True)
    assert sf.query("SELECT MailingCountryCode FROM Contact")["totalSize"] == 0


def test_fifteen_character_ids_are_accepted(sf, people):
    id15 = people["O'Brien"][:15]
    res = q(sf, f"SELECT LastName FROM Contact WHERE Id = '{id15}'")
    assert names(res) == ["O'Brien"]


class TestPaging:
    @pytest.fixture
    def many(self, emulator_control):
        emulator_control.load_records(
            "Lead", [{"LastName": f"L{i:05d}", "Company": "C"} for i in range(4500)]
        )

    @pytest.mark.slow
    def test_pages_of_2000_with_next_records_url(self, sf, many, emulator_control):
        first = sf.query("SELECT Id, LastName FROM Lead ORDER BY LastName")
        assert first["totalSize"] == 4500 and first["done"] is False
        assert len(first["records"]) == 2000
        assert first["nextRecordsUrl"].startswith("/services/data/v59.0/query/")
        second = sf.query_more(first["nextRecordsUrl"], identifier_is_url=True)
        assert len(second["records"]) == 2000 and second["done"] is False
        third = sf.query_more(second["nextRecordsUrl"], identifier_is_url=True)
        assert len(third["records"]) == 500 and third["done"] is True
        assert "nextRecordsUrl" not in third
        got = [r["LastName"] for p in (first, second, third) for r in p["records"]]
        assert got == [f"L{i:05d}" for i in range(4500)]
        # the locator id also works with query_more's non-URL form
        locator = first["nextRecordsUrl"].rsplit("/", 1)[1]
        assert sf.query_more(locator)["records"][0]["LastName"] == "L02000"

    def test_query_all_iterates_every_page_and_counts_calls(self, sf, many, emulator_control):
        emulator_control.reset_stats()
        res = sf.query_all("SELECT Id FROM Lead")
        assert res["totalSize"] == 4500
        stats = emulator_control.stats()["requests"]
        assert stats["GET /services/data/v<version>/query/"] == 1
        assert stats["GET /services/data/v<version>/query/<locator>"] == 2

    @pytest.mark.slow
    def test_batch_size_header(self, sf, many):
        res = sf.query("SELECT Id FROM Lead", headers={"Sforce-Query-Options": "batchSize=500"})
        assert len(res["records"]) == 500
        more = sf.query_more(res["nextRecordsUrl"], identifier_is_url=True)
        assert len(more["records"]) == 500

    def test_limit_smaller_than_total_pages_correctly(self, sf, many):
        res = sf.query_all("SELECT Id FROM Lead LIMIT 2100")
        assert res["totalSize"] == 2100

    def test_invalid_locator(self, sf):
        with pytest.raises(SalesforceMalformedRequest) as exc:
            sf.query_more("01gNOPE-2000")
        assert exc.value.content[0]["errorCode"] == "INVALID_QUERY_LOCATOR"
