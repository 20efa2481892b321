"""Field mapping writes (the Field mappings page and the Django admin): the one place a
mapping changes, and the check of a mapping against the org's describe."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ..models import FieldMapping, IntegrationSettings, SyncRule
from ..org_schema import org_fields
from ..selectors import integration_settings_get
from ..sync.failures import contact_failures_unpark
from .acting_user import ActingUser, history_user_set

# Salesforce field types a text property of hubsync can go to and come from.
TEXT_TYPES = frozenset(
    {"string", "textarea", "email", "phone", "url", "picklist", "combobox", "multipicklist"}
)
# Rules under which hubsync writes the property to Salesforce.
WRITING_RULES = {SyncRule.TWO_WAY, SyncRule.PREFER_SALESFORCE}


def field_mapping_problems(
    integration_settings: IntegrationSettings,
    *,
    hubsync_property: str,
    lead_field: str,
    contact_field: str,
    sync_rule: str,
) -> dict[str, str]:
    """What the org's describe (as last read) says against this mapping, by form field:
    a field the integration user cannot see, a type a text property cannot hold, a
    read-only field under a rule that writes. Nothing while the org was never read."""
    problems: dict[str, str] = {}
    if hubsync_property == "owner":
        return owner_mapping_problems(lead_field=lead_field, contact_field=contact_field)
    for object_type, name, key in (
        ("Lead", lead_field, "lead_field"),
        ("Contact", contact_field, "contact_field"),
    ):
        fields = org_fields(integration_settings, object_type)
        if not name or fields is None:
            continue
        field = next((f for f in fields if f["name"] == name), None)
        if field is None:
            problems[key] = _("%(object)s has no field %(field)s the integration user can see.") % {
                "object": object_type,
                "field": name,
            }
        elif field["type"] not in TEXT_TYPES:
            problems[key] = _("%(object)s.%(field)s is a %(type)s field: %(property)s is text.") % {
                "object": object_type,
                "field": name,
                "type": field["type"],
                "property": hubsync_property,
            }
        elif sync_rule in WRITING_RULES and not (field["createable"] and field["updateable"]):
            problems[key] = _(
                "%(object)s.%(field)s is read-only for the integration user: choose "
                "“Always use Salesforce” or another field."
            ) % {"object": object_type, "field": name}
    return problems


def field_mapping_validate(*, mapping: FieldMapping) -> None:
    """Every rule on a mapping: the model's (a contact property, Salesforce field names) and
    the org's describe where it was read (:func:`field_mapping_problems`). Raises
    ValidationError by field; the Field mappings page and the admin's form show it."""
    mapping.full_clean()
    problems = field_mapping_problems(
        integration_settings_get(),
        hubsync_property=mapping.hubsync_property,
        lead_field=mapping.lead_field,
        contact_field=mapping.contact_field,
        sync_rule=mapping.sync_rule,
    )
    if problems:
        raise ValidationError(problems)


def owner_mapping_problems(*, lead_field: str, contact_field: str) -> dict[str, str]:
    """The contact owner goes only to ``OwnerId`` (through the user matches)."""
    return {
        key: _("The contact owner maps only to OwnerId.")
        for key, name in (("lead_field", lead_field), ("contact_field", contact_field))
        if name and name != "OwnerId"
    }


@transaction.atomic
def field_mapping_save(
    *, mapping: FieldMapping, acting_user: ActingUser, **changes: Any
) -> FieldMapping:
    """Validate (:func:`field_mapping_validate`) and save a mapping (who changed it goes to
    the settings history). Records that failed — those that needed a fix too: a required
    field may now be mapped, a read-only one unmapped — are tried again."""
    for name, value in changes.items():
        setattr(mapping, name, value)
    field_mapping_validate(mapping=mapping)
    history_user_set(mapping, acting_user)
    mapping.save()
    contact_failures_unpark(failed=True)
    return mapping


@transaction.atomic
def field_mappings_save(
    *,
    integration_settings: IntegrationSettings,
    changes: dict[FieldMapping, dict[str, Any]],
    acting_user: ActingUser,
) -> int:
    """The Field mappings page's Save: every changed mapping checked against the org, then
    all saved at once (or none: a ValidationError names each problem). Returns how many."""
    errors = {}
    for mapping, values in changes.items():
        merged = {
            "hubsync_property": mapping.hubsync_property,
            "lead_field": values.get("lead_field", mapping.lead_field),
            "contact_field": values.get("contact_field", mapping.contact_field),
            "sync_rule": values.get("sync_rule", mapping.sync_rule),
        }
        problems = field_mapping_problems(integration_settings, **merged)
        if problems:
            errors[mapping.hubsync_property] = problems
    if errors:
        raise ValidationError(
            [f"{prop}: {message}" for prop, found in errors.items() for message in found.values()]
        )
    for mapping, values in changes.items():
        field_mapping_save(mapping=mapping, acting_user=acting_user, **values)
    return len(changes)
