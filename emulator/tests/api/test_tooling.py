"""Tooling API query of the installed connector package."""

from __future__ import annotations

import pytest
from simple_salesforce.exceptions import SalesforceMalformedRequest

PACKAGE_QUERY = (
    "query/?q=SELECT+Id,SubscriberPackage.NamespacePrefix,SubscriberPackageVersion.Name,"
    "SubscriberPackageVersion.MajorVersion,SubscriberPackageVersion.MinorVersion,"
    "SubscriberPackageVersion.PatchVersion+FROM+InstalledSubscriberPackage"
    "+WHERE+SubscriberPackage.NamespacePrefix='hubsync'"
)


def test_not_installed_is_zero_records(sf):
    res = sf.toolingexecute(PACKAGE_QUERY)
    assert res["totalSize"] == 0 and res["records"] == []


def test_installed_version(sf, emulator_control):
    emulator_control.configure_org(connector_version="1.4.2")
    res = sf.toolingexecute(PACKAGE_QUERY)
    assert res["totalSize"] == 1
    rec = res["records"][0]
    assert rec["SubscriberPackage"]["NamespacePrefix"] == "hubsync"
    version = rec["SubscriberPackageVersion"]
    assert (version["MajorVersion"], version["MinorVersion"], version["PatchVersion"]) == (1, 4, 2)
    assert version["Name"] == "1.4.2"
    assert res["entityTypeName"] == "InstalledSubscriberPackage"


def test_tooling_query_needs_tooling_objects(sf):
    with pytest.raises(SalesforceMalformedRequest):
        sf.restful("tooling/query/", params={"q": "SELECT Id FROM Contact"})
    with pytest.raises(SalesforceMalformedRequest):
        sf.query("SELECT Id FROM InstalledSubscriberPackage")
