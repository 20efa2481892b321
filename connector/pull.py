"""Salesforce → hubsync: read only what changed since each watermark, page by page.

Leads and Contacts (``SystemModstamp >= watermark``, pages of up to 2,000) update
linked contacts by each field mapping's rule, link unlinked ones by email, and
create new contacts only as the two "records created in Salesforce" checkboxes
say. Deletes come from queryAll ``IsDeleted = true``. Accounts and
Opportunities (with their contact roles) follow when their sync is on.

A value the sync writes itself never comes back as a change: contacts it
writes get ``synced_version`` = their new ``updated_at``, so the push scan
does not take them for edits, and values equal on both sides are not written.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings as django_settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from marketing.models import (
    Company,
    Contact,
    LifecycleStage,
    Opportunity,
    OpportunityContactRole,
)
from marketing.selectors import smart_list_contacts

from .bulk_writes import SYNC_EVENT_FIELDS, rows_insert, rows_update
from .client import SalesforceClient
from .crm import CrmCounts, crm_tasks_from_salesforce
from .mappers import MappingSpec, salesforce_fields_for, salesforce_to_contact
from .models import (
    ContactSyncEvent,
    ContactSyncState,
    DeletionAction,
    EmailCollision,
    HeldDeletion,
    IntegrationSettings,
    SalesforceDeletion,
    SyncCursor,
    SyncDirection,
    SyncError,
    SyncEventOutcome,
)
from .queue import contacts_link

logger = logging.getLogger(__name__)

IDS_PER_QUERY = 200
# A second of SystemModstamp this far in the past takes no more writes (see _Cursor).
CLOSED_AFTER = timedelta(seconds=60)
MAX_BOUNDARY_IDS = 50_000
DESCRIBE_CACHE_S = 24 * 60 * 60  # Id IN (...) lists stay far below URL and SOQL length limits
# Compound fields cannot be written to a flat property; their parts are read instead.
COMPOUND_TYPES = {"address", "location"}
OPPORTUNITY_FIELDS = (
    "Id, Name, StageName, CloseDate, Amount, IsClosed, IsWon, OwnerId, Owner.Name, SystemModstamp"
)
ROLE_FIELDS = "Id, ContactId, OpportunityId, Role, IsPrimary, SystemModstamp"
TASK_FIELDS = (
    "Id, WhoId, Subject, Description, Status, ActivityDate, TaskSubtype, HubSync_Id__c, "
    "SystemModstamp"
)


@dataclass
class PullCounts:
    read: int = 0
    created: int = 0
    updated: int = 0
    linked: int = 0
    not_created: int = 0
    outside_inclusion_list: int = 0
    collisions: int = 0
    deleted: int = 0
    kept_unlinked: int = 0
    held_deletions: int = 0  # too many deletes at once: held for an admin (HeldDeletion)
    companies: int = 0
    opportunities: int = 0
    lifecycle_changes: int = 0
    errors: int = 0

    def as_dict(self) -> dict[str, int]:
        return {f"pull_{name}": value for name, value in self.__dict__.items()}


def sf_datetime(value: str | None) -> datetime | None:
    """Salesforce's ``2024-01-01T00:00:00.000+0000`` as an aware datetime."""
    if not value:
        return None
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%f%z")


