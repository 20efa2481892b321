"""Multi-currency orgs (org setting ``multi_currency``): ``CurrencyIsoCode`` on the objects
with amounts and on people, described as a restricted picklist, defaulting to the corporate
currency."""

from __future__ import annotations

import pytest
from simple_salesforce.exceptions import SalesforceMalformedRequest

OBJECTS = ("Opportunity", "Account", "Lead", "Contact")


def fields_of(sf, obj):
    return {f["name"]: f for f in getattr(sf, obj).describe()["fields"]}


def test_off_by_default_the_field_does_not_exist(sf):
    for obj in OBJECTS:
        assert "CurrencyIsoCode" not in fields_of(sf, obj)
    with pytest.raises(SalesforceMalformedRequest) as exc:
        sf.query("SELECT Id, CurrencyIsoCode FROM Opportunity")
    assert exc.value.content[0]["errorCode"] == "INVALID_FIELD"


def test_on_every_record_has_a_currency(sf, emulator_control):
    assert emulator_control.configure_org(multi_currency=True)["multi_currency"] is True
    for obj in OBJECTS:
        field = fields_of(sf, obj)["CurrencyIsoCode"]
        assert field["type"] == "picklist" and field["restrictedPicklist"] is True
        assert {"EUR", "USD", "GBP"} <= {v["value"] for v in field["picklistValues"]}
        assert field["defaultValue"] == "USD"
    euro = sf.Opportunity.create(
        {
            "Name": "Euro deal",
            "StageName": "Prospecting",
            "CloseDate": "2026-12-31",
            "Amount": 1000,
            "CurrencyIsoCode": "EUR",
        }
    )["id"]
    dollar = sf.Opportunity.create(
        {
            "Name": "Dollar deal",
            "StageName": "Prospecting",
            "CloseDate": "2026-12-31",
            "Amount": 1000,
        }
    )["id"]
    rows = {
        r["Id"]: r["CurrencyIsoCode"]
        for r in sf.query("SELECT Id, CurrencyIsoCode FROM Opportunity")["records"]
    }
    assert rows == {euro: "EUR", dollar: "USD"}  # the corporate currency by default
    with pytest.raises(SalesforceMalformedRequest) as exc:
        sf.Opportunity.update(euro, {"CurrencyIsoCode": "XXX"})
    assert exc.value.content[0]["errorCode"] == "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"
    emulator_control.configure_org(multi_currency=False)
    assert "CurrencyIsoCode" not in fields_of(sf, "Opportunity")
