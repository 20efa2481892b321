"""The SOQL compiler on its own: SQL, parameters, joins and typing errors (no HTTP)."""

from __future__ import annotations

import pytest

from salesforce_emulator.schema import OBJECTS_LOWER
from salesforce_emulator.soql import SoqlError, compile_query
from salesforce_emulator.values import make_id

DATA = {k: v for k, v in OBJECTS_LOWER.items() if not v.tooling}


def compiled(soql, **kw):
    return compile_query(soql, DATA, **kw)


def test_select_with_relationship_join_and_where_params():
    c = compiled("SELECT Id, Account.Name FROM Contact WHERE Email = 'A@B.example' LIMIT 5")
    assert c.obj.name == "Contact"
    assert [col.names for col in c.columns] == [["Id"], ["Account", "Name"]]
    assert [j.names for j in c.joins] == [["Account"]]
    assert 'LEFT JOIN "Account" t1 ON t1."Id" = t0."AccountId" AND t1."IsDeleted" = 0' in (
        c.from_sql
    )
    assert 't0."IsDeleted" = 0' in c.from_where_sql
    assert '(t0."Email" = ?)' in c.from_where_sql
    assert c.params == ["A@B.example"]
    assert c.order_sql == " ORDER BY t0.rowid ASC"
    assert c.limit == 5


def test_query_all_keeps_deleted_rows():
    assert '"IsDeleted" = 0' not in compiled("SELECT Id FROM Lead", include_deleted=True).from_sql
    assert "WHERE" not in compiled("SELECT Id FROM Lead", include_deleted=True).from_where_sql


def test_in_list_with_null_and_not_in():
    c = compiled("SELECT Id FROM Lead WHERE Email IN ('a@x.io', null)")
    assert '(t0."Email" IN (?) OR t0."Email" IS NULL)' in c.from_where_sql
    c = compiled("SELECT Id FROM Lead WHERE Email NOT IN ('a@x.io')")
    assert '(t0."Email" IS NULL OR t0."Email" NOT IN (?))' in c.from_where_sql


def test_ids_are_normalised_and_booleans_are_integers():
    account_id = make_id("001", 7)
    c = compiled(
        f"SELECT Id FROM Contact WHERE AccountId = '{account_id[:15]}' AND DoNotCall = true"
    )
    assert c.params == [account_id, 1]


def test_order_by_nulls_and_aggregates():
    c = compiled("SELECT Id FROM Lead ORDER BY LastName DESC, Email")
    assert c.order_sql == (
        ' ORDER BY t0."LastName" DESC NULLS LAST, t0."Email" ASC NULLS FIRST, t0.rowid ASC'
    )
    c = compiled("SELECT COUNT(Id), SUM(Amount) total FROM Opportunity")
    assert [(label, sql) for label, sql, _ in c.aggregates] == [
        ("expr0", 'count(t0."Id")'),
        ("total", 'sum(t0."Amount")'),
    ]


@pytest.mark.parametrize(
    ("soql", "code", "message"),
    [
        ("SELECT Id FROM Nope", "INVALID_TYPE", "sObject type 'Nope' is not supported"),
        ("SELECT Nope FROM Lead", "INVALID_FIELD", "No such column 'Nope' on entity 'Lead'"),
        ("SELECT Id FROM Lead WHERE NumberOfEmployees = '5'", "INVALID_FIELD", "type number"),
        ("SELECT Id FROM Lead WHERE LastName = 5", "INVALID_FIELD", "type string"),
        ("SELECT Who.Name FROM Task", "MALFORMED_QUERY", "polymorphic"),
        ("SELECT Id FROM Lead WHERE NumberOfEmployees LIKE '5'", "INVALID_FIELD", "LIKE"),
        ("SELECT Id FROM Lead ORDER BY Description", "INVALID_FIELD", "can not be sorted"),
        ("SELECT Id, MAX(Amount) FROM Opportunity", "MALFORMED_QUERY", "must be grouped"),
        ("SELECT Id FROM Lead OFFSET 2001", "NUMBER_OUTSIDE_VALID_RANGE", "offset"),
    ],
)
def test_errors(soql, code, message):
    with pytest.raises(SoqlError, match=message) as exc:
        compiled(soql)
    assert exc.value.error_code == code


def test_state_codes_exist_only_with_picklists():
    with pytest.raises(SoqlError, match="No such column 'StateCode'"):
        compiled("SELECT StateCode FROM Lead")
    assert compiled("SELECT StateCode FROM Lead", picklists_on=True).columns[0].names == [
        "StateCode"
    ]
