"""Custom fields and objects come from the setup package's DX source (``salesforce/``)."""

from __future__ import annotations

import pytest

from salesforce_emulator.schema import OBJECTS, SETUP_PACKAGE, MetadataError
from salesforce_emulator.schema.metadata import load_setup_package, metadata_dir


def test_hubsync_id_fields_follow_the_files():
    for name in ("Lead", "Contact"):
        f = OBJECTS[name].field("HubSync_Id__c")
        assert (f.type, f.length, f.external_id, f.unique, f.custom) == (
            "string",
            80,
            True,
            True,
            True,
        )
    task = OBJECTS["Task"].field("HubSync_Id__c")  # from objects/Activity/
    assert task.external_id and not task.unique


def test_custom_object_from_the_files():
    obj = OBJECTS["HubSpot_Intelligence__c"]
    assert obj.custom and obj.package and obj.label == "HubSpot Intelligence"
    lead = obj.field("Lead__c")
    assert (lead.type, lead.reference_to, lead.relationship_name) == (
        "reference",
        ("Lead",),
        "Lead__r",
    )
    kind = obj.field("Activity_Type__c")
    assert kind.type == "picklist" and kind.restricted
    assert kind.picklist == ("Page View", "Form Submission", "Email Open", "Email Click")
    assert obj.field("Activity_Date__c").type == "datetime"
    details = obj.field("Details__c")
    assert (details.type, details.length) == ("textarea", 32768)


def test_label_value_read_from_custom_labels():
    text = (
        metadata_dir() / "force-app/main/default/labels/CustomLabels.labels-meta.xml"
    ).read_text()
    assert f"<value>{SETUP_PACKAGE.labels['HubSync_Connector_Version']}</value>" in text


def test_missing_folder_fails_loudly(tmp_path):
    with pytest.raises(MetadataError, match="setup package was not found"):
        load_setup_package(tmp_path)


def test_unknown_field_type_fails_loudly(tmp_path):
    fields = tmp_path / "force-app/main/default/objects/Lead/fields"
    fields.mkdir(parents=True)
    (fields / "X__c.field-meta.xml").write_text(
        '<CustomField xmlns="http://soap.sforce.com/2006/04/metadata">'
        "<fullName>X__c</fullName><type>Hierarchy</type></CustomField>"
    )
    with pytest.raises(MetadataError, match="not supported"):
        load_setup_package(tmp_path)