def soql_datetime(value: datetime) -> str:
    """SOQL's unquoted UTC literal, to the second (``>=`` re-reads the boundary: idempotent)."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def soql_ids(ids: Iterable[str]) -> str:
    return ", ".join(f"'{i}'" for i in ids if i and i.isalnum())


def contact_values_problem(values: dict[str, Any]) -> tuple[str, str, list[str]] | None:
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
                f"hubsync cannot store the email address {email!r}: it is not valid.",
                ["email"],
            )
    for name, value in values.items():
        max_length = getattr(Contact._meta.get_field(name), "max_length", None)
        if max_length and isinstance(value, str) and len(value) > max_length:
            return (
                "STRING_TOO_LONG",
                f"{name}: {len(value)} characters, more than hubsync's {max_length}.",
                [name],
            )
    return None


def _chunks(items: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class _Cursor:
    """A watermark on SystemModstamp, saved as the pull goes on.

    Salesforce compares datetimes to the second, so a query ``>=`` the
    watermark's second reads that second again: records already seen there
    (``boundary``) are skipped. Once the second is CLOSED_AFTER in the past no
    write can still land in it, and the query starts at the next second.
    """

    def __init__(self, name: str) -> None:
        self.row, _ = SyncCursor.objects.get_or_create(name=f"inbound:{name}")
        self.since = self.row.value
        self.newest = self.since
        self.boundary: set[str] = set(self.row.boundary_ids) if self.since else set()
        self.newest_ids: set[str] = set(self.boundary)

    def where(self, extra: str = "") -> str:
        clauses = [extra] if extra else []
        if self.since is not None:
            second = self.since.replace(microsecond=0)
            after = second + timedelta(seconds=1)
            # ">= the next second" is "> this second" however a server rounds milliseconds.
            start = after if after < timezone.now() - CLOSED_AFTER else second
            clauses.append(f"SystemModstamp >= {soql_datetime(start)}")
        return f" WHERE {' AND '.join(clauses)}" if clauses else ""

    def fresh(self, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The records not already read at the watermark's own second."""
        if not self.boundary:
            return records
        return [
            r
            for r in records
            if not (r["Id"] in self.boundary and sf_datetime(r["SystemModstamp"]) <= self.since)
        ]

    def saw(self, record: dict[str, Any]) -> None:
        stamp = sf_datetime(record.get("SystemModstamp"))
        if stamp is None:
            return
        if self.newest is None or stamp.replace(microsecond=0) > self.newest.replace(microsecond=0):
            self.newest_ids = set()
        if self.newest is None or stamp > self.newest:
            self.newest = stamp
        if stamp.replace(microsecond=0) == self.newest.replace(microsecond=0):
            self.newest_ids.add(record["Id"])

    def caught_up(self, queried_at: datetime) -> None:
        """The query started at ``queried_at`` has been read to its end: nothing stamped
        before ``queried_at - CLOSED_AFTER`` can still come, so the watermark may move there.

        Without this a query that finds nothing (no Lead deleted for weeks, no Contacts)
        keeps an old watermark, or none, and the org searches ever more rows each cycle:
        at 200,000 Leads, the deleted-Leads query took most of an incremental cycle.
        (Like CLOSED_AFTER itself, this takes the two clocks to agree within a minute.)
        """
        floor = queried_at - CLOSED_AFTER
        if self.newest is None or self.newest < floor:
            self.newest = floor
            self.newest_ids = set()
        self.save()

    def save(self) -> None:
        ids = sorted(self.newest_ids)[:MAX_BOUNDARY_IDS]
        if self.newest != self.row.value or ids != self.row.boundary_ids:
            self.row.value = self.newest
            self.row.boundary_ids = ids
            self.row.save(update_fields=["value", "boundary_ids", "updated_at"])


def inbound_cursors_reset(*names: str) -> None:
    """Forget watermarks so the next cycle reads those objects again (a backfill)."""
    SyncCursor.objects.filter(name__in=[f"inbound:{name}" for name in names]).update(
        value=None, boundary_ids=[]
    )


