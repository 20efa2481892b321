"""``metadata_deployed``: without the setup package, its fields and objects do not
exist; the Tooling API's ExternalString carries the deployed version label."""

from __future__ import annotations

import pytest
from simple_salesforce.exceptions import SalesforceMalformedRequest, SalesforceResourceNotFound

from salesforce_emulator.schema import SETUP_PACKAGE

VERSION_QUERY = (
    "query/?q=SELECT+Value,NamespacePrefix+FROM+ExternalString"
    "+WHERE+Name='HubSync_Connector_Version'"
)


@pytest.fixture
def undeployed(emulator_control):
    emulator_control.configure_org(metadata_deployed=False)


def test_deployed_version_label(sf, emulator_control):
    res = sf.toolingexecute(VERSION_QUERY)
    assert res["totalSize"] == 1
    assert res["records"][0]["Value"] == SETUP_PACKAGE.labels["HubSync_Connector_Version"]
    assert res["records"][0]["NamespacePrefix"] is None
    emulator_control.configure_org(connector_version="1.2.0")  # an old install
    assert sf.toolingexecute(VERSION_QUERY)["records"][0]["Value"] == "1.2.0"


def test_not_deployed_describe_and_global_describe(sf, undeployed):
    names = [f["name"] for f in sf.Lead.describe()["fields"]]
    assert "HubSync_Id__c" not in names and "Email" in names
    assert "HubSync_Id__c" not in [f["name"] for f in sf.Task.describe()["fields"]]
    objects = [o["name"] for o in sf.describe()["sobjects"]]
    assert "HubSpot_Intelligence__c" not in objects and "Lead" in objects
    with pytest.raises(SalesforceResourceNotFound):
        sf.HubSpot_Intelligence__c.describe()
    assert sf.toolingexecute(VERSION_QUERY)["totalSize"] == 0


def test_not_deployed_queries_fail(sf, undeployed):
    with pytest.raises(SalesforceMalformedRequest) as exc:
        sf.query("SELECT Id, HubSync_Id__c FROM Lead")
    assert exc.value.content[0]["errorCode"] == "INVALID_FIELD"
    assert "No such column 'HubSync_Id__c' on entity 'Lead'" in exc.value.content[0]["message"]
    with pytest.raises(SalesforceMalformedRequest) as exc:
        sf.query("SELECT Id FROM HubSpot_Intelligence__c")
    assert exc.value.content[0]["errorCode"] == "INVALID_TYPE"


def test_not_deployed_writes_fail(sf, undeployed):
    with pytest.raises(SalesforceResourceNotFound) as exc:
        sf.Lead.upsert("HubSync_Id__c/contact-1", {"LastName": "L", "Company": "C"})
    assert exc.value.content[0]["errorCode"] == "NOT_FOUND"
    with pytest.raises(SalesforceMalformedRequest) as exc:
        sf.Lead.create({"LastName": "L", "Company": "C", "HubSync_Id__c": "contact-1"})
    assert exc.value.content[0]["errorCode"] == "INVALID_FIELD"
    res = sf.restful(
        "composite/sobjects",
        method="POST",
        json={
            "records": [
                {"attributes": {"type": "HubSpot_Intelligence__c"}, "Name": "x"},
                {"attributes": {"type": "Task"}, "Subject": "s", "HubSync_Id__c": "task-1"},
            ]
        },
    )
    assert [r["errors"][0]["statusCode"] for r in res] == ["INVALID_TYPE", "INVALID_FIELD"]
    with pytest.raises(SalesforceMalformedRequest) as exc:
        sf.restful(
            "composite/sobjects/Lead/HubSync_Id__c",
            method="PATCH",
            json={"records": [{"attributes": {"type": "Lead"}, "HubSync_Id__c": "c-1"}]},
        )
    assert exc.value.content[0]["errorCode"] == "INVALID_FIELD"


def test_deploying_brings_the_fields_back(sf, emulator_control, undeployed):
    emulator_control.configure_org(metadata_deployed=True)
    res = sf.Lead.upsert("HubSync_Id__c/contact-1", {"LastName": "L", "Company": "C"})
    assert res == 201
    emulator_control.reset()
    assert emulator_control.org()["metadata_deployed"] is True
