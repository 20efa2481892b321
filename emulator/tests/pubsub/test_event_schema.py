"""Change event schemas typed and tagged as Salesforce's: ``doc`` tags per field type,
``ForeignKey:EntityId`` lookups, ``CreatedDate:DateTime``, dates as ``long`` epoch
milliseconds of their midnight UTC (``Data:DateOnly``), custom fields with their field id,
compound records ``PersonName`` and ``Address`` (the second address field names the first's
record). Compared with schemas captured from real orgs (see the emulator README)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from pubsub_api import pb2


def _schema(pubsub, entity):
    topic = pubsub.stub.GetTopic(
        pb2.TopicRequest(topic_name=f"/data/{entity}ChangeEvent"), metadata=pubsub.metadata
    )
    return pubsub.schema(topic.schema_id)


def _docs(schema):
    return {f["name"]: f.get("doc") for f in schema["fields"]}


def test_doc_tags_and_types_as_salesforce_sends_them(pubsub):
    opportunity = _schema(pubsub, "Opportunity")
    docs = _docs(opportunity)
    assert docs["ChangeEventHeader"] == "Data:ComplexValueType"
    assert docs["AccountId"] == docs["OwnerId"] == docs["CreatedById"] == "ForeignKey:EntityId"
    assert docs["CreatedDate"] == "CreatedDate:DateTime"
    assert docs["LastModifiedDate"] == "Data:DateTime"
    assert docs["CloseDate"] == "Data:DateOnly"
    assert docs["Amount"] == "Data:Currency" and docs["Probability"] == "Data:Percent"
    assert docs["StageName"] == "Data:DynamicEnum" and docs["Name"] == "Data:Text"
    assert docs["IsClosed"] == "Data:Boolean" and docs["Description"] == "Data:StringPlusClob"
    types = {f["name"]: f["type"] for f in opportunity["fields"][1:]}
    assert types["CloseDate"] == ["null", "long"] and types["CreatedDate"] == ["null", "long"]
    assert all(f["default"] is None for f in opportunity["fields"][1:])
    assert "namespace" not in opportunity["fields"][0]["type"]

    lead = _docs(_schema(pubsub, "Lead"))
    assert lead["Email"] == "Data:Email" and lead["Phone"] == "Data:Phone"
    assert lead["Website"] == "Data:Url" and lead["NumberOfEmployees"] == "Data:Integer"
    assert lead["Name"] == "Data:PersonName" and lead["Address"] == "Data:Address"
    # A custom field: its type and its 15-character field id.
    assert re.fullmatch(r"Data:Text:00N[0-9A-Za-z]{12}", lead["HubSync_Id__c"])


def test_compound_records_are_defined_once(pubsub):
    contact = _schema(pubsub, "Contact")
    types = {f["name"]: f["type"] for f in contact["fields"][1:]}
    name = types["Name"][1]
    assert name["type"] == "record" and name["name"] == "PersonName"
    assert [f["name"] for f in name["fields"]] == ["Salutation", "FirstName", "LastName"]
    other, mailing = types["OtherAddress"][1], types["MailingAddress"][1]
    assert other["name"] == "Address" and mailing == "Address"
    assert [f["name"] for f in other["fields"]] == [
        "Street",
        "City",
        "State",
        "PostalCode",
        "Country",
        "Latitude",
        "Longitude",
        "GeocodeAccuracy",
    ]
    assert {f["name"]: f["type"][1] for f in other["fields"]}["Latitude"] == "double"
    assert all("doc" not in f for f in other["fields"])


def test_dates_are_epoch_milliseconds_of_midnight_utc(pubsub, sf):
    sf.Opportunity.create({"Name": "Deal", "StageName": "Prospecting", "CloseDate": "2026-12-31"})
    sub = pubsub.subscribe("/data/OpportunityChangeEvent", preset=pb2.EARLIEST)
    (event,) = (pubsub.decode(e) for e in sub.events(1))
    midnight = datetime(2026, 12, 31, tzinfo=UTC)
    assert event["CloseDate"] == int(midnight.timestamp() * 1000)
    created = datetime.fromtimestamp(event["CreatedDate"] / 1000, tz=UTC)
    assert abs((datetime.now(UTC) - created).total_seconds()) < 60


def test_address_components_in_events(pubsub, sf):
    contact = sf.Contact.create(
        {"LastName": "Ng", "Salutation": "Dr.", "MailingCity": "Lyon", "MailingLatitude": 45.76}
    )["id"]
    sf.Contact.update(contact, {"MailingCity": "Paris", "OtherStreet": "1 Rue", "Salutation": None})
    sub = pubsub.subscribe("/data/ContactChangeEvent", preset=pb2.EARLIEST)
    created, updated = (pubsub.decode(e) for e in sub.events(2))
    assert created["Name"] == {"Salutation": "Dr.", "FirstName": None, "LastName": "Ng"}
    assert created["MailingAddress"]["City"] == "Lyon"
    assert created["MailingAddress"]["Latitude"] == 45.76
    assert created["OtherAddress"] is None
    assert sorted(updated["_changed"]) == [
        "LastModifiedDate",
        "MailingAddress.City",
        "Name.Salutation",
        "OtherAddress.Street",
    ]
    assert updated["_nulled"] == ["Name.Salutation"]
    assert updated["MailingAddress"]["City"] == "Paris"
    assert updated["OtherAddress"]["Street"] == "1 Rue"
    # Derived fields are no event fields.
    names = {
        f["name"] for f in pubsub.schema(sub.responses[-1].events[0].event.schema_id)["fields"]
    }
    assert not names & {"PhotoUrl", "LastActivityDate", "IsEmailBounced", "LastViewedDate"}
