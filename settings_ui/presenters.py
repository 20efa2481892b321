"""What the settings pages show, built from the connector's reads: display logic only.

- ``settings_page_context``: everything the settings page renders
- ``settings_history``: the last changes of the settings, worded as the page words them
- ``sync_errors_csv_rows``: the errors page as CSV rows
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet
from django.utils.datastructures import MultiValueDict

from connector.credentials.methods import SOAP_LOGIN_RETIREMENT
from connector.models import IntegrationSettings, SyncError
from connector.selectors import api_calls_used_last_24h, api_usage_by_hour, setup_check_get
from connector.services.deletions import held_deletions_summary
from connector.status import sync_status_get
from connector.version import LATEST_CONNECTOR_VERSION, UPGRADE_URL, connector_version_status

from .charts import usage_chart
from .forms import IntegrationSettingsForm, SyncToggleForm
from .forms_credentials import CredentialsForm
from .history import settings_history

# -- The page ---------------------------------------------------------------------------


def settings_page_context(
    *,
    integration_settings: IntegrationSettings,
    can_manage: bool,
    settings_initial: dict[str, Any] | None = None,
    callback_url: str = "",
    history_page: int = 1,
    **forms: Any,
) -> dict[str, Any]:
    """Everything the settings page shows; a form passed in (bound, with its errors)
    replaces its fresh copy. ``settings_initial`` pre-fills the main form."""
    used = api_calls_used_last_24h()
    hours = api_usage_by_hour()
    context = {
        "status": sync_status_get(integration_settings=integration_settings),
        "held_deletions": held_deletions_summary(),
        "usage_chart": usage_chart(hours, limit=integration_settings.api_call_limit),
        "usage_chart_narrow": usage_chart(
            hours, limit=integration_settings.api_call_limit, narrow=True
        ),
        "history": settings_history(integration_settings=integration_settings, page=history_page),
        # A parked draft (back from *Create Inclusion List*) is on the form, not saved yet.
        "settings_unsaved": bool(settings_initial),
        "integration_settings": integration_settings,
        "connector_version": {
            "status": connector_version_status(integration_settings.installed_connector_version),
            "latest": LATEST_CONNECTOR_VERSION,
        },
        "upgrade_url": UPGRADE_URL,
        "can_manage": can_manage,
        "callback_url": callback_url,
        "soap_login_retirement": SOAP_LOGIN_RETIREMENT,
        "setup_check": setup_check_get(integration_settings),
        "api_calls_used": used,
        "toggle_form": SyncToggleForm(
            initial={"sync_enabled": not integration_settings.sync_enabled}
        ),
    }
    if "credentials_form" not in forms:
        context["credentials_form"] = CredentialsForm(
            integration_settings=integration_settings,
            read_only=not can_manage,
            callback_url=callback_url,
        )
    if "settings_form" not in forms:
        context["settings_form"] = IntegrationSettingsForm(
            integration_settings=integration_settings,
            read_only=not can_manage,
            api_calls_used=used,
            initial=settings_initial,
        )
    context.update(forms)
    return context


def settings_draft_initial(
    *,
    integration_settings: IntegrationSettings,
    draft: dict[str, list[str]] | None,
    inclusion_list: int | None = None,
) -> dict[str, Any]:
    """The main form's initial values from a parked draft (what was posted before
    *Create Inclusion List*), with the smart list just created selected."""
    initial: dict[str, Any] = {}
    if draft:
        probe = IntegrationSettingsForm(integration_settings=integration_settings)
        for name, field in probe.fields.items():
            value = field.widget.value_from_datadict(MultiValueDict(draft), {}, name)
            if value is not None:
                initial[name] = value
    if inclusion_list is not None:
        initial["inclusion_list"] = inclusion_list
    return initial


# -- The sync errors as CSV -------------------------------------------------------------

SYNC_ERRORS_CSV_HEADER = (
    "email",
    "object",
    "salesforce_id",
    "direction",
    "code",
    "message",
    "attempts",
    "next_retry_at",
    "parked",
    "needs_fix",
    "updated_at",
)


def sync_errors_csv_rows(errors: QuerySet[SyncError]) -> Iterator[list[Any]]:
    """The header, then one row per error, read in chunks (``errors`` select their contacts)."""
    yield list(SYNC_ERRORS_CSV_HEADER)
    for error in errors.iterator(chunk_size=2_000):
        yield [
            error.contact.email if error.contact else "",
            error.object_type,
            error.salesforce_id,
            error.direction,
            error.code,
            error.message,
            error.attempts,
            error.next_retry_at.isoformat() if error.next_retry_at else "",
            error.parked,
            error.needs_fix,
            error.updated_at.isoformat(),
        ]
