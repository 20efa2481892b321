"""Merges (control API): losers in the recycle bin with MasterRecordId, children moved."""

from __future__ import annotations

import time

import pytest


def test_lead_merge_sets_master_record_id(sf, emulator_control):
    master, a, b = emulator_control.load_records(
        "Lead", [{"LastName": n, "Company": "C"} for n in ("M", "A", "B")]
    )
    task = emulator_control.load_records("Task", [{"Subject": "T", "WhoId": a}])[0]
    stamp = sf.Lead.get(master)["SystemModstamp"]
    time.sleep(0.01)
    out = emulator_control.merge("Lead", master, [a, b])
    assert out["master_id"] == master and out["merged_ids"] == [a, b]
    assert out["reparented"] == {"Task.WhoId": 1}
    rows = sf.query(
        "SELECT Id, MasterRecordId FROM Lead WHERE IsDeleted = true", include_deleted=True
    )["records"]
    assert {r["Id"]: r["MasterRecordId"] for r in rows} == {a: master, b: master}
    assert sf.query("SELECT Id FROM Lead")["records"][0]["Id"] == master
    assert sf.Task.get(task)["WhoId"] == master
    assert sf.Lead.get(master)["SystemModstamp"] > stamp


def test_plain_delete_leaves_master_record_id_null(sf):
    lid = sf.Lead.create({"LastName": "X", "Company": "C"})["id"]
    sf.Lead.delete(lid)
    rows = sf.query(
        "SELECT Id, MasterRecordId FROM Lead WHERE IsDeleted = true", include_deleted=True
    )["records"]
    assert rows[0]["MasterRecordId"] is None


def test_account_merge_moves_contacts_opportunities_and_tasks(sf, emulator_control):
    master, loser = emulator_control.load_records("Account", [{"Name": "M"}, {"Name": "L"}])
    contact = emulator_control.load_records("Contact", [{"LastName": "C", "AccountId": loser}])[0]
    opp = emulator_control.load_records(
        "Opportunity",
        [{"Name": "O", "StageName": "Prospecting", "CloseDate": "2030-01-01", "AccountId": loser}],
    )[0]
    task = emulator_control.load_records("Task", [{"Subject": "T", "WhatId": loser}])[0]
    emulator_control.merge("Account", master, [loser])
    # The loser's children survive (reparented before the delete, so nothing cascades).
    assert sf.Contact.get(contact)["AccountId"] == master
    assert sf.Opportunity.get(opp)["AccountId"] == master
    assert sf.Task.get(task)["WhatId"] == master
    deleted = sf.query(
        "SELECT Id, MasterRecordId FROM Account WHERE IsDeleted = true", include_deleted=True
    )
    assert deleted["records"][0]["MasterRecordId"] == master


def test_contact_merge_moves_contact_roles(sf, emulator_control):
    master, loser = emulator_control.load_records("Contact", [{"LastName": "M"}, {"LastName": "L"}])
    opp = emulator_control.load_records(
        "Opportunity", [{"Name": "O", "StageName": "Prospecting", "CloseDate": "2030-01-01"}]
    )[0]
    role = emulator_control.load_records(
        "OpportunityContactRole", [{"OpportunityId": opp, "ContactId": loser}]
    )[0]
    emulator_control.merge("Contact", master, [loser])
    assert sf.OpportunityContactRole.get(role)["ContactId"] == master


def test_bad_merges_are_400(emulator_control):
    ids = emulator_control.load_records("Contact", [{"LastName": f"C{i}"} for i in range(4)])
    for sobject, master, merged in [
        ("Contact", ids[0], ids[1:4]),  # at most 2 losers
        ("Contact", ids[0], []),
        ("Contact", ids[0], [ids[0]]),
        ("Task", ids[0], [ids[1]]),
        ("Lead", ids[0], [ids[1]]),  # ids of another object
    ]:
        with pytest.raises(RuntimeError, match="400"):
            emulator_control.merge(sobject, master, merged)
