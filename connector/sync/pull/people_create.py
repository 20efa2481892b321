"""Contacts created from Salesforce records (the people phase's inserts)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from marketing.models import Contact

from ...bulk_writes import concrete_field, rows_insert
from ...mappers import salesforce_to_contact
from ...models import ContactSyncState, SyncEventOutcome
from ..contact_values import contact_values_problem, storable
from ..failures import Failure
from ..history import contact_events
from .common import PullContext

if TYPE_CHECKING:
    from .people_read import PeopleRead


def contacts_create(
    object_type: str, records: list[dict], *, context: PullContext, found: PeopleRead
) -> None:
    """New contacts for records created in Salesforce (the page's checkbox said so): checked
    first (a record hubsync cannot store is an inbound error), then inserted with their sync
    state, base and history in one transaction."""
    if not records:
        return
    rows: list[tuple[str, dict[str, str]]] = []
    for record in records:
        values = salesforce_to_contact(record, object_type=object_type, mappings=context.mappings)
        values["email"] = record["Email"].strip()
        problem = contact_values_problem(values)
        if problem:
            context.failed(None, Failure(object_type, *problem, salesforce_id=record["Id"]))
            continue
        rows.append((record["Id"], values))
    if not rows:
        return
    stored = {sf_id for sf_id, _ in rows}
    records = [r for r in records if r["Id"] in stored]
    # One executemany (bulk_create spent ~0.1 ms a contact in Django's SQL compiler);
    # properties a record leaves blank get the field's default.
    now = timezone.now()
    properties = sorted({name for _, values in rows for name in values})
    defaults = {name: concrete_field(Contact, name).get_default() for name in properties}
    with transaction.atomic():
        rows_insert(
            Contact,
            [*properties, "salesforce_id", "salesforce_object", "created_at", "updated_at"],
            (
                (
                    *(storable(values).get(p, defaults[p]) for p in properties),
                    sf_id,
                    object_type,
                    now,
                    now,
                )
                for sf_id, values in rows
            ),
        )
        pks = dict(
            Contact.objects.filter(
                salesforce_object=object_type, salesforce_id__in=[sf_id for sf_id, _ in rows]
            ).values_list("salesforce_id", "pk")
        )
        two_way = [m.hubsync_property for m in context.mappings if m.sync_rule == "two_way"]
        bases = {sf_id: {p: values.get(p, "") for p in two_way} for sf_id, values in rows}
        rows_insert(
            ContactSyncState,
            ["contact", "due", "synced_version", "synced_values"],
            ((pk, False, now, bases[sf_id]) for sf_id, pk in pks.items()),
            ignore_conflicts=True,
        )
        # With the contacts, in one transaction: a worker killed in between leaves
        # neither, and the record is read again (never a contact without its history).
        contact_events(
            [(pks[sf_id], sf_id, []) for sf_id, _ in rows],
            object_type,
            SyncEventOutcome.CREATED,
        )
    context.counts.created += len(rows)
    context.growth.rows_added(len(rows))
    for record in records:
        if object_type == "Contact":
            found.newly_linked_contacts.add(record["Id"])
            if record.get("AccountId"):
                found.account_found(pks[record["Id"]], record["AccountId"])
