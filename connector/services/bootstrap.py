"""What every installation has after ``migrate``: the Marketing admins group and field mappings."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission

from ..models import FieldMapping

MARKETING_ADMINS_GROUP = "Marketing admins"
MARKETING_ADMIN_PERMISSIONS: tuple[str, ...] = (
    "connector.view_integrationsettings",
    "connector.change_integrationsettings",
    "marketing.view_smartlist",
    "marketing.add_smartlist",
)

# hubsync property, Lead field, Contact field, sync rule (PRODUCT.md: email prefers Salesforce).
DEFAULT_FIELD_MAPPINGS: tuple[tuple[str, str, str, str], ...] = (
    ("email", "Email", "Email", "prefer_salesforce"),
    ("first_name", "FirstName", "FirstName", "two_way"),
    ("last_name", "LastName", "LastName", "two_way"),
    ("company_name", "Company", "", "two_way"),
    ("phone", "Phone", "Phone", "two_way"),
    ("job_title", "Title", "Title", "two_way"),
    ("state", "State", "MailingState", "two_way"),
    ("country", "Country", "MailingCountry", "two_way"),
    # The contact owner ↔ OwnerId through the user matches (issue 30).
    ("owner", "OwnerId", "OwnerId", "prefer_salesforce"),
)


def marketing_admins_group_ensure() -> None:
    """Create the "Marketing admins" group with the permissions to run the integration.

    Runs after every migrate (idempotent), once the permissions exist.
    """
    group, _ = Group.objects.get_or_create(name=MARKETING_ADMINS_GROUP)
    for dotted in MARKETING_ADMIN_PERMISSIONS:
        app_label, codename = dotted.split(".")
        permission = Permission.objects.filter(
            content_type__app_label=app_label, codename=codename
        ).first()
        if permission is not None:
            group.permissions.add(permission)


def field_mappings_ensure_defaults() -> None:
    """With no field mappings at all (a new or flushed database), create the defaults.

    Runs after every migrate and flush; a table an admin edited or pruned is left alone.
    """
    if FieldMapping.objects.exists():
        return
    FieldMapping.objects.bulk_create(
        [
            FieldMapping(
                hubsync_property=prop, lead_field=lead, contact_field=contact, sync_rule=rule
            )
            for prop, lead, contact, rule in DEFAULT_FIELD_MAPPINGS
        ],
        ignore_conflicts=True,
    )
