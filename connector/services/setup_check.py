"""The setup check: can the sync work with this org, and if not, what to fix.

Each check logs in or reads describe (field-level security shows there: a field the
integration user cannot see is absent, one it cannot edit is not createable/updateable).
The result is stored on the settings for the page; ``manage.py salesforce_check`` prints it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import override

from ..client import SalesforceClient
from ..credentials.methods import credentials_from_settings
from ..errors import ConnectorError
from ..mappers import EXTERNAL_ID_FIELD, RULES_SENT_ON_CREATE
from ..messages import (
    CHECK_API_ENABLED,
    CHECK_API_FIX,
    CHECK_CREDENTIALS_FIX,
    CHECK_DEPLOY_FIX,
    CHECK_FIELD_MISSING,
    CHECK_FIELD_NOT_EXTERNAL_ID,
    CHECK_FIELD_READ_ONLY,
    CHECK_LOGGED_IN,
    CHECK_LOGIN_FAILED,
    CHECK_OBJECT_MISSING,
    CHECK_OBJECT_OK,
    CHECK_PICKLISTS_MATCH,
    CHECK_PICKLISTS_ORG_ONLY,
    CHECK_PICKLISTS_PAGE_ONLY,
    CHECK_PICKLISTS_SET_NO,
    CHECK_PICKLISTS_SET_YES,
    CHECK_PICKLISTS_UNKNOWN,
    CHECK_PROBLEMS,
    CHECK_SETUP_DEPLOYED,
    CHECK_SETUP_MISSING,
    CHECK_SETUP_OUTDATED,
    message_stored,
    said,
)
from ..models import AccountSync, ActivityStorage, AuthMethod, IntegrationSettings
from ..org_schema import org_schema_store
from ..selectors import field_mappings_get
from ..version import LATEST_CONNECTOR_VERSION, connector_version_refresh, connector_version_status

ACTIVITY_OBJECT = "HubSpot_Intelligence__c"
DEPLOY_FIX = said(CHECK_DEPLOY_FIX)


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
    # The label's English (stored); the page says it in the reader's language.
    with override("en"):
        method = str(AuthMethod(credentials.method).label)
    try:
        client = SalesforceClient.from_settings(integration_settings)
        client.login()
    except ConnectorError as error:
        checks.append(
            Check(
                "login",
                False,
                said(CHECK_LOGIN_FAILED, method=method, code=error.code, message=error.message),
                said(CHECK_CREDENTIALS_FIX),
            )
        )
        return _store(integration_settings, checks, picklists=None)
    checks.append(
        Check(
            "login",
            True,
            said(CHECK_LOGGED_IN, method=method, host=credentials.login_host),
        )
    )
    try:
        client.limits()
        checks.append(Check("api_enabled", True, said(CHECK_API_ENABLED)))
    except ConnectorError as error:
        checks.append(
            Check(
                "api_enabled",
                False,
                error.said,
                said(CHECK_API_FIX),
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
                    said(CHECK_OBJECT_MISSING, name=name),
                    DEPLOY_FIX,
                )
            )
            continue
        problems = []
        for field, writable in sorted(needed[name].items()):
            info = fields.get(field)
            if info is None:
                problems.append(said(CHECK_FIELD_MISSING, field=field))
            elif writable and not (info.get("createable") and info.get("updateable")):
                problems.append(said(CHECK_FIELD_READ_ONLY, field=field))
            elif field == EXTERNAL_ID_FIELD and not info.get("externalId"):
                problems.append(said(CHECK_FIELD_NOT_EXTERNAL_ID, field=field))
        if problems:
            checks.append(
                Check(
                    f"object:{name}",
                    False,
                    said(CHECK_PROBLEMS, name=name, problems=problems),
                    DEPLOY_FIX,
                )
            )
        else:
            checks.append(
                Check(
                    f"object:{name}",
                    True,
                    said(CHECK_OBJECT_OK, name=name),
                )
            )
    return checks


def _picklist_check(integration_settings: IntegrationSettings, org_has: bool | None) -> Check:
    page = integration_settings.state_country_picklists
    if org_has is None:
        return Check(
            "picklists",
            False,
            said(CHECK_PICKLISTS_UNKNOWN),
            DEPLOY_FIX,
        )
    if org_has == page:
        return Check("picklists", True, said(CHECK_PICKLISTS_MATCH))
    if page:
        return Check(
            "picklists",
            False,
            said(CHECK_PICKLISTS_PAGE_ONLY),
            said(CHECK_PICKLISTS_SET_NO),
        )
    return Check(
        "picklists",
        False,
        said(CHECK_PICKLISTS_ORG_ONLY),
        said(CHECK_PICKLISTS_SET_YES),
    )


def _version_check(client: SalesforceClient, integration_settings: IntegrationSettings) -> Check:
    try:
        installed = connector_version_refresh(
            client=client, integration_settings=integration_settings
        )
    except ConnectorError as error:
        return Check("version", False, error.said, DEPLOY_FIX)
    status = connector_version_status(installed)
    if status == "up_to_date":
        return Check("version", True, said(CHECK_SETUP_DEPLOYED, v=installed))
    if status == "outdated":
        return Check(
            "version",
            False,
            said(CHECK_SETUP_OUTDATED, v=installed, latest=LATEST_CONNECTOR_VERSION),
            DEPLOY_FIX,
        )
    return Check("version", False, said(CHECK_SETUP_MISSING), DEPLOY_FIX)


def _store(
    integration_settings: IntegrationSettings, checks: list[Check], *, picklists: bool | None
) -> list[Check]:
    now = timezone.now()
    report = {
        "ok": all(c.ok for c in checks),
        "checks": [
            {
                **asdict(c),
                "message": str(c.message),
                "fix": str(c.fix),
                # What each line said, as its message key (connector.messages).
                "message_said": message_stored(c.message),
                "fix_said": message_stored(c.fix),
            }
            for c in checks
        ],
    }
    values: dict[str, Any] = {"setup_check": report, "setup_checked_at": now}
    if picklists is not None:
        values["org_state_country_picklists"] = picklists
    IntegrationSettings.objects.filter(pk=integration_settings.pk).update(**values)
    for name, value in values.items():
        setattr(integration_settings, name, value)
    return checks
