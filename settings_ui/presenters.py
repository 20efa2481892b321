"""What the settings pages show, built from the connector's reads: display logic only.

- ``settings_page_context``: everything the settings page renders
- ``settings_history``: the last changes of the settings, worded as the page words them
- ``settings_form_data``: the settings as a browser posts the main form
- ``sync_errors_csv_rows``: the errors page as CSV rows
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import Field, QuerySet
from django.forms import CheckboxInput, MultipleChoiceField
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext, gettext_lazy

from connector.auth import SOAP_LOGIN_RETIREMENT
from connector.models import IntegrationSettings, SyncError
from connector.selectors import api_calls_used_last_24h, api_usage_by_hour
from connector.services.deletions import held_deletions_summary
from connector.services.settings import SETTINGS_FIELDS
from connector.status import sync_status_get
from connector.version import LATEST_CONNECTOR_VERSION, UPGRADE_URL, connector_version_status
from marketing.models import ActivityType, SmartList

from .charts import usage_chart
from .forms import IntegrationSettingsForm, SyncToggleForm
from .forms_credentials import CredentialsForm

# -- The page ---------------------------------------------------------------------------


def settings_page_context(
    *,
    integration_settings: IntegrationSettings,
    can_manage: bool,
    settings_initial: dict[str, Any] | None = None,
    callback_url: str = "",
    **forms: Any,
) -> dict[str, Any]:
    """Everything the settings page shows; a form passed in (bound, with its errors)
    replaces its fresh copy. ``settings_initial`` pre-fills the main form."""
    used = api_calls_used_last_24h()
    context = {
        "status": sync_status_get(integration_settings=integration_settings),
        "held_deletions": held_deletions_summary(),
        "usage_chart": usage_chart(api_usage_by_hour(), limit=integration_settings.api_call_limit),
        "history": settings_history(integration_settings=integration_settings),
        "integration_settings": integration_settings,
        "connector_version": {
            "status": connector_version_status(integration_settings.installed_connector_version),
            "latest": LATEST_CONNECTOR_VERSION,
        },
        "upgrade_url": UPGRADE_URL,
        "can_manage": can_manage,
        "callback_url": callback_url,
        "soap_login_retirement": SOAP_LOGIN_RETIREMENT,
        "setup_check": integration_settings.setup_check,
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


def settings_form_data(
    integration_settings: IntegrationSettings, **overrides: Any
) -> dict[str, Any]:
    """The main settings form as a browser posts it: the stored values, ``overrides`` applied.

    Checked checkboxes post "on" and unchecked ones are absent; activity types post
    a list; a value that is not set posts "". The JSON import feeds the page's own
    form through this, and tests post it.
    """
    values = {name: getattr(integration_settings, name) for name in SETTINGS_FIELDS}
    values["inclusion_list"] = integration_settings.inclusion_list_id
    values.update(overrides)
    data: dict[str, Any] = {}
    for name, value in values.items():
        field = IntegrationSettingsForm.base_fields[name]
        if isinstance(field.widget, CheckboxInput):
            if value:
                data[name] = "on"
        elif isinstance(field, MultipleChoiceField):
            data[name] = value if isinstance(value, list) else [value]
        elif value is None:
            data[name] = ""
        else:
            data[name] = value if isinstance(value, str) else str(value)
    return data


# -- The settings history ---------------------------------------------------------------

# Secrets never enter the history (connector.models.settings); the time one changed does.
SECRET_FIELDS = {"secrets_changed_at": gettext_lazy("credentials secret")}
# Translatable names of the settings that have no verbose name of their own.
HISTORY_LABELS = {
    "credentials_status": gettext_lazy("credentials status"),
    "credentials_error_code": gettext_lazy("credentials error code"),
    "credentials_error_message": gettext_lazy("credentials error message"),
    "create_contact_from_lead": gettext_lazy("create contact from lead"),
    "create_contact_from_contact": gettext_lazy("create contact from contact"),
    "lifecycle_transitions": gettext_lazy("lifecycle transitions"),
    "state_country_picklists": gettext_lazy("state country picklists"),
    "delete_when_lead_deleted": gettext_lazy("delete when lead deleted"),
    "delete_when_contact_deleted": gettext_lazy("delete when contact deleted"),
}
HISTORY_HIDDEN = {
    "id",
    "history_id",
    "history_date",
    "history_change_reason",
    "history_type",
    "history_user",
    "history_user_id",
    "updated_by",
    "updated_by_id",
    "site",
    "site_id",
}


def _display(field: Field, value: Any, smart_lists: dict[int, str]) -> str:
    """A stored value as the page shows it: choice labels, Yes/No, names of smart lists."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if field.attname == "inclusion_list_id":
        return smart_lists.get(value, str(value))
    if isinstance(value, list):
        labels = dict(ActivityType.choices) if field.attname == "activity_types" else {}
        return ", ".join(str(labels.get(v, v)) for v in value)
    return str(value)


def settings_history(*, integration_settings: IntegrationSettings, limit: int = 10) -> list[dict]:
    """The last changes: when, who, which values (secrets only as "changed"); two queries."""
    records = list(
        integration_settings.history.select_related("history_user").order_by("-history_date")[
            : limit + 1
        ]
    )
    list_ids = {r.inclusion_list_id for r in records if r.inclusion_list_id}
    smart_lists = dict(SmartList.objects.filter(pk__in=list_ids).values_list("pk", "name"))
    tracked = {f.attname for f in integration_settings.history.model._meta.concrete_fields}
    fields = [
        f
        for f in IntegrationSettings._meta.concrete_fields
        if f.attname in tracked and f.attname not in HISTORY_HIDDEN
    ]
    entries = []
    for newer, older in zip(records, records[1:] + [None], strict=False):
        if len(entries) == limit:
            break
        changes = []
        for field in fields:
            new = getattr(newer, field.attname)
            old = getattr(older, field.attname) if older else None
            if older is not None and new == old:
                continue
            if older is None and new in (None, "", False, [], 0):
                continue
            label = (
                SECRET_FIELDS.get(field.attname)
                or HISTORY_LABELS.get(field.attname)
                or field.verbose_name
            )
            if field.attname in SECRET_FIELDS:
                changes.append({"field": str(label), "old": "", "new": "changed", "secret": True})
            else:
                changes.append(
                    {
                        "field": str(label),
                        "old": None if older is None else _display(field, old, smart_lists),
                        "new": _display(field, new, smart_lists),
                        "secret": False,
                    }
                )
        if changes:
            entries.append(
                {
                    "at": newer.history_date,
                    "user": newer.history_user,
                    "type": newer.history_type,
                    "changes": changes,
                }
            )
    return entries


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
