"""hubsync's setup in the org (salesforce/, deployed as source or installed as a package)
against the version in this repository.

Both ways of deploying carry the custom label ``HubSync_Connector_Version``; the
Tooling API reads it as an ExternalString (one call).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from functools import cache
from pathlib import Path

from django.utils import timezone

from .client import SalesforceClient
from .models import IntegrationSettings

SETUP_SOURCE = Path(__file__).resolve().parent.parent / "salesforce"
VERSION_LABEL = "HubSync_Connector_Version"
LABELS_FILE = SETUP_SOURCE / "force-app/main/default/labels/CustomLabels.labels-meta.xml"
METADATA_NS = {"md": "http://soap.sforce.com/2006/04/metadata"}
VERSION_QUERY = f"SELECT Value, NamespacePrefix FROM ExternalString WHERE Name = '{VERSION_LABEL}'"
# Shown with an outdated or missing setup: the setup check says how to deploy it.
UPGRADE_URL = "#section-setup-check"


@cache
def repository_version() -> str:
    """The version of the setup source in this repository (its version label)."""
    root = ET.parse(LABELS_FILE).getroot()
    for label in root.findall("md:labels", METADATA_NS):
        if label.findtext("md:fullName", namespaces=METADATA_NS) == VERSION_LABEL:
            return (label.findtext("md:value", namespaces=METADATA_NS) or "").strip()
    raise LookupError(f"{LABELS_FILE} has no {VERSION_LABEL} label")


LATEST_CONNECTOR_VERSION = repository_version()


def version_tuple(version: str) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in version.split("."))
    except ValueError:
        return ()


def connector_version_status(installed: str) -> str:
    """``not_installed``, ``up_to_date`` or ``outdated``."""
    if not installed:
        return "not_installed"
    if version_tuple(installed) >= version_tuple(LATEST_CONNECTOR_VERSION):
        return "up_to_date"
    return "outdated"


def connector_version_refresh(
    *, client: SalesforceClient, integration_settings: IntegrationSettings
) -> str:
    """Read the deployed version with the Tooling API (one call) and store it."""
    result = client.tooling_query(VERSION_QUERY)
    installed = ""
    if result.get("records"):
        installed = (result["records"][0].get("Value") or "").strip()
    IntegrationSettings.objects.filter(pk=integration_settings.pk).update(
        installed_connector_version=installed, connector_version_checked_at=timezone.now()
    )
    integration_settings.installed_connector_version = installed
    return installed
