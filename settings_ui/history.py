"""The settings history as the page shows it: people's changes to the settings and to the
field mappings, newest first, a page at a time, in the page's own words."""

from __future__ import annotations

from typing import Any

from django.db.models import Field
from django.utils.translation import gettext, gettext_lazy

from connector.models import FieldMapping, IntegrationSettings, SyncRule
from marketing.models import ActivityType, SmartList

from .forms import IntegrationSettingsForm

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


# What the system writes itself when it checks the credentials: not a person's change, so
# such entries do not take the places of people's changes in the history.
SYSTEM_FIELDS = {
    "credentials_status",
    "credentials_error_code",
    "credentials_error_message",
    "connected_username",
    "connected_org_name",
}
HISTORY_PER_PAGE = 10
HISTORY_READ_MAX = 2_000  # history rows read at most for one page
HISTORY_CHUNK = 50  # read newest first, a chunk at a time, until the page is full


def _label(field: Field) -> str:
    """The page's own label of a setting (the form's), else the history's name for it."""
    form_field = IntegrationSettingsForm.base_fields.get(field.name)
    if form_field is not None and form_field.label:
        return str(form_field.label)
    return str(
        SECRET_FIELDS.get(field.attname) or HISTORY_LABELS.get(field.attname) or field.verbose_name
    )


def _display(field: Field, value: Any, smart_lists: dict[int, str]) -> str:
    """A stored value as the page shows it: choice labels, On/Off, names of smart lists."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return gettext("On") if value else gettext("Off")
    if isinstance(value, list):
        labels = dict(ActivityType.choices) if field.attname == "activity_types" else {}
        return ", ".join(str(labels.get(v, v)) for v in value)
    if field.choices:  # the page's wording of the choice where it has its own
        form_field = IntegrationSettingsForm.base_fields.get(field.name)
        labels = {**dict(field.flatchoices), **dict(getattr(form_field, "choices", None) or [])}
        return str(labels.get(value, value))
    if field.attname == "inclusion_list_id":
        return smart_lists.get(value, str(value))
    return str(value)


def _mapping_entries() -> list[dict[str, Any]]:
    """Field mapping changes (the Field mappings page, the admin) for the settings history."""
    records = list(
        FieldMapping.history.select_related("history_user").order_by(
            "-history_date", "-history_id"
        )[:HISTORY_READ_MAX]
    )
    previous: dict[int, Any] = {}
    for record in sorted(records, key=lambda r: (r.history_date, r.history_id)):
        record.previous = previous.get(record.id)
        previous[record.id] = record
    labels = {
        "lead_field": gettext("Lead field"),
        "contact_field": gettext("Contact field"),
        "sync_rule": gettext("Sync rule"),
    }
    rules: dict[Any, Any] = dict(SyncRule.choices)
    entries = []
    for record in records:
        older = record.previous
        if record.history_type == "+":
            continue  # a mapping created (hubsync's defaults): not a change to one
        changes = []
        for name, label in labels.items():
            old = getattr(older, name) if older is not None else None
            new = getattr(record, name)
            if older is not None and old == new:
                continue
            changes.append(
                {
                    "field": gettext("Mapping of %(property)s: %(what)s")
                    % {"property": record.hubsync_property, "what": label},
                    "old": None if older is None else str(rules.get(old, old)) or "—",
                    "new": str(rules.get(new, new)) or "—",
                    "secret": False,
                }
            )
        if changes:
            entries.append(
                {"at": record.history_date, "user": record.history_user, "changes": changes}
            )
    return entries


def settings_history(
    *, integration_settings: IntegrationSettings, page: int = 1, per_page: int = HISTORY_PER_PAGE
) -> dict[str, Any]:
    """People's changes, newest first, a page at a time: when, who, which settings (by the
    page's labels; secrets only as "changed"). The system's own credential checks are
    counted apart (``system_checks``, among the rows read), so they never push people's
    changes out of view. Reads history rows newest first only until the page is full."""
    page = max(page, 1)
    wanted = page * per_page + 1  # one more than shown: is there an older page?
    tracked = {f.attname for f in integration_settings.history.model._meta.concrete_fields}
    fields = [
        f
        for f in IntegrationSettings._meta.concrete_fields
        if f.attname in tracked and f.attname not in HISTORY_HIDDEN
    ]
    history = integration_settings.history.select_related("history_user").order_by(
        "-history_date", "-history_id"
    )
    entries: list[dict[str, Any]] = []
    system_checks, offset, exhausted = 0, 0, False
    newer = None
    smart_lists = dict(SmartList.objects.values_list("pk", "name")[:HISTORY_READ_MAX])
    while len(entries) < wanted and offset < HISTORY_READ_MAX:
        chunk = list(history[offset : offset + HISTORY_CHUNK])
        offset += HISTORY_CHUNK
        if len(chunk) < HISTORY_CHUNK:
            exhausted = True
            chunk.append(None)  # the oldest record is compared with nothing
        for older in chunk:
            if newer is not None:
                entry = _settings_entry(newer, older, fields, smart_lists)
                if entry is SYSTEM_CHECK:
                    system_checks += 1
                elif entry is not None:
                    entries.append(entry)
            newer = older
        if exhausted:
            break
    from .history_lists import campaign_link_entries, user_match_entries

    mappings = _mapping_entries() + user_match_entries() + campaign_link_entries()
    if not exhausted and entries:  # older mapping changes belong to later pages
        mappings = [m for m in mappings if m["at"] >= entries[-1]["at"]]
    entries = sorted(entries + mappings, key=lambda entry: entry["at"], reverse=True)
    return {
        "entries": entries[(page - 1) * per_page : page * per_page],
        "page": page,
        "has_older": len(entries) > page * per_page,
        "system_checks": system_checks,
    }


SYSTEM_CHECK = object()  # an entry that is only hubsync's own credential check


def _settings_entry(newer: Any, older: Any, fields: list[Field], smart_lists: dict) -> Any:
    """The changes from ``older`` to ``newer`` (history rows), SYSTEM_CHECK, or None."""
    changes = []
    for field in fields:
        new = getattr(newer, field.attname)
        old = getattr(older, field.attname) if older else None
        if older is not None and new == old:
            continue
        if older is None and new in (None, "", False, [], 0):
            continue
        if field.attname in SECRET_FIELDS:
            changes.append({"field": _label(field), "old": "", "new": "changed", "secret": True})
        else:
            changes.append(
                {
                    "field": _label(field),
                    "attname": field.attname,
                    "old": None if older is None else _display(field, old, smart_lists),
                    "new": _display(field, new, smart_lists),
                    "secret": False,
                }
            )
    if not changes:
        return None
    if newer.history_user is None and all(c.get("attname") in SYSTEM_FIELDS for c in changes):
        return SYSTEM_CHECK
    return {
        "at": newer.history_date,
        "user": newer.history_user,
        "type": newer.history_type,
        "changes": changes,
    }
