"""Every way the emulator stores a change publishes its change events (and a rolled-back
write publishes none)."""

from __future__ import annotations

from pubsub_api import pb2

ALL = "/data/ChangeEvents"


def _headers(pubsub):
    """The headers of every retained change event, oldest first."""
    events = pubsub.subscribe(ALL, preset=pb2.EARLIEST).drain()
    return [pubsub.decode(e)["ChangeEventHeader"] for e in events]


def _kinds(headers):
    return [(h["entityName"], h["changeType"]) for h in headers]


def test_collections_and_upsert(pubsub, sf):
    records = [{"attributes": {"type": "Contact"}, "LastName": f"C{i}"} for i in range(3)]
    results = sf.restful("composite/sobjects", method="POST", json={"records": records})
    ids = [r["id"] for r in results]
    headers = _headers(pubsub)
    assert _kinds(headers) == [("Contact", "CREATE")] * 3
    assert [h["recordIds"] for h in headers] == [[i] for i in ids]
    # One request, one transaction: one key, numbered in order.
    assert len({h["transactionKey"] for h in headers}) == 1
    assert [h["sequenceNumber"] for h in headers] == [1, 2, 3]

    sf.Contact.upsert("HubSync_Id__c/h-1", {"LastName": "U"})
    sf.Contact.upsert("HubSync_Id__c/h-1", {"LastName": "U2"})
    assert _kinds(_headers(pubsub)[3:]) == [("Contact", "CREATE"), ("Contact", "UPDATE")]


def test_all_or_none_rollback_publishes_nothing(pubsub, sf):
    records = [
        {"attributes": {"type": "Contact"}, "LastName": "Ok"},
        {"attributes": {"type": "Contact"}, "Email": "missing-last-name@x.test"},
    ]
    results = sf.restful(
        "composite/sobjects", method="POST", json={"allOrNone": True, "records": records}
    )
    assert not any(r["success"] for r in results)
    sf.Contact.create({"LastName": "After"})
    (header,) = _headers(pubsub)
    assert header["changeType"] == "CREATE"


def test_composite_and_bulk_ingest(pubsub, sf):
    body = {
        "compositeRequest": [
            {
                "method": "POST",
                "url": "/services/data/v59.0/sobjects/Account",
                "referenceId": "acc",
                "body": {"Name": "Acme"},
            },
            {
                "method": "POST",
                "url": "/services/data/v59.0/sobjects/Opportunity",
                "referenceId": "opp",
                "body": {
                    "Name": "Deal",
                    "StageName": "Prospecting",
                    "CloseDate": "2026-12-31",
                    "AccountId": "@{acc.id}",
                },
            },
        ]
    }
    sf.restful("composite", method="POST", json=body)
    sf.bulk2.Lead.insert(
        records=[{"LastName": f"B{i}", "Company": "Bulk"} for i in range(2)], wait=0
    )
    headers = _headers(pubsub)
    assert _kinds(headers) == [
        ("Account", "CREATE"),
        ("Opportunity", "CREATE"),
        ("Lead", "CREATE"),
        ("Lead", "CREATE"),
    ]
    assert headers[2]["changeOrigin"].startswith("com/salesforce/api/bulkapi/")


def test_merge_convert_and_control_loading(pubsub, sf, emulator_control):
    a, b = emulator_control.load_records(
        "Lead", [{"LastName": "A", "Company": "X"}, {"LastName": "B", "Company": "X"}]
    )
    emulator_control.merge("Lead", a, [b])
    converted = emulator_control.convert_lead(a)
    events = [pubsub.decode(e) for e in pubsub.subscribe(ALL, preset=pb2.EARLIEST).drain()]
    kinds = _kinds(e["ChangeEventHeader"] for e in events)
    # Two loads; the merge: the loser deleted, the master touched; the conversion: an
    # Account and a Contact created, the Lead updated.
    assert kinds[:2] == [("Lead", "CREATE"), ("Lead", "CREATE")]
    assert sorted(kinds[2:4]) == [("Lead", "DELETE"), ("Lead", "UPDATE")]
    deleted = [e for e in events if e["ChangeEventHeader"]["changeType"] == "DELETE"]
    assert [e["ChangeEventHeader"]["recordIds"] for e in deleted] == [[b]]
    assert sorted(kinds[4:]) == [("Account", "CREATE"), ("Contact", "CREATE"), ("Lead", "UPDATE")]
    (lead,) = [e for e in events[4:] if e["ChangeEventHeader"]["entityName"] == "Lead"]
    assert lead["ChangeEventHeader"]["recordIds"] == [converted["lead_id"]]
    assert "IsConverted" in lead["_changed"] and lead["IsConverted"] is True


