"""Compound address fields and the standard fields of a new Enterprise org (Object Reference:
Account, Contact, Lead, "Address Compound Fields"): in describe, REST records, SOQL and
Bulk API 2.0 (which refuses them, as Salesforce's does)."""

from __future__ import annotations

import pytest
from simple_salesforce.exceptions import SalesforceMalformedRequest

ADDRESS_PARTS = ("Street", "City", "State", "PostalCode", "Country")
GEO_PARTS = ("Latitude", "Longitude", "GeocodeAccuracy")
#: Standard fields of a new Enterprise Edition org that the emulator has (Object Reference,
#: API 59.0), besides the system fields; lookups to objects it lacks are left out.
STANDARD = {
    "Lead": {
        "Salutation", "FirstName", "LastName", "Name", "Title", "Company", "Phone",
        "MobilePhone", "Fax", "Email", "Website", "PhotoUrl", "Description", "LeadSource",
        "Status", "Industry", "Rating", "AnnualRevenue", "NumberOfEmployees", "OwnerId",
        "HasOptedOutOfEmail", "HasOptedOutOfFax", "DoNotCall", "IsConverted", "ConvertedDate",
        "ConvertedAccountId", "ConvertedContactId", "ConvertedOpportunityId", "IsUnreadByOwner",
        "LastActivityDate", "LastViewedDate", "LastReferencedDate", "LastTransferDate",
        "Jigsaw", "JigsawContactId", "CleanStatus", "CompanyDunsNumber", "EmailBouncedReason",
        "EmailBouncedDate", "MasterRecordId", "Address",
        *ADDRESS_PARTS, *GEO_PARTS,
    },
    "Contact": {
        "AccountId", "Salutation", "FirstName", "LastName", "Name", "Phone", "Fax",
        "MobilePhone", "HomePhone", "OtherPhone", "AssistantPhone", "ReportsToId", "Email",
        "Title", "Department", "AssistantName", "LeadSource", "Birthdate", "Description",
        "OwnerId", "HasOptedOutOfEmail", "HasOptedOutOfFax", "DoNotCall", "LastActivityDate",
        "LastCURequestDate", "LastCUUpdateDate", "LastViewedDate", "LastReferencedDate",
        "EmailBouncedReason", "EmailBouncedDate", "IsEmailBounced", "PhotoUrl", "Jigsaw",
        "JigsawContactId", "CleanStatus", "MasterRecordId", "MailingAddress", "OtherAddress",
        *(f"{p}{c}" for p in ("Mailing", "Other") for c in ADDRESS_PARTS + GEO_PARTS),
    },
    "Account": {
        "Name", "Type", "ParentId", "Phone", "Fax", "AccountNumber", "Website", "PhotoUrl",
        "Sic", "Industry", "AnnualRevenue", "NumberOfEmployees", "Ownership", "TickerSymbol",
        "Description", "Rating", "Site", "OwnerId", "LastActivityDate", "LastViewedDate",
        "LastReferencedDate", "Jigsaw", "JigsawCompanyId", "CleanStatus", "AccountSource",
        "DunsNumber", "Tradestyle", "NaicsCode", "NaicsDesc", "YearStarted", "SicDesc",
        "MasterRecordId", "BillingAddress", "ShippingAddress",
        *(f"{p}{c}" for p in ("Billing", "Shipping") for c in ADDRESS_PARTS + GEO_PARTS),
    },
}  # fmt: skip


@pytest.mark.parametrize("sobject", sorted(STANDARD))
def test_describe_has_the_standard_fields(sf, sobject):
    fields = {f["name"]: f for f in getattr(sf, sobject).describe()["fields"]}
    assert STANDARD[sobject] <= set(fields)
    compound = (
        "Address"
        if sobject == "Lead"
        else f"{'Billing' if sobject == 'Account' else 'Mailing'}Address"
    )
    described = fields[compound]
    assert described["type"] == "address" and described["soapType"] == "urn:address"
    assert not described["createable"] and not described["updateable"]
    assert described["nillable"] and not described["sortable"] and not described["groupable"]
    assert described["compoundFieldName"] is None
    prefix = compound.removesuffix("Address")
    for part in ADDRESS_PARTS + GEO_PARTS:
        assert fields[f"{prefix}{part}"]["compoundFieldName"] == compound
    assert fields[f"{prefix}Latitude"]["type"] == "double"
    assert fields[f"{prefix}Latitude"]["scale"] == 15
    assert fields[f"{prefix}GeocodeAccuracy"]["restrictedPicklist"]
    if sobject != "Account":
        assert fields["FirstName"]["compoundFieldName"] == "Name"
        assert fields["Salutation"]["compoundFieldName"] == "Name"
        assert fields["Name"]["type"] == "string"


