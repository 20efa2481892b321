"""Leads and Contacts changed in Salesforce: update linked contacts, link by email, create.

Linked contacts take Salesforce's values by each field mapping's rule (inside the
inclusion list only); unlinked records are linked to the hubsync contact with their
email (the oldest record wins, the others are recorded as collisions), or create a
contact when the page's "records created in Salesforce" checkbox for the object says so.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models.functions import Lower
from django.utils import timezone

from marketing.models import Contact

from ...bulk_writes import rows_update
from ...mappers import record_in_hubsync_terms, salesforce_fields_for
from ...merge import Side, contact_merge
from ...models import AccountSync, ContactSyncState, EmailCollision, SyncEventOutcome
from ...org_schema import org_picklists
from ...owners import owners_get
from ...services.deletions import deleted_records_restored
from ...services.owners import org_users_read_if_due
from ...soql import in_lists, parse_datetime
from ..base import synced_values_get, synced_values_store
from ..contact_values import contact_values_problem, contact_values_write
from ..failures import Failure
from ..history import both_changed_detail, contact_events
from ..queue import contacts_link
from ..relink import records_followed
from .collisions import collisions_released, collisions_released_in_hubsync
from .common import (
    Pages,
    PullContext,
    Query,
    contacts_mark_synced,
    inclusion_list_members,
)
from .people_create import contacts_create
from .people_read import PeopleRead
from .watermark import IN_ORDER, Watermark

PEOPLE = ("Lead", "Contact")


def states_by_record(salesforce_ids: list[str], field: str) -> dict[str, tuple[int, Any]]:
    """``{record id: (contact id, its sync state's field)}`` for the linked contacts. Two
    lookups by index (contacts by record id, then their states by key): joined in one query,
    PostgreSQL scanned every sync state at 2,000,000 contacts (0.9 s a page)."""
    linked = dict(
        Contact.objects.filter(salesforce_id__in=salesforce_ids).values_list("pk", "salesforce_id")
    )
    rows = ContactSyncState.objects.filter(contact_id__in=list(linked)).values_list(
        "contact_id", field
    )
    return {linked[pk]: (pk, value) for pk, value in rows}


def record_owners_store(owner_ids: dict[str, str]) -> None:
    """Each linked contact's record owner as Salesforce has it (the contact page names it,
    "Queue: <name>" for a queue)."""
    if not owner_ids:
        return
    stored = states_by_record(list(owner_ids), "salesforce_owner_id")
    changed = [
        (owner_ids[sf_id], pk) for sf_id, (pk, owner) in stored.items() if owner_ids[sf_id] != owner
    ]
    if changed:
        rows_update(ContactSyncState, ["salesforce_owner_id"], changed)


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
        self.owners = owners_get()
        self.watermarks = {object_type: Watermark(object_type) for object_type in PEOPLE}
        self.queries: list[Query] = []
        self.fields: dict[str, str] = {}
        self.released: dict[str, set[str]] = {}  # records to read again (pull.collisions)
        for object_type in PEOPLE:
            fields = salesforce_fields_for(
                object_type, self.mappings, picklists=self.settings.state_country_picklists
            )
            self.fields[object_type] = ", ".join(fields)
            where = self.watermarks[object_type].where()
            self.queries.append(
                (f"SELECT {self.fields[object_type]} FROM {object_type}{where}{IN_ORDER}", False)
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
            self._reread_included(object_type)
        self._read_released()
        return self.found

    def _read_released(self) -> None:
        """Records whose email collision ended this cycle (pull.collisions), read by Id and
        applied (which may end further collisions: read until none is left)."""
        for object_type, ids in collisions_released_in_hubsync().items():
            self.released.setdefault(object_type, set()).update(ids)
        for _ in range(10):
            released, self.released = self.released, {}
            if not released:
                return
            for object_type, ids in released.items():
                queries = [
                    (
                        f"SELECT {self.fields[object_type]} FROM {object_type} WHERE Id IN ({c})",
                        False,
                    )
                    for c in in_lists(sorted(ids))
                ]
                for pages in self.context.client.query_many(queries):
                    for page in pages:
                        self._apply_people_page(object_type, page)

    def _reread_included(self, object_type: str) -> None:
        """Records skipped while their contacts were outside the inclusion list, read again
        by Id now that the contacts are back in (no call when there are none)."""
        # The marked states first, from their partial index: joined, SQLite read every
        # contact (in id order) instead: 0.12 s a cycle at 200,000 contacts.
        marked = ContactSyncState.objects.filter(reread_when_included=True).values("contact_id")
        waiting = dict(
            Contact.objects.filter(salesforce_object=object_type, pk__in=marked)
            .order_by()
            .values_list("pk", "salesforce_id")
        )
        # Not the contacts whose records this cycle read (marked for their Accounts).
        back = self._members([pk for pk in waiting if pk not in self.found.accounts_pending])
        if not back:
            return
        ids = [waiting[pk] for pk in sorted(back)]
        queries = [
            (f"SELECT {self.fields[object_type]} FROM {object_type} WHERE Id IN ({chunk})", False)
            for chunk in in_lists(ids)
        ]
        for pages in self.context.client.query_many(queries):
            for page in pages:
                self._apply_people_page(object_type, page)
        # Read now; those marked meanwhile for their Accounts stay so until they are stored.
        done = back - self.found.accounts_pending
        ContactSyncState.objects.filter(contact_id__in=done).update(reread_when_included=False)

    @staticmethod
    def _echoes(records: list[dict]) -> int:
        """How many of these records hubsync's own push wrote last: modified no later than
        it pushed their contact (so a Salesforce edit after the push is a change again).

        Only for the counts: the records are applied all the same, and values equal on
        both sides are not written.
        """
        pushed = {
            sf_id: at
            for sf_id, (_, at) in states_by_record(
                [r["Id"] for r in records], "last_pushed_at"
            ).items()
            if at is not None
        }
        echoes = 0
        for record in records:
            modified = parse_datetime(record.get("LastModifiedDate"))
            at = pushed.get(record["Id"])
            if at is not None and modified is not None and modified <= at:
                echoes += 1
        return echoes

    def _apply_people_page(self, object_type: str, records: list[dict]) -> None:
        # Back from the recycle bin first: a Lead restored and converted meanwhile is
        # followed by its contact as any converted Lead.
        deleted_records_restored(object_type=object_type, salesforce_ids=[r["Id"] for r in records])
        if object_type == "Lead":
            self._follow_conversions([r for r in records if r.get("IsConverted")])
            records = [r for r in records if not r.get("IsConverted")]
        # Owners hubsync does not know yet (a new rep, a queue) are read first; then the
        # merge compares OwnerId as the matched hubsync user (blank: a queue, nobody).
        owner_ids = {r["Id"]: r.get("OwnerId") or "" for r in records}
        if records and org_users_read_if_due(
            self.context.client, owner_ids=set(owner_ids.values())
        ):
            self.owners = owners_get()
        records = [record_in_hubsync_terms(r, self.owners) for r in records]
        by_id = {r["Id"]: r for r in records}
        linked = {
            c["salesforce_id"]: c
            for c in Contact.objects.filter(salesforce_id__in=list(by_id)).values(
                "pk", "salesforce_id", "updated_at", *self.properties
            )
        }
        # Linked records first: one may give its contact an address that an unlinked
        # record of this page also has, which must then match that contact (a collision),
        # not create a second contact with the address (the unique email would sink the page).
        self._update_linked(object_type, by_id, linked, first_matches=set())
        for released_type, ids in collisions_released(by_id[i] for i in linked).items():
            self.released.setdefault(released_type, set()).update(ids)
        unlinked = sorted(
            (r for r in records if r["Id"] not in linked and r.get("Email")),
            key=lambda r: (r.get("CreatedDate") or "", r["Id"]),  # the oldest wins
        )
        # One lookup on the unique index of Lower(email). Salesforce takes ASCII addresses
        # only, which every database lowers as Python does.
        keys = {r["Email"].lower() for r in unlinked}
        by_email = {
            c["email"].lower(): c
            for c in Contact.objects.alias(email_lower=Lower("email"))
            .filter(email_lower__in=list(keys))
            .values(
                "pk",
                "email",
                "salesforce_id",
                "salesforce_object",
                "updated_at",
                "sync_state__excluded",
                *self.properties,
            )
        }
        links: dict[int, str] = {}
        matched: dict[str, dict] = {}
        creates: list[dict] = []
        taken: dict[str, str] = {}  # email → the Salesforce id that got it
        for record in unlinked:
            email = record["Email"].lower()
            contact = by_email.get(email)
            if contact and contact["sync_state__excluded"]:
                # Kept and unlinked when its record was deleted or merged into one another
                # contact follows: it syncs no more, so no other record takes it either.
                continue
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
                matched[record["Id"]] = {**contact, "salesforce_id": record["Id"]}
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
        self._update_linked(object_type, by_id, matched, first_matches=set(matched))
        contacts_create(object_type, creates, context=self.context, found=self.found)
        record_owners_store(owner_ids)
        if object_type == "Contact":
            for record in records:
                if record.get("AccountId"):
                    self.found.account_ids.add(record["AccountId"])
            self.found.accounts_mark_pending(
                account_sync=self.settings.account_sync == AccountSync.SYNC
            )

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

    def _creates_from(self, object_type: str) -> bool:
        if object_type == "Lead":
            return self.settings.create_contact_from_lead
        return self.settings.create_contact_from_contact

    def _members(self, contact_ids: list[int]) -> set[int]:
        return inclusion_list_members(settings=self.settings, contact_ids=contact_ids)

    def _update_linked(
        self,
        object_type: str,
        by_id: dict[str, dict],
        linked: dict[str, dict],
        *,
        first_matches: set[str],
    ) -> None:
        """Merge each linked contact with its record, field by field (connector.merge).

        ``first_matches``: records just matched by email, merged with no base (whatever
        the contact kept from an earlier link is not about this record)."""
        if not linked:
            return
        members = self._members([c["pk"] for c in linked.values()])
        bases = synced_values_get(c["pk"] for c in linked.values())
        now = timezone.now()
        changed: list[tuple[int, dict[str, str]]] = []
        new_bases: dict[int, dict[str, str]] = {}
        both_changed: dict[int, dict[str, Side]] = {}
        outside = [c["pk"] for c in linked.values() if c["pk"] not in members]
        if outside:
            self.counts.outside_inclusion_list += len(outside)
            ContactSyncState.objects.filter(contact_id__in=outside).update(
                reread_when_included=True
            )
        for sf_id, contact in linked.items():
            if contact["pk"] not in members:
                continue
            record = by_id[sf_id]
            stored = None if sf_id in first_matches else bases.get(contact["pk"])
            merge = contact_merge(
                record,
                object_type=object_type,
                mappings=self.mappings,
                current=contact,
                base=stored,
                salesforce_modified=parse_datetime(record.get("LastModifiedDate")),
                hubsync_modified=contact["updated_at"],
                picklists=self.picklists,
            )
            if object_type == "Contact" and record.get("AccountId"):
                self.found.account_found(contact["pk"], record["AccountId"])
            problem = contact_values_problem(merge.take) if merge.take else None
            if problem:
                self.context.failed(
                    contact["pk"], Failure(object_type, *problem, salesforce_id=sf_id)
                )
                continue
            if merge.take:
                changed.append((contact["pk"], merge.take))
            if merge.base != (stored or {}):
                new_bases[contact["pk"]] = {**(stored or {}), **merge.base}
            if merge.both_changed:
                both_changed[contact["pk"]] = merge.both_changed
        sf_ids = {contact["pk"]: sf_id for sf_id, contact in linked.items()}
        written = contact_values_write(
            object_type, changed, now, sf_ids=sf_ids, failed=self.context.failed
        )
        # A contact whose values could not be written keeps its base: the fields stay
        # different, and the next cycle decides them again.
        unwritten = {pk for pk, _ in changed} - written
        synced_values_store({pk: b for pk, b in new_bases.items() if pk not in unwritten})
        self.counts.updated += len(written)
        contacts_mark_synced(written, now)
        taken = {pk: sorted(changes) for pk, changes in changed if pk in written}
        contact_events(
            [
                (pk, sf_ids.get(pk, ""), taken.get(pk, []), both_changed_detail(both_changed[pk]))
                if pk in both_changed
                else (pk, sf_ids.get(pk, ""), taken[pk])
                for pk in sorted(set(taken) | set(both_changed))
            ],
            object_type,
            SyncEventOutcome.UPDATED,
        )