def test_cascade_delete_publishes_each_record(pubsub, sf):
    account = sf.Account.create({"Name": "Parent"})["id"]
    contact = sf.Contact.create({"LastName": "Kid", "AccountId": account})["id"]
    sf.Account.delete(account)
    headers = _headers(pubsub)
    deletes = {h["recordIds"][0] for h in headers if h["changeType"] == "DELETE"}
    assert deletes == {account, contact}


def test_custom_field_is_in_a_new_schema(pubsub, sf, emulator_control):
    first = sf.Lead.create({"LastName": "Before", "Company": "X"})["id"]
    old = pubsub.subscribe("/data/LeadChangeEvent", preset=pb2.EARLIEST).events(1)[0]
    emulator_control.add_field("Lead", "Region__c")
    sf.Lead.update(first, {"Region__c": "EMEA"})
    events = pubsub.subscribe("/data/LeadChangeEvent", preset=pb2.EARLIEST).events(2)
    assert events[0].event.schema_id == old.event.schema_id  # kept as first delivered
    assert events[1].event.schema_id != old.event.schema_id
    update = pubsub.decode(events[1])
    assert update["Region__c"] == "EMEA" and "Region__c" in update["_changed"]
    assert pubsub.decode(events[0])["ChangeEventHeader"]["changeType"] == "CREATE"


def test_undelete(pubsub, sf, emulator_control):
    lead_id = sf.Lead.create({"LastName": "Back", "Company": "X"})["id"]
    sf.Lead.delete(lead_id)
    (result,) = emulator_control.undelete([lead_id])
    assert result["success"]
    (again,) = emulator_control.undelete([lead_id])
    assert again["errors"][0]["statusCode"] == "UNDELETE_FAILED"
    events = [pubsub.decode(e) for e in pubsub.subscribe(ALL, preset=pb2.EARLIEST).drain()]
    kinds = [e["ChangeEventHeader"]["changeType"] for e in events]
    assert kinds == ["CREATE", "DELETE", "UNDELETE"]
    assert events[2]["Company"] == "X" and events[2]["_changed"] == []
    assert sf.Lead.get(lead_id)["IsDeleted"] is False


def test_change_origin_names_the_api_and_the_client(pubsub, sf, emulator_control):
    """``changeOrigin`` as Salesforce writes it: ``com/salesforce/api/<api>/<version>`` plus
    ``;client=<id>`` from the request's ``Sforce-Call-Options`` header, on every write path;
    the control API (the UI, automation) leaves it empty."""
    version = sf.sf_version
    sf.Lead.create({"LastName": "Anonymous", "Company": "X"})
    sf.session.headers["Sforce-Call-Options"] = "client=tester, defaultNamespace=x"
    sf.Lead.create({"LastName": "Rest", "Company": "X"})
    records = [{"attributes": {"type": "Lead"}, "LastName": "Coll", "Company": "X"}]
    sf.restful("composite/sobjects", method="POST", json={"records": records})
    composite = {
        "compositeRequest": [
            {
                "method": "POST",
                "url": f"/services/data/v{version}/sobjects/Lead",
                "referenceId": "l",
                "body": {"LastName": "Comp", "Company": "X"},
            }
        ]
    }
    sf.restful("composite", method="POST", json=composite)
    sf.bulk2.Lead.insert(records=[{"LastName": "Bulk", "Company": "X"}], wait=0)
    emulator_control.load_records("Lead", [{"LastName": "Ui", "Company": "X"}])
    rest = f"com/salesforce/api/rest/{version}"
    assert [h["changeOrigin"] for h in _headers(pubsub)] == [
        rest,
        f"{rest};client=tester",
        f"{rest};client=tester",
        f"{rest};client=tester",
        f"com/salesforce/api/bulkapi/{version};client=tester",
        "",
    ]


def test_an_org_can_leave_the_client_id_out_of_composite_and_collections(
    pubsub, sf, emulator_control
):
    emulator_control.configure_org(client_id_on_composite=False)
    sf.session.headers["Sforce-Call-Options"] = "client=tester"
    records = [{"attributes": {"type": "Lead"}, "LastName": "Coll", "Company": "X"}]
    sf.restful("composite/sobjects", method="POST", json={"records": records})
    lead = sf.Lead.create({"LastName": "Rest", "Company": "X"})["id"]
    sf.restful(
        "composite",
        method="POST",
        json={
            "compositeRequest": [
                {
                    "method": "PATCH",
                    "url": f"/services/data/v{sf.sf_version}/sobjects/Lead/{lead}",
                    "referenceId": "u",
                    "body": {"LastName": "Comp"},
                }
            ]
        },
    )
    rest = f"com/salesforce/api/rest/{sf.sf_version}"
    assert [h["changeOrigin"] for h in _headers(pubsub)] == [rest, f"{rest};client=tester", rest]