def test_address_in_records_and_soql(sf):
    account = sf.Account.create(
        {
            "Name": "Acme",
            "BillingStreet": "415 Mission Street",
            "BillingCity": "San Francisco",
            "BillingState": "CA",
            "BillingPostalCode": "94105",
            "BillingCountry": "United States",
            "BillingLatitude": 37.7897,
        }
    )["id"]
    expected = {
        "city": "San Francisco",
        "country": "United States",
        "geocodeAccuracy": None,
        "latitude": 37.7897,
        "longitude": None,
        "postalCode": "94105",
        "state": "CA",
        "street": "415 Mission Street",
    }
    record = sf.Account.get(account)
    assert record["BillingAddress"] == expected and record["ShippingAddress"] is None
    (row,) = sf.query("SELECT BillingAddress, ShippingAddress FROM Account")["records"]
    assert row["BillingAddress"] == expected and row["ShippingAddress"] is None
    contact = sf.Contact.create({"LastName": "Ng", "AccountId": account, "OtherCity": "Oslo"})
    (row,) = sf.query("SELECT Account.BillingAddress, OtherAddress, MailingAddress FROM Contact")[
        "records"
    ]
    assert row["Account"]["BillingAddress"]["city"] == "San Francisco"
    assert row["OtherAddress"]["city"] == "Oslo" and row["MailingAddress"] is None
    lead = sf.Lead.create({"LastName": "L", "Company": "C", "Country": "France"})["id"]
    assert sf.Lead.get(lead)["Address"]["country"] == "France"
    # Compound fields are read-only, not sortable, not groupable.
    with pytest.raises(SalesforceMalformedRequest) as exc:
        sf.Contact.update(contact["id"], {"MailingAddress": {"city": "Paris"}})
    assert exc.value.content[0]["errorCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"
    for soql in (
        "SELECT Id FROM Account ORDER BY BillingAddress",
        "SELECT BillingAddress, COUNT(Id) FROM Account GROUP BY BillingAddress",
    ):
        with pytest.raises(SalesforceMalformedRequest) as exc:
            sf.query(soql)
        assert exc.value.content[0]["errorCode"] == "INVALID_FIELD"


def test_state_and_country_codes_in_the_address(sf, emulator_control):
    emulator_control.configure_org(state_country_picklists=True)
    account = sf.Account.create(
        {"Name": "A", "ShippingCountryCode": "US", "ShippingStateCode": "CA"}
    )["id"]
    address = sf.Account.get(account)["ShippingAddress"]
    assert address["countryCode"] == "US" and address["stateCode"] == "CA"
    assert address["country"] == "United States" and address["state"] == "California"


def test_bulk_query_refuses_compound_fields(sf, emulator):
    res = emulator.session().post(
        f"https://{sf.sf_instance}/services/data/v59.0/jobs/query",
        json={"operation": "query", "query": "SELECT Id, BillingAddress FROM Account"},
        headers={"Authorization": f"Bearer {sf.session_id}"},
        timeout=10,
    )
    assert res.status_code == 400
    (error,) = res.json()
    assert error["errorCode"] == "FUNCTIONALITY_NOT_ENABLED"
    assert error["message"] == "Selecting compound data not supported in Bulk Query"
    # Its components are fine.
    sf.Account.create({"Name": "A", "BillingCity": "Oslo"})
    rows = sf.bulk2.Account.query("SELECT BillingCity FROM Account", wait=0)
    assert "Oslo" in "".join(rows)