class SalesforcePull:
    """One cycle's inbound work. Construct, then call :meth:`run`."""

    def __init__(
        self,
        *,
        client: SalesforceClient,
        integration_settings: IntegrationSettings,
        mappings: Sequence[MappingSpec],
        crm_counts: CrmCounts | None = None,
        on_progress: Callable[[PullCounts], None] | None = None,
    ) -> None:
        self.client = client
        self.on_progress = on_progress
        self.settings = integration_settings
        self.mappings = mappings
        self.counts = PullCounts()
        self.crm_counts = crm_counts or CrmCounts()
        self.account_ids: set[str] = set()
        self.contacts_by_account: dict[str, set[int]] = {}
        self.newly_linked_sf_contacts: set[str] = set()
        self.properties = sorted({m.hubsync_property for m in mappings} | {"email"})
        self.hold_deletes = False
        self.cycle = uuid.uuid4().hex

    def run(self) -> PullCounts:
        """Read every change in as few calls as possible.

        The first wave's queries (Leads, Contacts, their deletes, changed Accounts,
        contact roles and Opportunities) share composite calls; what they reveal
        (new Accounts and Opportunities to read) is a second and third wave.
        """
        accounts = self.settings.account_sync == "sync"
        opportunities = self.settings.opportunity_sync
        plan: list[tuple[str, _Cursor, str, bool]] = []
        # Watermarked queries are read in SystemModstamp order: the cursor is saved a page
        # at a time, so an interrupted pull resumes where it was; and the org can answer
        # from its SystemModstamp index (without an order, the emulator scanned every row).
        order = " ORDER BY SystemModstamp, Id"
        for object_type in ("Lead", "Contact"):
            cursor = _Cursor(object_type)
            fields = salesforce_fields_for(
                object_type, self.mappings, picklists=self.settings.state_country_picklists
            )
            soql = f"SELECT {', '.join(fields)} FROM {object_type}{cursor.where()}"
            plan.append((f"people:{object_type}", cursor, soql + order, False))
        for object_type in ("Lead", "Contact"):
            cursor = _Cursor(f"{object_type}:deleted")
            where = cursor.where("IsDeleted = true")
            plan.append(
                (
                    f"deleted:{object_type}",
                    cursor,
                    f"SELECT Id, SystemModstamp FROM {object_type}{where}{order}",
                    True,
                )
            )
        self.known_companies = set(
            Company.objects.exclude(salesforce_id="").values_list("salesforce_id", flat=True)
        )
        self.account_cursor = _Cursor("Account")
        if accounts and self.account_cursor.since is not None and self.known_companies:
            soql = f"SELECT {', '.join(self._account_fields())} FROM Account"
            plan.append(
                ("accounts", self.account_cursor, soql + self.account_cursor.where(), False)
            )
        self.known_opportunities = set(Opportunity.objects.values_list("salesforce_id", flat=True))
        self.role_cursor = _Cursor("OpportunityContactRole")
        self.opp_cursor = _Cursor("Opportunity")
        if opportunities:
            soql = f"SELECT {ROLE_FIELDS} FROM OpportunityContactRole{self.role_cursor.where()}"
            plan.append(("roles", self.role_cursor, soql, False))
            if self.opp_cursor.since is not None and self.known_opportunities:
                soql = f"SELECT {OPPORTUNITY_FIELDS} FROM Opportunity{self.opp_cursor.where()}"
                plan.append(("opportunities", self.opp_cursor, soql, False))
        if self.settings.task_sync_active:
            self.task_cursor = _Cursor("Task")
            soql = (
                f"SELECT {TASK_FIELDS} FROM Task"
                f"{self.task_cursor.where('HubSync_Id__c = null AND WhoId != null')}{order}"
            )
            plan.append(("tasks", self.task_cursor, soql, False))
        queried_at = timezone.now()
        pages = self.client.query_many([(soql, deleted) for _, _, soql, deleted in plan])
        results = dict(zip([name for name, *_ in plan], pages, strict=True))
        cursors = {name: cursor for name, cursor, *_ in plan}
        for object_type in ("Lead", "Contact"):
            name = f"people:{object_type}"
            for page in results[name]:
                fresh = cursors[name].fresh(page)
                self.counts.read += len(fresh)
                self._apply_people_page(object_type, fresh)
                self._advance(cursors[name], page)
                if self.on_progress is not None:
                    self.on_progress(self.counts)
            cursors[name].caught_up(queried_at)
        deletes: dict[str, list[tuple[list[dict], list[dict]]]] = {}
        for object_type in ("Lead", "Contact"):
            name = f"deleted:{object_type}"
            deletes[object_type] = [(page, cursors[name].fresh(page)) for page in results[name]]
        # The whole cycle's deletes are counted before any is applied (mass-delete guard).
        self.hold_deletes = self._mass_delete(deletes)
        for object_type, pages in deletes.items():
            for page, fresh in pages:
                self._apply_deletes(object_type, fresh)
                self._advance(cursors[f"deleted:{object_type}"], page)
            cursors[f"deleted:{object_type}"].caught_up(queried_at)
        if accounts:
            self._pull_accounts(results.get("accounts"))
        if opportunities:
            self._pull_opportunities(results.get("roles"), results.get("opportunities"))
        if "tasks" in results:
            for page in results["tasks"]:
                crm_tasks_from_salesforce(
                    records=cursors["tasks"].fresh(page), counts=self.crm_counts
                )
                self._advance(cursors["tasks"], page)
            cursors["tasks"].caught_up(queried_at)
        return self.counts

    @staticmethod
    def _advance(cursor: _Cursor, page: list[dict]) -> None:
        for record in page:
            cursor.saw(record)
        cursor.save()  # a page at a time: an interrupted pull resumes where it was

    # -- Leads and Contacts -----------------------------------------------------------
    def _apply_people_page(self, object_type: str, records: list[dict]) -> None:
        if object_type == "Lead":
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
            self._events(
                [(pk, sf_id, []) for pk, sf_id in links.items()],
                object_type,
                SyncEventOutcome.LINKED,
            )
            if object_type == "Contact":
                self.newly_linked_sf_contacts.update(links.values())
        self._update_linked(object_type, by_id, linked)
        self._create_contacts(object_type, creates)
        if object_type == "Contact":
            for record in records:
                if record.get("AccountId"):
                    self.account_ids.add(record["AccountId"])

    @staticmethod
    def _match_case_insensitively(unlinked: list[dict], by_email: dict[str, dict]) -> None:
        missing = {r["Email"].lower() for r in unlinked} - set(by_email)
        if not missing:
            return
        from marketing.selectors import contacts_by_email_keys

        for key, contact in contacts_by_email_keys(keys=missing).items():
            by_email[key] = {
                "pk": contact.pk,
                "email": contact.email,
                "salesforce_id": contact.salesforce_id,
                "salesforce_object": contact.salesforce_object,
                "updated_at": contact.updated_at,
                **{p: getattr(contact, p) for p in SalesforcePull._contact_properties()},
            }

    @staticmethod
    def _contact_properties() -> list[str]:
        return [f.name for f in Contact._meta.concrete_fields if f.name not in ("id",)]

    def _creates_from(self, object_type: str) -> bool:
        if object_type == "Lead":
            return self.settings.create_contact_from_lead
        return self.settings.create_contact_from_contact

    def _members(self, contact_ids: list[int]) -> set[int]:
        if self.settings.inclusion_list is None:
            return set(contact_ids)
        members = smart_list_contacts(smart_list=self.settings.inclusion_list)
        return set(members.filter(pk__in=contact_ids).values_list("pk", flat=True))

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
            modified = sf_datetime(record.get("LastModifiedDate"))
            changes = salesforce_to_contact(
                record,
                object_type=object_type,
                mappings=self.mappings,
                current=contact,
                salesforce_is_newer=bool(modified and modified > contact["updated_at"]),
                picklists=self.settings.state_country_picklists,
            )
            if object_type == "Contact" and record.get("AccountId"):
                self.contacts_by_account.setdefault(record["AccountId"], set()).add(contact["pk"])
            problem = contact_values_problem(changes) if changes else None
            if problem:
                self._record_error(contact["pk"], object_type, problem[0], problem[1], sf_id)
                continue
            if changes:
                changed.append((contact["pk"], changes))
        written = self._write_changes(object_type, changed, now)
        self.counts.updated += len(written)
        self._mark_synced(written, now)
        sf_ids = {contact["pk"]: sf_id for sf_id, contact in linked.items()}
        self._events(
            [(pk, sf_ids.get(pk, ""), sorted(changes)) for pk, changes in changed if pk in written],
            object_type,
            SyncEventOutcome.UPDATED,
        )

    def _write_changes(
        self, object_type: str, changed: list[tuple[int, dict[str, str]]], now: datetime
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
                    self._record_error(
                        pk,
                        object_type,
                        "DUPLICATE_VALUE",
                        f"Another hubsync contact already has the email {changes.get('email')}.",
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
                picklists=self.settings.state_country_picklists,
            )
            values["email"] = record["Email"].strip()
            problem = contact_values_problem(values)
            if problem:
                self._record_error(None, object_type, problem[0], problem[1], record["Id"])
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
        self._events(
            [(pks[sf_id], sf_id, []) for sf_id, _ in rows], object_type, SyncEventOutcome.CREATED
        )
        for record in records:
            if object_type == "Contact":
                self.newly_linked_sf_contacts.add(record["Id"])
                if record.get("AccountId"):
                    self.contacts_by_account.setdefault(record["AccountId"], set()).add(
                        pks[record["Id"]]
                    )

    @staticmethod
    def _events(rows: list[tuple[int, str, list[str]]], object_type: str, outcome: str) -> None:
        """Each contact's sync history (see ContactSyncEvent)."""
        rows_insert(
            ContactSyncEvent,
            SYNC_EVENT_FIELDS,
            (
                (pk, SyncDirection.INBOUND, object_type, sf_id, fields, outcome, "")
                for pk, sf_id, fields in rows
            ),
        )

    def _mark_synced(self, contact_ids: list[int], version: datetime) -> None:
        """The sync wrote these contacts: not a change to push.

        Only for contacts in sync before; one with an edit still to push (due, or
        never pushed) stays due and sends the merged values.
        """
        if contact_ids:
            ContactSyncState.objects.filter(contact_id__in=contact_ids, due=False).update(
                synced_version=version
            )

    def _record_error(
        self,
        contact_id: int | None,
        object_type: str,
        code: str,
        message: str,
        salesforce_id: str = "",
    ) -> None:
        """One open inbound error per contact, or per Salesforce record when none exists."""
        self.counts.errors += 1
        key: dict[str, Any] = {"contact_id": contact_id}
        if contact_id is None:
            key["salesforce_id"] = salesforce_id
        SyncError.objects.update_or_create(
            **key,
            direction=SyncDirection.INBOUND,
            resolved_at=None,
            defaults={
                "object_type": object_type,
                "code": code,
                "message": message,
                "salesforce_id": salesforce_id,
            },
        )

    # -- deletes ----------------------------------------------------------------------
    def _deletes_in_hubsync(self, object_type: str) -> bool:
        """The page's checkbox: delete the hubsync contact when its Lead/Contact is deleted."""
        if object_type == "Lead":
            return self.settings.delete_when_lead_deleted
        return self.settings.delete_when_contact_deleted

    def _mass_delete(self, deletes: dict[str, list[tuple[list[dict], list[dict]]]]) -> bool:
        """Whether this cycle would delete more than SALESFORCE_MASS_DELETE_SHARE of all contacts
        (and at least SALESFORCE_MASS_DELETE_MIN).

        A mistaken mass delete in Salesforce (or a sandbox refresh) must not wipe the
        marketing database: such a cycle's deletes are held for an admin instead.
        """
        would_delete = 0
        for object_type, pages in deletes.items():
            if not self._deletes_in_hubsync(object_type):
                continue
            ids = [record["Id"] for _, fresh in pages for record in fresh]
            for chunk in _chunks(ids, 1_000):
                would_delete += Contact.objects.filter(
                    salesforce_id__in=chunk, salesforce_object=object_type
                ).count()
        if would_delete < django_settings.SALESFORCE_MASS_DELETE_MIN:
            return False
        share = django_settings.SALESFORCE_MASS_DELETE_SHARE
        return would_delete > share * Contact.objects.count()

    def _hold_deletes(self, object_type: str, contacts: list[Contact]) -> None:
        """Keep the contacts (still linked, never pushed) until an admin approves or discards."""
        with transaction.atomic():
            HeldDeletion.objects.bulk_create(
                [
                    HeldDeletion(
                        contact=c,
                        email=c.email,
                        object_type=object_type,
                        salesforce_id=c.salesforce_id,
                        cycle=self.cycle,
                    )
                    for c in contacts
                ],
                ignore_conflicts=True,
            )
            ContactSyncState.objects.filter(contact_id__in=[c.pk for c in contacts]).update(
                excluded=True
            )
        self.counts.held_deletions += len(contacts)

    def _apply_deletes(self, object_type: str, page: list[dict]) -> None:
        delete = self._deletes_in_hubsync(object_type)
        ids = [r["Id"] for r in page]
        contacts = list(
            Contact.objects.filter(salesforce_id__in=ids, salesforce_object=object_type)
        )
        if not contacts:
            return
        if delete and self.hold_deletes:
            self._hold_deletes(object_type, contacts)
            return
        with transaction.atomic():
            SalesforceDeletion.objects.bulk_create(
                [
                    SalesforceDeletion(
                        contact=None if delete else c,
                        email=c.email,
                        object_type=object_type,
                        salesforce_id=c.salesforce_id,
                        action=DeletionAction.DELETED if delete else DeletionAction.KEPT,
                    )
                    for c in contacts
                ]
            )
            pks = [c.pk for c in contacts]
            if delete:
                Contact.objects.filter(pk__in=pks).delete()
                self.counts.deleted += len(pks)
            else:
                Contact.objects.filter(pk__in=pks).update(salesforce_id="", salesforce_object="")
                ContactSyncState.objects.filter(contact_id__in=pks).update(excluded=True, due=False)
                self.counts.kept_unlinked += len(pks)

    # -- accounts -----------------------------------------------------------------------
    def _account_fields(self) -> list[str]:
        """Every Account field, from describe (custom ones too); cached for a day."""

        def describe() -> list[str]:
            fields = self.client.describe("Account")["fields"]
            return [f["name"] for f in fields if f.get("type") not in COMPOUND_TYPES]

        return cache.get_or_set("connector:describe:Account", describe, DESCRIBE_CACHE_S)

    def _pull_accounts(self, changed_pages: Iterable[list[dict]] | None) -> None:
        cursor = self.account_cursor
        records: list[dict] = []
        for page in changed_pages or ():
            records += [r for r in page if r["Id"] in self.known_companies]
            for record in page:
                cursor.saw(record)
        needed = sorted(self.account_ids - self.known_companies)
        if needed:
            fields = ", ".join(self._account_fields())
            queries = [
                (f"SELECT {fields} FROM Account WHERE Id IN ({soql_ids(chunk)})", False)
                for chunk in _chunks(needed, IDS_PER_QUERY)
            ]
            for pages in self.client.query_many(queries):
                for page in pages:
                    records += page
                    for record in page:
                        cursor.saw(record)
        if cursor.newest is None:
            cursor.newest = timezone.now()
        self._store_companies(records)
        cursor.save()

    def _store_companies(self, records: list[dict]) -> None:
        for record in records:
            properties = {k: v for k, v in record.items() if k != "attributes"}
            website = (record.get("Website") or "").strip()
            domain = website.split("//")[-1].split("/")[0].removeprefix("www.")
            company, _ = Company.objects.update_or_create(
                salesforce_id=record["Id"],
                defaults={
                    "name": record.get("Name") or "",
                    "domain": domain,
                    "properties": properties,
                },
            )
            self.counts.companies += 1
            contact_ids = self.contacts_by_account.get(record["Id"], set())
            if contact_ids:
                Contact.objects.filter(pk__in=contact_ids).exclude(company=company).update(
                    company=company
                )
        # Contacts whose Account was already known: link them too.
        for account_id, contact_ids in self.contacts_by_account.items():
            company = Company.objects.filter(salesforce_id=account_id).first()
            if company:
                Contact.objects.filter(pk__in=contact_ids).exclude(company=company).update(
                    company=company
                )

    # -- opportunities ------------------------------------------------------------------
    def _pull_opportunities(
        self,
        role_pages: Iterable[list[dict]] | None,
        changed_pages: Iterable[list[dict]] | None,
    ) -> None:
        roles: list[dict] = []
        for page in role_pages or ():
            roles += page
            for record in page:
                self.role_cursor.saw(record)
        opportunities: dict[str, dict] = {}
        for page in changed_pages or ():
            opportunities.update({r["Id"]: r for r in page if r["Id"] in self.known_opportunities})
            for record in page:
                self.opp_cursor.saw(record)
        # Contacts linked in this cycle may have roles older than the watermark.
        seen = {r["Id"] for r in roles}
        newly = sorted(self.newly_linked_sf_contacts) if self.role_cursor.since else []
        queries = [
            (
                f"SELECT {ROLE_FIELDS} FROM OpportunityContactRole "
                f"WHERE ContactId IN ({soql_ids(chunk)})",
                False,
            )
            for chunk in _chunks(newly, IDS_PER_QUERY)
        ]
        for pages in self.client.query_many(queries) if queries else []:
            for page in pages:
                roles += [r for r in page if r["Id"] not in seen]
        contact_pks = dict(
            Contact.objects.filter(
                salesforce_object="Contact", salesforce_id__in={r["ContactId"] for r in roles}
            ).values_list("salesforce_id", "pk")
        )
        roles = [r for r in roles if r["ContactId"] in contact_pks]
        needed = sorted({r["OpportunityId"] for r in roles} - self.known_opportunities)
        queries = [
            (f"SELECT {OPPORTUNITY_FIELDS} FROM Opportunity WHERE Id IN ({soql_ids(chunk)})", False)
            for chunk in _chunks(needed, IDS_PER_QUERY)
        ]
        for pages in self.client.query_many(queries) if queries else []:
            for page in pages:
                opportunities.update({r["Id"]: r for r in page})
                for record in page:
                    self.opp_cursor.saw(record)
        for cursor in (self.role_cursor, self.opp_cursor):
            if cursor.newest is None:
                cursor.newest = timezone.now()
        touched = self._store_opportunities(opportunities, roles, contact_pks)
        self.role_cursor.save()
        self.opp_cursor.save()
        if self.settings.lifecycle_transitions:
            self._advance_lifecycle(touched)

    def _store_opportunities(
        self, opportunities: dict[str, dict], roles: list[dict], contact_pks: dict[str, int]
    ) -> set[int]:
        """Upsert opportunities and roles; returns the contacts whose opportunities changed."""
        by_sf_id: dict[str, Opportunity] = {}
        for sf_id, record in opportunities.items():
            try:
                amount = (
                    Decimal(str(record["Amount"])) if record.get("Amount") is not None else None
                )
            except InvalidOperation:
                amount = None
            opportunity, _ = Opportunity.objects.update_or_create(
                salesforce_id=sf_id,
                defaults={
                    "name": record.get("Name") or "",
                    "stage": record.get("StageName") or "",
                    "close_date": record.get("CloseDate"),
                    "amount": amount,
                    "is_closed": bool(record.get("IsClosed")),
                    "is_won": bool(record.get("IsWon")),
                    "owner_salesforce_id": record.get("OwnerId") or "",
                    "owner_name": (record.get("Owner") or {}).get("Name") or "",
                },
            )
            by_sf_id[sf_id] = opportunity
            self.counts.opportunities += 1
        touched = set(
            OpportunityContactRole.objects.filter(
                opportunity__salesforce_id__in=list(opportunities)
            ).values_list("contact_id", flat=True)
        )
        missing = {r["OpportunityId"] for r in roles} - set(by_sf_id)
        by_sf_id.update(
            {o.salesforce_id: o for o in Opportunity.objects.filter(salesforce_id__in=missing)}
        )
        for role in roles:
            opportunity = by_sf_id.get(role["OpportunityId"])
            if opportunity is None:
                continue
            contact_pk = contact_pks[role["ContactId"]]
            OpportunityContactRole.objects.update_or_create(
                salesforce_id=role["Id"],
                defaults={
                    "opportunity": opportunity,
                    "contact_id": contact_pk,
                    "role": role.get("Role") or "",
                    "is_primary": bool(role.get("IsPrimary")),
                },
            )
            touched.add(contact_pk)
        return touched

    def _advance_lifecycle(self, contact_ids: set[int]) -> None:
        """Open opportunity → *opportunity*; Closed Won → *customer*; never backwards."""
        if not contact_ids:
            return
        now = timezone.now()
        changed = []
        won = set(
            OpportunityContactRole.objects.filter(
                contact_id__in=contact_ids, opportunity__is_won=True
            ).values_list("contact_id", flat=True)
        )
        open_ = set(
            OpportunityContactRole.objects.filter(
                contact_id__in=contact_ids, opportunity__is_closed=False
            ).values_list("contact_id", flat=True)
        )
        for pk, stage in Contact.objects.filter(pk__in=contact_ids).values_list(
            "pk", "lifecycle_stage"
        ):
            target = (
                LifecycleStage.CUSTOMER
                if pk in won
                else LifecycleStage.OPPORTUNITY
                if pk in open_
                else None
            )
            if target and LifecycleStage.is_after(target, stage):
                Contact.objects.filter(pk=pk).update(lifecycle_stage=target, updated_at=now)
                changed.append(pk)
        self.counts.lifecycle_changes += len(changed)
        self._mark_synced(changed, now)
