"""Leads and Contacts changed in Salesforce: update linked contacts, link by email, create.

Linked contacts take Salesforce's values by each field mapping's rule (inside the
inclusion list only); unlinked records are linked to the hubsync contact with their
email (the oldest record wins, the others are recorded as collisions), or create a
contact when the page's "records created in Salesforce" checkbox for the object says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from marketing.models import Contact
from marketing.selectors import contacts_by_email_keys

from ...bulk_writes import rows_insert, rows_update
from ...mappers import salesforce_fields_for, salesforce_to_contact
from ...messages import EMAIL_NOT_STORABLE, EMAIL_TAKEN, TOO_LONG_FOR_HUBSYNC, said
from ...models import ContactSyncState, EmailCollision, SyncEventOutcome
from ...org_schema import org_picklists
from ...soql import parse_datetime
from ..failures import Failure
from ..queue import contacts_link
from ..relink import records_followed
from .common import (
    Pages,
    PullContext,
    Query,
    contact_events,
    contacts_mark_synced,
    inclusion_list_members,
)
from .watermark import IN_ORDER, Watermark

PEOPLE = ("Lead", "Contact")


@dataclass
class PeopleRead:
    """What the people phase found that the accounts and opportunities phases read."""

    account_ids: set[str] = field(default_factory=set)  # every changed Contact's Account
    contacts_by_account: dict[str, set[int]] = field(default_factory=dict)
    newly_linked_contacts: set[str] = field(default_factory=set)  # Salesforce Contact ids


def contact_values_problem(values: dict[str, Any]) -> tuple[str, str, tuple[str, ...]] | None:
    """Why hubsync cannot store Salesforce's values for a contact, or None.

    Salesforce accepts emails Django's validator refuses (``a..b@x.example``) and a
    field mapping may pour a long Salesforce field into a short property: such a
    record becomes an inbound sync error instead of invalid data (or, on PostgreSQL,
    a failed INSERT that would sink the whole page).
    """
    email = values.get("email")
    if email:
        try:
            validate_email(email)
        except ValidationError:
            return (
                "INVALID_EMAIL_ADDRESS",
                said(EMAIL_NOT_STORABLE, email=email),
                ("email",),
            )
    for name, value in values.items():
        max_length = getattr(Contact._meta.get_field(name), "max_length", None)
        if max_length and isinstance(value, str) and len(value) > max_length:
            return (
                "STRING_TOO_LONG",
                said(TOO_LONG_FOR_HUBSYNC, field=name, length=len(value), max=max_length),
                (name,),
            )
    return None


class PeoplePhase:
    """Leads, then Contacts: one watermarked query each, applied page by page."""

    def __init__(self, context: PullContext) -> None:
        self.context = context
        self.settings = context.settings
        self.mappings = context.mappings
        self.counts = context.counts
        self.properties = sorted({m.hubsync_property for m in context.mappings} | {"email"})
        self.found = PeopleRead()
        self.picklists = org_picklists(self.settings)
        self.watermarks = {object_type: Watermark(object_type) for object_type in PEOPLE}
        self.queries: list[Query] = []
        for object_type in PEOPLE:
            fields = salesforce_fields_for(
                object_type, self.mappings, picklists=self.settings.state_country_picklists
            )
            where = self.watermarks[object_type].where()
            self.queries.append(
                (f"SELECT {', '.join(fields)} FROM {object_type}{where}{IN_ORDER}", False)
            )

    def apply(self, results: list[Pages], *, queried_at: datetime) -> PeopleRead:
        for object_type, pages in zip(PEOPLE, results, strict=True):
            watermark = self.watermarks[object_type]
            for page in pages:
                fresh = watermark.fresh(page)
                echoes = self._echoes(fresh)
                self.counts.read += len(fresh) - echoes
                self.counts.echoes += echoes
                self._apply_people_page(object_type, fresh)
                watermark.advance(page)
                self.context.progressed()
            watermark.caught_up(queried_at)
        return self.found

    @staticmethod
    def _echoes(records: list[dict]) -> int:
        """How many of these records hubsync's own push wrote last: modified no later than
        it pushed their contact (so a Salesforce edit after the push is a change again).

        Only for the counts: the records are applied all the same, and values equal on
        both sides are not written.
        """
        pushed = dict(
            ContactSyncState.objects.filter(
                contact__salesforce_id__in=[r["Id"] for r in records],
                last_pushed_at__isnull=False,
            ).values_list("contact__salesforce_id", "last_pushed_at")
        )
        echoes = 0
        for record in records:
            modified = parse_datetime(record.get("LastModifiedDate"))
            at = pushed.get(record["Id"])
            if at is not None and modified is not None and modified <= at:
                echoes += 1
        return echoes

    def _apply_people_page(self, object_type: str, records: list[dict]) -> None:
        if object_type == "Lead":
            self._follow_conversions([r for r in records if r.get("IsConverted")])
            records = [r for r in records if not r.get("IsConverted")]
        by_id = {r["Id"]: r for r in records}
        linked = {
            c["salesforce_id"]: c
            for c in Contact.objects.filter(salesforce_id__in=list(by_id)).values(
                "pk", "salesforce_id", "updated_at", *self.properties
            )
        }
        unlinked = sorted(
            (r for r in records if r["Id"] not in linked and r.get("Email")),
            key=lambda r: (r.get("CreatedDate") or "", r["Id"]),  # the oldest wins
        )
        by_email = {
            c["email"].lower(): c
            for c in Contact.objects.filter(
                email__in=[r["Email"] for r in unlinked] + [r["Email"].lower() for r in unlinked]
            ).values(
                "pk", "email", "salesforce_id", "salesforce_object", "updated_at", *self.properties
            )
        }
        self._match_case_insensitively(unlinked, by_email)
        links: dict[int, str] = {}
        creates: list[dict] = []
        taken: dict[str, str] = {}  # email → the Salesforce id that got it
        for record in unlinked:
            email = record["Email"].lower()
            contact = by_email.get(email)
            chosen = taken.get(email) or (contact or {}).get("salesforce_id")
            if chosen:
                # Several Salesforce records with one email: the oldest keeps the contact.
                EmailCollision.objects.create(
                    email=email, chosen_id=chosen, other_ids=[record["Id"]]
                )
                self.counts.collisions += 1
                continue
            taken[email] = record["Id"]
            if contact:
                links[contact["pk"]] = record["Id"]
                linked[record["Id"]] = {**contact, "salesforce_id": record["Id"]}
                self.counts.linked += 1
            elif self._creates_from(object_type):
                creates.append(record)
            else:
                self.counts.not_created += 1
        if links:
            contacts_link({pk: (object_type, sf_id) for pk, sf_id in links.items()})
            contact_events(
                [(pk, sf_id, []) for pk, sf_id in links.items()],
                object_type,
                SyncEventOutcome.LINKED,
            )
            if object_type == "Contact":
                self.found.newly_linked_contacts.update(links.values())
        self._update_linked(object_type, by_id, linked)
        self._create_contacts(object_type, creates)
        if object_type == "Contact":
            for record in records:
                if record.get("AccountId"):
                    self.found.account_ids.add(record["AccountId"])

    def _follow_conversions(self, leads: list[dict]) -> None:
        """Linked Leads that converted: their contacts follow the new Contact (whose Account
        the Contacts phase, read next, turns into the company). Never written to again."""
        followed = records_followed(
            "Lead",
            {
                r["Id"]: ("Contact", r["ConvertedContactId"])
                for r in leads
                if r.get("ConvertedContactId")
            },
            outcome=SyncEventOutcome.CONVERTED,
        )
        self.counts.converted += len(followed)

    @staticmethod
    def _match_case_insensitively(unlinked: list[dict], by_email: dict[str, dict]) -> None:
        missing = {r["Email"].lower() for r in unlinked} - set(by_email)
        if not missing:
            return
        for key, contact in contacts_by_email_keys(keys=missing).items():
            by_email[key] = {
                "pk": contact.pk,
                "email": contact.email,
                "salesforce_id": contact.salesforce_id,
                "salesforce_object": contact.salesforce_object,
                "updated_at": contact.updated_at,
                **{p: getattr(contact, p) for p in PeoplePhase._contact_properties()},
            }

    @staticmethod
    def _contact_properties() -> list[str]:
        return [f.name for f in Contact._meta.concrete_fields if f.name not in ("id",)]

    def _creates_from(self, object_type: str) -> bool:
        if object_type == "Lead":
            return self.settings.create_contact_from_lead
        return self.settings.create_contact_from_contact

    def _members(self, contact_ids: list[int]) -> set[int]:
        return inclusion_list_members(settings=self.settings, contact_ids=contact_ids)

    def _update_linked(
        self, object_type: str, by_id: dict[str, dict], linked: dict[str, dict]
    ) -> None:
        if not linked:
            return
        members = self._members([c["pk"] for c in linked.values()])
        now = timezone.now()
        changed: list[tuple[int, dict[str, str]]] = []
        for sf_id, contact in linked.items():
            if contact["pk"] not in members:
                self.counts.outside_inclusion_list += 1
                continue
            record = by_id[sf_id]
            modified = parse_datetime(record.get("LastModifiedDate"))
            changes = salesforce_to_contact(
                record,
                object_type=object_type,
                mappings=self.mappings,
                current=contact,
                salesforce_is_newer=bool(modified and modified > contact["updated_at"]),
                picklists=self.picklists,
            )
            if object_type == "Contact" and record.get("AccountId"):
                self.found.contacts_by_account.setdefault(record["AccountId"], set()).add(
                    contact["pk"]
                )
            problem = contact_values_problem(changes) if changes else None
            if problem:
                self.context.failed(
                    contact["pk"], Failure(object_type, *problem, salesforce_id=sf_id)
                )
                continue
            if changes:
                changed.append((contact["pk"], changes))
        sf_ids = {contact["pk"]: sf_id for sf_id, contact in linked.items()}
        written = self._write_changes(object_type, changed, now, sf_ids=sf_ids)
        self.counts.updated += len(written)
        contacts_mark_synced(written, now)
        contact_events(
            [(pk, sf_ids.get(pk, ""), sorted(changes)) for pk, changes in changed if pk in written],
            object_type,
            SyncEventOutcome.UPDATED,
        )

    def _write_changes(
        self,
        object_type: str,
        changed: list[tuple[int, dict[str, str]]],
        now: datetime,
        *,
        sf_ids: dict[int, str],
    ) -> set[int]:
        """Write Salesforce's values; returns the contacts written.

        One executemany per set of changed fields (an UPDATE per contact took most of a
        10,000-record pull). A set that breaks the unique email (another contact has the
        address) is written row by row, so that only the offending contacts fail.
        """
        groups: dict[tuple[str, ...], list[tuple[int, dict[str, str]]]] = {}
        for pk, changes in changed:
            groups.setdefault(tuple(sorted(changes)), []).append((pk, changes))
        written: set[int] = set()
        for fields, members in groups.items():
            try:
                with transaction.atomic():
                    rows_update(
                        Contact,
                        [*fields, "updated_at"],
                        [(*(changes[f] for f in fields), now, pk) for pk, changes in members],
                    )
                written.update(pk for pk, _ in members)
                continue
            except IntegrityError:
                pass
            for pk, changes in members:
                try:
                    with transaction.atomic():
                        Contact.objects.filter(pk=pk).update(**changes, updated_at=now)
                except IntegrityError:
                    self.context.failed(
                        pk,
                        Failure(
                            object_type,
                            "DUPLICATE_VALUE",
                            said(EMAIL_TAKEN, email=changes.get("email")),
                            ("email",),
                            sf_ids.get(pk, ""),
                        ),
                    )
                    continue
                written.add(pk)
        return written

    def _create_contacts(self, object_type: str, records: list[dict]) -> None:
        if not records:
            return
        rows: list[tuple[str, dict[str, str]]] = []
        for record in records:
            values = salesforce_to_contact(
                record,
                object_type=object_type,
                mappings=self.mappings,
                current=None,
                salesforce_is_newer=True,
                picklists=self.picklists,
            )
            values["email"] = record["Email"].strip()
            problem = contact_values_problem(values)
            if problem:
                self.context.failed(
                    None, Failure(object_type, *problem, salesforce_id=record["Id"])
                )
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
        defaults = {name: Contact._meta.get_field(name).get_default() for name in properties}
        with transaction.atomic():
            rows_insert(
                Contact,
                [*properties, "salesforce_id", "salesforce_object", "created_at", "updated_at"],
                (
                    (
                        *(values.get(p, defaults[p]) for p in properties),
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
            rows_insert(
                ContactSyncState,
                ["contact", "due", "synced_version"],
                ((pk, False, now) for pk in pks.values()),
                ignore_conflicts=True,
            )
        self.counts.created += len(rows)
        contact_events(
            [(pks[sf_id], sf_id, []) for sf_id, _ in rows], object_type, SyncEventOutcome.CREATED
        )
        for record in records:
            if object_type == "Contact":
                self.found.newly_linked_contacts.add(record["Id"])
                if record.get("AccountId"):
                    self.found.contacts_by_account.setdefault(record["AccountId"], set()).add(
                        pks[record["Id"]]
                    )
