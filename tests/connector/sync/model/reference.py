"""The reference model: what the settings and the history of edits say must be true once
the sync is quiescent, and the check of hubsync and the org against it.

The model does not re-implement the engine. It keeps, between two quiescent checkpoints,
who wrote which field last (hubsync's people or Salesforce's rep), when each side last
touched a contact or record, which links the history disturbed (creates, merges,
conversions, deletes, email changes, the inclusion list), and which settings changed. At a
checkpoint it derives the expected outcome where the history decides it alone, and
otherwise checks what must hold whatever the interleaving of cycles (convergence, links).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from connector.models import ContactSyncState, HeldDeletion, SyncError
from marketing.models import Activity, Contact, CrmTask
from marketing.selectors import smart_list_contacts

from .world import FIELDS, World, sf_field, sf_text

TWO_WAY, PREFER, ALWAYS, DONT = "two_way", "prefer_salesforce", "always_salesforce", "dont_sync"
# Two touches closer than this are not ordered by the model (Salesforce stamps milliseconds).
CLOCK_SLACK_S = 0.005


@dataclass
class Edit:
    seq: int
    at: float
    value: str


@dataclass
class Snapshot:
    contacts: dict[int, dict[str, Any]]
    states: dict[int, dict[str, Any]]
    errors: dict[int | None, list[dict[str, Any]]]
    records: dict[str, dict[str, Any]]
    settings: Any
    members: set[int]
    rules: dict[str, str]
    held: set[int]
    crm: list[tuple[str, int]]  # (external id in Salesforce, contact) of tasks and activities
    tasks: Counter[str]  # live Salesforce Tasks by external id

    @classmethod
    def take(cls, world: World) -> Snapshot:
        from connector.selectors import integration_settings_get

        settings = integration_settings_get()
        props = ["email", *FIELDS]
        contacts = {
            row["pk"]: row
            for row in Contact.objects.values(
                "pk",
                *props,
                "salesforce_id",
                "salesforce_object",
                "external_id",
                "lifecycle_stage",
                "updated_at",
                "company__salesforce_id",
            )
        }
        states = {
            row["contact_id"]: row
            for row in ContactSyncState.objects.values(
                "contact_id", "excluded", "needs_fix", "parked", "due", "synced_values"
            )
        }
        errors: dict[int | None, list[dict[str, Any]]] = {}
        for row in SyncError.objects.filter(resolved_at__isnull=True).values(
            "contact_id",
            "code",
            "needs_fix",
            "direction",
            "object_type",
            "message",
            "salesforce_id",
        ):
            errors.setdefault(row["contact_id"], []).append(row)
        records = {
            row["Id"]: {**row, "type": object_type}
            for object_type in ("Lead", "Contact")
            for row in world.sf_records(object_type)
        }
        if settings.inclusion_list is None:
            members = set(contacts)
        else:
            members = set(
                smart_list_contacts(smart_list=settings.inclusion_list).values_list("pk", flat=True)
            )
        held = set(HeldDeletion.objects.values_list("contact_id", flat=True))
        crm = [
            (f"task-{ext}", pk) for ext, pk in CrmTask.objects.values_list("external_id", "contact")
        ] + [
            (f"activity-{ext}", pk)
            for ext, pk in Activity.objects.values_list("external_id", "contact")
        ]
        tasks = Counter(
            row.get("HubSync_Id__c") or ""
            for row in world.sf_records("Task")
            if not row["IsDeleted"]
        )
        return cls(
            contacts, states, errors, records, settings, members, world.rules(), held, crm, tasks
        )

    def live(self, sf_id: str) -> bool:
        row = self.records.get(sf_id)
        return bool(row) and not row["IsDeleted"] and not row.get("IsConverted")


@dataclass
class Reference:
    seq: int = 0
    now: float = 0.0
    hub_edits: dict[tuple[int, str], Edit] = field(default_factory=dict)
    sf_edits: dict[tuple[str, str], Edit] = field(default_factory=dict)
    hub_touch: dict[int, Edit] = field(default_factory=dict)
    sf_touch: dict[str, Edit] = field(default_factory=dict)
    disturbed_contacts: set[int] = field(default_factory=set)
    disturbed_records: set[str] = field(default_factory=set)
    loose: dict[str, int] = field(default_factory=dict)  # property → seq its rule changed
    rule_changed: set[str] = field(default_factory=set)  # since the last checkpoint
    agreed: dict[tuple[int, str], str] = field(default_factory=dict)
    links: dict[int, str] = field(default_factory=dict)  # at the last checkpoint
    unlink_justified: set[int] = field(default_factory=set)
    hub_deleted: set[int] = field(default_factory=set)
    sf_deletes: list[tuple[int, str, str, set[int]]] = field(default_factory=list)
    option_changed: dict[str, int] = field(default_factory=dict)  # object type → seq
    list_disturbed: bool = False
    known_contacts: set[int] = field(default_factory=set)
    hub_deleted_emails: set[str] = field(default_factory=set)  # over the whole history
    hub_deleted_records: set[str] = field(default_factory=set)  # their contacts' records

    # -- bookkeeping, called by the steps ----------------------------------------------------

    def step(self, now: float) -> None:
        self.seq += 1
        self.now = now

    def hub_edit(self, pk: int, prop: str, value: str) -> None:
        self.hub_edits[(pk, prop)] = Edit(self.seq, self.now, value.strip())
        self.hub_touched(pk)

    def hub_touched(self, pk: int) -> None:
        self.hub_touch[pk] = Edit(self.seq, self.now, "")

    def sf_edit(self, sf_id: str, prop: str, value: str) -> None:
        self.sf_edits[(sf_id, prop)] = Edit(self.seq, self.now, value.strip())
        self.sf_touched(sf_id)

    def sf_touched(self, sf_id: str) -> None:
        self.sf_touch[sf_id] = Edit(self.seq, self.now, "")

    def rule_set(self, prop: str) -> None:
        self.loose[prop] = self.seq
        self.rule_changed.add(prop)

    def sf_deleted(self, object_type: str, sf_id: str, pks: set[int]) -> None:
        self.disturbed_records.add(sf_id)
        self.disturbed_contacts |= pks
        self.unlink_justified |= pks
        self.sf_deletes.append((self.seq, object_type, sf_id, pks))

    # -- the checkpoint ------------------------------------------------------------------------

    def check(self, snap: Snapshot, *, strict: bool = False) -> list[str]:
        """Everything the model says must hold now; returns the violations (empty: none)."""
        out: list[str] = []
        contacts, records = snap.contacts, snap.records
        on = snap.settings.sync_enabled
        # A failing contact is visible on the errors page; a held one waits for an admin.
        failing = {pk for pk in snap.errors if pk is not None} | snap.held
        for errors in snap.errors.values():
            for error in errors:
                if not error["code"]:
                    out.append(f"open error without Salesforce's code: {error}")
        if strict:
            # A contact outside the inclusion list (or kept unlinked) is not pushed: its last
            # error stays on the page until it syncs again.
            syncing = {pk for pk in snap.members if not (snap.states.get(pk) or {}).get("excluded")}
            outbound = [
                e
                for es in snap.errors.values()
                for e in es
                if e["direction"] == "outbound" and e["contact_id"] in syncing
            ]
            if outbound:
                out.append(f"errors left after every rule was lifted and Retry all: {outbound}")
        # Links: one live record each, never shared.
        shared = Counter(c["salesforce_id"] for c in contacts.values() if c["salesforce_id"])
        for sf_id, n in shared.items():
            if n > 1:
                out.append(f"{n} contacts share record {sf_id}")
        by_ext = {str(c["external_id"]): pk for pk, c in contacts.items()}
        for pk, c in contacts.items():
            state = snap.states.get(pk) or {}
            sf_id = c["salesforce_id"]
            if sf_id and not snap.live(sf_id) and pk not in failing:
                out.append(
                    f"contact {pk} {c['email']} linked to a record that is not live: {sf_id}"
                )
            if (
                sf_id
                and records.get(sf_id, {}).get("type", c["salesforce_object"])
                != c["salesforce_object"]
            ):
                out.append(f"contact {pk} linked as {c['salesforce_object']} to {sf_id}")
            if state.get("excluded") and pk not in self.unlink_justified:
                out.append(
                    f"contact {pk} {c['email']} excluded from the sync with no delete or merge"
                )
            should_sync = on and pk in snap.members and not state.get("excluded")
            if should_sync and not sf_id and pk not in failing:
                out.append(f"contact {pk} {c['email']} syncs but is not linked and shows no error")
        for sf_id, row in records.items():
            ext = row.get("HubSync_Id__c")
            if ext and ext in by_ext and snap.live(sf_id):
                pk = by_ext[ext]
                link = contacts[pk]["salesforce_id"]
                if link != sf_id and pk not in failing:
                    out.append(
                        f"record {sf_id} carries the external id of contact {pk} "
                        f"{contacts[pk]['email']}, linked to {link or 'nothing'}"
                    )
        # Deletes in Salesforce, by the options.
        gone = self.known_contacts - set(contacts) - self.hub_deleted
        allowed = {pk for _, _, _, pks in self.sf_deletes for pk in pks}
        for pk in gone - allowed:
            out.append(f"contact {pk} was deleted in hubsync by nobody's delete")
        for seq, object_type, sf_id, pks in self.sf_deletes:
            row = records.get(sf_id)
            if not row or not row["IsDeleted"] or row.get("MasterRecordId"):
                continue  # undeleted (or purged) since: the model says nothing
            if self.option_changed.get(object_type, -1) > seq or not on:
                continue
            delete = getattr(snap.settings, f"delete_when_{object_type.lower()}_deleted")
            for pk in pks - self.hub_deleted:
                if delete and pk in contacts and pk not in failing:
                    out.append(f"contact {pk} kept though its {object_type} {sf_id} was deleted")
                if not delete and pk not in contacts:
                    out.append(f"contact {pk} deleted though the option keeps it ({sf_id})")
        if on:
            out += self._fields(snap, failing)
            out += self._inbound(snap, failing)
            out += self._crm(snap, failing)
        return out

    def _crm(self, snap: Snapshot, failing: set[int]) -> list[str]:
        """Each task, call and activity of a linked contact is one Salesforce Task, once."""
        out = []
        crm_failing = any(e["object_type"] == "Task" for es in snap.errors.values() for e in es)
        for ext, pk in snap.crm:
            n = snap.tasks.get(ext, 0)
            if n > 1:
                out.append(f"{ext} of contact {pk} is {n} Salesforce Tasks")
            sf_id = snap.contacts[pk]["salesforce_id"]
            if n == 0 and sf_id and snap.live(sf_id) and pk not in failing and not crm_failing:
                out.append(f"{ext} of contact {pk} (linked to {sf_id}) is not in Salesforce")
        return out

    def _inbound(self, snap: Snapshot, failing: set[int]) -> list[str]:
        """Records created in Salesforce become contacts (both checkboxes are on), matched
        by email, never twice; a Contact's Account is its company under account sync."""
        out = []
        by_email: dict[str, list[int]] = {}
        for pk, c in snap.contacts.items():
            by_email.setdefault(c["email"].lower(), []).append(pk)
        linked = {c["salesforce_id"]: pk for pk, c in snap.contacts.items() if c["salesforce_id"]}
        emails = Counter((r.get("Email") or "").lower() for r in snap.records.values())
        erred = {e["salesforce_id"] for es in snap.errors.values() for e in es}
        for sf_id, record in snap.records.items():
            email = (record.get("Email") or "").lower()
            if not snap.live(sf_id) or not email or sf_id in erred:
                continue
            if sf_id in linked or by_email.get(email):
                continue
            if emails[email] > 1 or email in self.hub_deleted_emails:
                continue  # a collision, or a contact hubsync's people deleted
            if sf_id in self.hub_deleted_records:
                continue  # the record of a contact hubsync's people deleted
            out.append(f"{record['type']} {sf_id} {email} has no contact in hubsync")
        if snap.settings.account_sync == "sync":
            for sf_id, pk in linked.items():
                record = snap.records.get(sf_id) or {}
                account = record.get("AccountId")
                if account and pk not in failing and pk in snap.members and snap.live(sf_id):
                    company = snap.contacts[pk]["company__salesforce_id"]
                    if company != account:
                        out.append(f"contact {pk} has company {company!r}, its Contact {account}")
        return out

    def _fields(self, snap: Snapshot, failing: set[int]) -> list[str]:
        out = []
        for pk, c in snap.contacts.items():
            sf_id = c["salesforce_id"]
            if not sf_id or pk in failing or pk not in snap.members or not snap.live(sf_id):
                continue
            record = snap.records[sf_id]
            object_type = record["type"]
            stable = (
                pk not in self.disturbed_contacts
                and sf_id not in self.disturbed_records
                and self.links.get(pk) == sf_id
                and not self.list_disturbed
            )
            for prop in ["email", *FIELDS]:
                salesforce_field = "Email" if prop == "email" else sf_field(prop, object_type)
                rule = snap.rules[prop]
                if not salesforce_field or rule == DONT:
                    continue
                ours = (c[prop] or "").strip()
                theirs = sf_text(record.get(salesforce_field))
                where = f"contact {pk} {c['email']} ↔ {object_type} {sf_id}: {prop}"
                if rule in (PREFER, ALWAYS):
                    expected = self._inbound_expected(pk, sf_id, prop, rule, stable)
                    if expected is not None and ours.lower() != expected.lower():
                        out.append(f"{where} is {ours!r}, {rule} says {expected!r}")
                    continue
                changed_since = self.loose.get(prop)
                edited = self._edited(pk, sf_id, prop)
                if changed_since is not None and not (edited and edited.seq > changed_since):
                    continue  # the rule became two-way: nothing decided it yet
                if ours != theirs:
                    out.append(f"{where} differs: hubsync {ours!r}, Salesforce {theirs!r}")
                    continue
                if stable and prop not in self.rule_changed and (pk, prop) in self.agreed:
                    allowed = self._two_way_expected(pk, sf_id, prop)
                    if ours not in allowed:
                        out.append(f"{where} is {ours!r}, the later change says {sorted(allowed)}")
        return out

    def _edited(self, pk: int, sf_id: str, prop: str) -> Edit | None:
        edits = [e for e in (self.hub_edits.get((pk, prop)), self.sf_edits.get((sf_id, prop))) if e]
        return max(edits, key=lambda e: e.seq) if edits else None

    def _two_way_expected(self, pk: int, sf_id: str, prop: str) -> set[str]:
        hub = self.hub_edits.get((pk, prop))
        sf = self.sf_edits.get((sf_id, prop))
        if hub is None and sf is None:
            return {self.agreed[(pk, prop)]}
        if sf is None:
            return {hub.value}  # type: ignore[union-attr]
        if hub is None:
            return {sf.value}
        hub_touch, sf_touch = self.hub_touch[pk], self.sf_touch[sf_id]
        if abs(hub_touch.at - sf_touch.at) > CLOCK_SLACK_S:
            if hub.seq > sf.seq and hub_touch.seq > sf_touch.seq:
                return {hub.value}
            if sf.seq > hub.seq and sf_touch.seq > hub_touch.seq:
                return {sf.value}
        return {hub.value, sf.value}

    def _inbound_expected(
        self, pk: int, sf_id: str, prop: str, rule: str, stable: bool
    ) -> str | None:
        """*Prefer Salesforce* / *Always use Salesforce*: a value the rep wrote after
        hubsync's last edit of the property is hubsync's (a blank only when always)."""
        if not stable or prop in self.rule_changed:
            return None
        sf = self.sf_edits.get((sf_id, prop))
        hub = self.hub_edits.get((pk, prop))
        if sf is None or (hub is not None and hub.seq > sf.seq):
            return None
        if rule == PREFER and not sf.value:
            return None
        return sf.value

    def settle(self, snap: Snapshot) -> None:
        """The checkpoint passed: what is true now is the next window's starting point."""
        self.agreed = {}
        for pk, c in snap.contacts.items():
            sf_id = c["salesforce_id"]
            if not sf_id or not snap.live(sf_id):
                continue
            record = snap.records[sf_id]
            for prop in FIELDS:
                salesforce_field = sf_field(prop, record["type"])
                if salesforce_field:
                    ours = (c[prop] or "").strip()
                    if ours == sf_text(record.get(salesforce_field)):
                        self.agreed[(pk, prop)] = ours
        self.links = {
            pk: c["salesforce_id"] for pk, c in snap.contacts.items() if c["salesforce_id"]
        }
        for prop in list(self.loose):
            if all(
                self.agreed.get((pk, prop)) is not None
                for pk, sf_id in self.links.items()
                if snap.live(sf_id) and sf_field(prop, snap.records[sf_id]["type"])
            ):
                del self.loose[prop]
        self.hub_edits.clear()
        self.sf_edits.clear()
        self.disturbed_contacts.clear()
        self.disturbed_records.clear()
        self.rule_changed.clear()
        self.sf_deletes.clear()
        self.hub_deleted.clear()
        self.option_changed.clear()
        self.list_disturbed = False
        self.known_contacts = set(snap.contacts)
