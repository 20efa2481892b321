"""The hubsync connector package installed in the org, against the newest one hubsync knows."""

from __future__ import annotations

from django.utils import timezone

from .client import SalesforceClient
from .models import IntegrationSettings

LATEST_CONNECTOR_VERSION = "1.4.0"
CONNECTOR_NAMESPACE = "hubsync"
PACKAGE_QUERY = (
    "SELECT Id, SubscriberPackage.NamespacePrefix, SubscriberPackageVersion.MajorVersion, "
    "SubscriberPackageVersion.MinorVersion, SubscriberPackageVersion.PatchVersion "
    "FROM InstalledSubscriberPackage "
    f"WHERE SubscriberPackage.NamespacePrefix = '{CONNECTOR_NAMESPACE}'"
)
# Shown with an outdated or missing package.
UPGRADE_URL = "https://appexchange.salesforce.com/"


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
    """Read the installed package version with the Tooling API (one call) and store it."""
    result = client.tooling_query(PACKAGE_QUERY)
    installed = ""
    if result.get("records"):
        version = result["records"][0]["SubscriberPackageVersion"]
        installed = ".".join(
            str(version.get(part) or 0) for part in ("MajorVersion", "MinorVersion", "PatchVersion")
        )
    IntegrationSettings.objects.filter(pk=integration_settings.pk).update(
        installed_connector_version=installed, connector_version_checked_at=timezone.now()
    )
    integration_settings.installed_connector_version = installed
    return installed
