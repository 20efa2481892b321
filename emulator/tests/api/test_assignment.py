"""The org's Lead assignment rule: REST writes run it unless Sforce-Auto-Assign is FALSE."""

from __future__ import annotations

import pytest

NO_ASSIGN = {"Sforce-Auto-Assign": "FALSE"}


def leads(n, **extra):
    return [
        {"attributes": {"type": "Lead"}, "LastName": f"L{i}", "Company": "Acme", **extra}
        for i in range(n)
    ]


def owners(emulator_control):
    return {row["OwnerId"] for row in emulator_control.records("Lead")}


def rule_owner(emulator_control):
    user = emulator_control.create_user("queue@acme.example", "pw-queue", "TOKQ")
    emulator_control.configure_org(lead_assignment_rule_owner="queue@acme.example")
    return user["id"]


def test_without_a_rule_the_owner_is_the_writer(sf, emulator_control):
    sf.restful("composite/sobjects", method="POST", json={"records": leads(2)})
    assert len(owners(emulator_control)) == 1


def test_collections_create_and_update_run_the_rule_unless_told_not_to(sf, emulator_control):
    queue = rule_owner(emulator_control)
    sf.restful("composite/sobjects", method="POST", json={"records": leads(2)}, headers=NO_ASSIGN)
    assert queue not in owners(emulator_control)
    created = sf.restful("composite/sobjects", method="POST", json={"records": leads(1)})
    assert emulator_control.records("Lead")[-1]["OwnerId"] == queue
    first = emulator_control.records("Lead")[0]["Id"]
    update = [{"attributes": {"type": "Lead"}, "Id": first, "Title": "T"}]
    sf.restful("composite/sobjects", method="PATCH", json={"records": update}, headers=NO_ASSIGN)
    assert emulator_control.records("Lead")[0]["OwnerId"] != queue
    sf.restful("composite/sobjects", method="PATCH", json={"records": update})
    assert emulator_control.records("Lead")[0]["OwnerId"] == queue
    assert created[0]["success"]


def test_sobject_rows_and_upserts_run_it_too(sf, emulator_control):
    queue = rule_owner(emulator_control)
    sf.Lead.create({"LastName": "Row", "Company": "Acme"})
    assert emulator_control.records("Lead")[-1]["OwnerId"] == queue
    sf.Lead.upsert("HubSync_Id__c/77", {"LastName": "Up", "Company": "Acme"}, headers=NO_ASSIGN)
    assert emulator_control.records("Lead")[-1]["OwnerId"] != queue


@pytest.mark.slow
def test_bulk_api_2_never_assigns(sf, emulator_control):
    queue = rule_owner(emulator_control)
    sf.bulk2.Lead.insert(records=[{"LastName": "B", "Company": "Acme"}], wait=1)
    assert queue not in owners(emulator_control)
