"""The REST resources of Salesforce's Postman collection beyond the basics: ``limits/
recordCount``, ``parameterizedSearch``, ``composite/graph``, ``composite/batch`` and
``composite/tree`` (REST API Developer Guide)."""

from __future__ import annotations

V = "/services/data/v59.0"


def test_record_count(sf, emulator_control):
    emulator_control.load_records("Account", [{"Name": f"A{i}"} for i in range(3)])
    lead = sf.Lead.create({"LastName": "L", "Company": "C"})["id"]
    sf.Lead.create({"LastName": "M", "Company": "C"})
    sf.Lead.delete(lead)
    body = sf.restful("limits/recordCount", params={"sObjects": "Account,Lead,Contact,Nope"})
    assert body == {
        "sObjects": [
            {"count": 3, "name": "Account"},
            {"count": 1, "name": "Lead"},
            {"count": 0, "name": "Contact"},
        ]
    }
    every = {o["name"]: o["count"] for o in sf.restful("limits/recordCount")["sObjects"]}
    assert every["Account"] == 3 and every["Lead"] == 1 and "Contact" not in every


def test_parameterized_search_get_and_post(sf):
    sf.Contact.create({"LastName": "Smith", "FirstName": "Ann", "Email": "ann@acme.test"})
    sf.Lead.create({"LastName": "Smith", "Company": "Acme"})
    sf.Account.create({"Name": "Smith & Sons"})
    got = sf.restful(
        "parameterizedSearch/",
        params={"q": "Smith", "sobject": "Contact", "Contact.fields": "Id,FirstName,LastName"},
    )
    (record,) = got["searchRecords"]
    assert record["attributes"]["type"] == "Contact" and record["FirstName"] == "Ann"
    posted = sf.restful(
        "parameterizedSearch/",
        method="POST",
        json={
            "q": "smith",
            "fields": ["Id", "Name"],
            "sobjects": [{"name": "Account"}, {"name": "Lead", "limit": 1}],
            "in": "NAME",
            "overallLimit": 10,
        },
    )
    assert [r["attributes"]["type"] for r in posted["searchRecords"]] == ["Account", "Lead"]
    assert posted["searchRecords"][0]["Name"] == "Smith & Sons"
    # Without objects: the default ones; a term with SOSL's reserved characters is literal.
    assert (
        len(sf.restful("parameterizedSearch/", params={"q": "ann@acme.test"})["searchRecords"]) == 1
    )
    assert sf.restful("parameterizedSearch/", params={"q": "{x}"})["searchRecords"] == []


def test_composite_graph(sf):
    def account(ref, name):
        return {
            "method": "POST",
            "url": f"{V}/sobjects/Account",
            "referenceId": ref,
            "body": {"Name": name},
        }

    body = {
        "graphs": [
            {
                "graphId": "good",
                "compositeRequest": [
                    account("acc", "Graph Co"),
                    {
                        "method": "POST",
                        "url": f"{V}/sobjects/Contact",
                        "referenceId": "con",
                        "body": {"LastName": "G", "AccountId": "@{acc.id}"},
                    },
                ],
            },
            {
                "graphId": "bad",
                "compositeRequest": [
                    account("acc2", "Rolled Back"),
                    {
                        "method": "POST",
                        "url": f"{V}/sobjects/Contact",
                        "referenceId": "con2",
                        "body": {"Email": "no-last-name@x.test"},
                    },
                ],
            },
        ]
    }
    out = sf.restful("composite/graph", method="POST", json=body)
    good, bad = out["graphs"]
    assert good["graphId"] == "good" and good["isSuccessful"] is True
    statuses = [r["httpStatusCode"] for r in good["graphResponse"]["compositeResponse"]]
    assert statuses == [201, 201]
    assert bad["isSuccessful"] is False
    first, second = bad["graphResponse"]["compositeResponse"]
    assert first["body"][0]["errorCode"] == "PROCESSING_HALTED"
    assert second["body"][0]["errorCode"] == "REQUIRED_FIELD_MISSING"
    names = {r["Name"] for r in sf.query("SELECT Name FROM Account")["records"]}
    assert names == {"Graph Co"}


def test_composite_batch(sf, emulator_control):
    account = sf.Account.create({"Name": "Batch Co"})["id"]
    used = emulator_control.org()["api_used"]
    body = {
        "batchRequests": [
            {
                "method": "PATCH",
                "url": f"v59.0/sobjects/Account/{account}",
                "richInput": {"Name": "New"},
            },
            {"method": "GET", "url": f"v59.0/sobjects/Account/{account}?fields=Name"},
            {"method": "GET", "url": "v59.0/sobjects/Account/001000000000000AAA"},
            {"method": "GET", "url": "v59.0/query/?q=SELECT+Name+FROM+Account"},
        ]
    }
    out = sf.restful("composite/batch", method="POST", json=body)
    assert out["hasErrors"] is True
    assert [r["statusCode"] for r in out["results"]] == [204, 200, 404, 200]
    assert out["results"][0]["result"] is None
    assert out["results"][1]["result"]["Name"] == "New"
    assert out["results"][3]["result"]["totalSize"] == 1
    # Each subrequest is an API call.
    assert emulator_control.org()["api_used"] == used + 4
    halted = sf.restful("composite/batch", method="POST", json={**body, "haltOnError": True})
    assert [r["statusCode"] for r in halted["results"]] == [204, 200, 404, 412]
    assert halted["results"][3]["result"][0]["errorCode"] == "BATCH_PROCESSING_HALTED"


def test_sobject_tree(sf):
    body = {
        "records": [
            {
                "attributes": {"type": "Account", "referenceId": "ref1"},
                "Name": "Tree Co",
                "Contacts": {
                    "records": [
                        {
                            "attributes": {"type": "Contact", "referenceId": "ref2"},
                            "LastName": "Leaf",
                        },
                        {
                            "attributes": {"type": "Contact", "referenceId": "ref3"},
                            "LastName": "Twig",
                        },
                    ]
                },
                "Opportunities": {
                    "records": [
                        {
                            "attributes": {"type": "Opportunity", "referenceId": "ref4"},
                            "Name": "Deal",
                            "StageName": "Prospecting",
                            "CloseDate": "2026-12-31",
                        }
                    ]
                },
            },
            {"attributes": {"type": "Account", "referenceId": "ref5"}, "Name": "Solo"},
        ]
    }
    out = sf.restful("composite/tree/Account", method="POST", json=body)
    assert out["hasErrors"] is False
    ids = {r["referenceId"]: r["id"] for r in out["results"]}
    assert set(ids) == {"ref1", "ref2", "ref3", "ref4", "ref5"}
    contacts = sf.query("SELECT LastName, AccountId FROM Contact ORDER BY LastName")["records"]
    assert [(c["LastName"], c["AccountId"]) for c in contacts] == [
        ("Leaf", ids["ref1"]),
        ("Twig", ids["ref1"]),
    ]
    # One bad record: nothing written, its errors reported.
    body["records"][0]["Contacts"]["records"][1]["Email"] = "not-an-email"
    res = sf.session.post(
        f"{sf.base_url}composite/tree/Account",
        json=body,
        headers=sf.headers,
    )
    assert res.status_code == 400
    result = res.json()
    assert result["hasErrors"] is True
    (failed,) = result["results"]
    assert failed["referenceId"] == "ref3"
    assert failed["errors"][0]["statusCode"] == "INVALID_EMAIL_ADDRESS"
    assert sf.query("SELECT COUNT() FROM Account")["totalSize"] == 2
