"""The setup check: can the sync work with this org, and if not, what to fix.

Each check logs in or reads describe (field-level security shows there: a field the
integration user cannot see is absent, one it cannot edit is not createable/updateable).
The result is stored on the settings for the page; ``manage.py salesforce_check`` prints it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..auth import credentials_from_settings
from ..client import SalesforceClient
from ..errors import ConnectorError
from ..mappers import EXTERNAL_ID_FIELD, RULES_SENT_ON_CREATE
from ..models import AccountSync, ActivityStorage, AuthMethod, IntegrationSettings
from ..org_schema import org_schema_store
from ..selectors import field_mappings_get
from ..version import LATEST_CONNECTOR_VERSION, connector_version_refresh, connector_version_status

ACTIVITY_OBJECT = "HubSpot_Intelligence__c"
DEPLOY_FIX = gettext_lazy(
    "Deploy hubsync's setup to the org (salesforce/ in the repository: "
    "sf project deploy start) and assign the HubSync_Integration permission set to the "
    "integration user."
)


#: ``setup_check`` = ``{SETUP_CHECK_DUE: True}``: credentials were stored without a check (the
#: admin, a settings import, the demo); the next cycle that logs in runs the setup check.
SETUP_CHECK_DUE = "due"


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    message: str
    fix: str = ""


def setup_check_run(*, integration_settings: IntegrationSettings) -> list[Check]:
    """Run every check against the org; stores the outcome (and the org's picklist setting)."""
    checks: list[Check] = []
    credentials = credentials_from_settings(integration_settings)
    method = AuthMethod(credentials.method).label
    try:
        client = SalesforceClient.from_settings(integration_settings)
        client.login()
    except ConnectorError as error:
        checks.append(
            Check(
                "login",
                False,
                _("Logging in with %(method)s failed: %(code)s %(message)s")
                % {"method": method, "code": error.code, "message": error.message},
                _("Check the credentials in the Salesforce Credentials section."),
            )
        )
        return _store(integration_settings, checks, picklists=None)
    checks.append(
        Check(
            "login",
            True,
            _("Logged in with %(method)s on %(host)s.")
            % {"method": method, "host": credentials.login_host},
        )
    )
    try:
        client.limits()
        checks.append(Check("api_enabled", True, _("The API is enabled for the integration user.")))
    except ConnectorError as error:
        checks.append(
            Check(
                "api_enabled",
                False,
                f"{error.code}: {error.message}",
                _("Give the integration user the API Enabled permission."),
            ),
        )
        return _store(integration_settings, checks, picklists=None)
    describes = {name: _describe(client, name) for name in _objects(integration_settings)}
    org_schema_store(integration_settings, describes)
    described = {
        name: {f["name"]: f for f in describe["fields"]} if describe is not None else None
        for name, describe in describes.items()
    }
    checks += _object_checks(integration_settings, described)
    lead = described.get("Lead") or {}
    picklists = "StateCode" in lead if lead else None
    checks.append(_picklist_check(integration_settings, picklists))
    checks.append(_version_check(client, integration_settings))
    return _store(integration_settings, checks, picklists=picklists)


def _objects(integration_settings: IntegrationSettings) -> list[str]:
    names = ["Lead", "Contact"]
    if integration_settings.account_sync == AccountSync.SYNC:
        names.append("Account")
    if integration_settings.opportunity_sync:
        names += ["Opportunity", "OpportunityContactRole"]
    if integration_settings.task_sync_active or (
        integration_settings.activity_storage == ActivityStorage.TASKS
    ):
        names.append("Task")
    if integration_settings.activity_storage == ActivityStorage.CUSTOM_OBJECT:
        names.append(ACTIVITY_OBJECT)
    return names


def _describe(client: SalesforceClient, name: str) -> dict[str, Any] | None:
    """The object's describe, as the integration user sees it; None when it has none."""
    try:
        return client.describe(name)
    except ConnectorError:
        return None


def _object_checks(
    integration_settings: IntegrationSettings, described: dict[str, dict | None]
) -> list[Check]:
    checks = []
    needed: dict[str, dict[str, bool]] = {name: {} for name in described}  # field → writable
    for mapping in field_mappings_get():
        if mapping.sync_rule == "dont_sync":
            continue
        writes = mapping.sync_rule in RULES_SENT_ON_CREATE
        for name, field in (("Lead", mapping.lead_field), ("Contact", mapping.contact_field)):
            if field:
                needed[name][field] = writes
    for name in ("Lead", "Contact", "Task", ACTIVITY_OBJECT):
        if name in needed:
            needed[name][EXTERNAL_ID_FIELD] = True
    for name, fields in described.items():
        if fields is None:
            checks.append(
                Check(
                    f"object:{name}",
                    False,
                    _("The object %(name)s is missing or not visible.") % {"name": name},
                    DEPLOY_FIX,
                )
            )
            continue
        problems = []
        for field, writable in sorted(needed[name].items()):
            info = fields.get(field)
            if info is None:
                problems.append(_("%(field)s is missing or hidden") % {"field": field})
            elif writable and not (info.get("createable") and info.get("updateable")):
                problems.append(_("%(field)s is read-only") % {"field": field})
            elif field == EXTERNAL_ID_FIELD and not info.get("externalId"):
                problems.append(_("%(field)s is not an external id") % {"field": field})
        if problems:
            checks.append(
                Check(f"object:{name}", False, f"{name}: " + "; ".join(problems) + ".", DEPLOY_FIX)
            )
        else:
            checks.append(
                Check(
                    f"object:{name}",
                    True,
                    _("%(name)s and its mapped fields are visible and writable.") % {"name": name},
                )
            )
    return checks


def _picklist_check(integration_settings: IntegrationSettings, org_has: bool | None) -> Check:
    page = integration_settings.state_country_picklists
    if org_has is None:
        return Check(
            "picklists",
            False,
            _(
                "Lead could not be read, so the org's state and "
                "country picklist setting is unknown."
            ),
            DEPLOY_FIX,
        )
    if org_has == page:
        return Check("picklists", True, _("State and country picklists: the page matches the org."))
    if page:
        return Check(
            "picklists",
            False,
            _("The page says Yes to state and country picklists; the org does not use them."),
            _("Set State and Country/Territory Picklists to No, or turn them on in Setup."),
        )
    return Check(
        "picklists",
        False,
        _("The org uses state and country picklists; the page says No."),
        _("Set State and Country/Territory Picklists to Yes."),
    )


def _version_check(client: SalesforceClient, integration_settings: IntegrationSettings) -> Check:
    try:
        installed = connector_version_refresh(
            client=client, integration_settings=integration_settings
        )
    except ConnectorError as error:
        return Check("version", False, f"{error.code}: {error.message}", DEPLOY_FIX)
    status = connector_version_status(installed)
    if status == "up_to_date":
        return Check("version", True, _("hubsync's setup %(v)s is deployed.") % {"v": installed})
    if status == "outdated":
        return Check(
            "version",
            False,
            _("hubsync's setup %(v)s is deployed; %(latest)s is available.")
            % {"v": installed, "latest": LATEST_CONNECTOR_VERSION},
            DEPLOY_FIX,
        )
    return Check("version", False, _("hubsync's setup is not deployed to the org."), DEPLOY_FIX)


def _store(
    integration_settings: IntegrationSettings, checks: list[Check], *, picklists: bool | None
) -> list[Check]:
    now = timezone.now()
    report = {
        "ok": all(c.ok for c in checks),
        "checks": [{**asdict(c), "message": str(c.message), "fix": str(c.fix)} for c in checks],
    }
    values: dict[str, Any] = {"setup_check": report, "setup_checked_at": now}
    if picklists is not None:
        values["org_state_country_picklists"] = picklists
    IntegrationSettings.objects.filter(pk=integration_settings.pk).update(**values)
    for name, value in values.items():
        setattr(integration_settings, name, value)
    return checks
