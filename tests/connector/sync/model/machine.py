"""The state machine: random histories of edits on both sides, settings changes, cycles and
faults; a quiescent checkpoint checks the reference model (:mod:`.reference`).

Steps pick contacts and records by their position (oldest first), so a shrunk history
reads as a script and replays alike. Every step tolerates what the history made of its
target (a record deleted meanwhile is a refused edit, nothing else).
"""

from __future__ import annotations

import time
from typing import Any, ClassVar

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule

from connector.models import AccountSync
from marketing.models import Contact

from .reference import Reference, Snapshot
from .world import BLOCKED, FIELDS, INCLUDED, SUBSCRIBERS, World

EMAILS = ["ada@x.test", "bob@x.test", "cy@x.test", "dee@x.test", "eve@x.test"]
SF_EMAILS = [*EMAILS, "ADA@x.test", "fay@x.test"]  # the rep types emails in any case
VALUES = {
    "first_name": ["", "Ann", "Bea"],
    "last_name": ["", "Archer", "Baker"],
    "company_name": ["", "Acme", "Globex"],
    "phone": ["", "+1 555 0100", "+1 555 0199"],
    "job_title": ["", "CTO", BLOCKED],
    "email": SF_EMAILS,
}
PROPS = list(FIELDS)
RULES = ["two_way", "prefer_salesforce", "always_salesforce", "dont_sync"]
FAULTS = [
    "503_write",
    "503_mid_batch",
    "503_read",
    "reset_write",
    "timeout_write",
    "timeout_mid_batch",
    "lock_row",
    "api_limit",
    "expired",
]
MAX_SETTLE_CYCLES = 8
# The most calls one cycle may make here: login, the pull's composite queries, the
# deletes check, the push's lookup and writes, tasks; far above what any cycle needs.
CALLS_PER_CYCLE = 25
# The history's bound: each run (a skipped one costs nothing) plus each write by a person.
CALLS_PER_RUN = 6
CALLS_PER_WRITE = 2
WRITE_METHODS = {"POST", "PATCH", "PUT", "DELETE"}

index = st.integers(min_value=0, max_value=7)
OBJECTS = st.sampled_from(["Lead", "Contact"])


def writes(stats: dict[str, Any]) -> dict[str, int]:
    """The write requests among the emulator's counted requests (queries are POSTed to
    /composite and /jobs/query: not writes)."""
    return {
        key: n
        for key, n in stats["requests"].items()
        if key.split(" ", 1)[0] in WRITE_METHODS and ("/sobjects" in key or "/jobs/ingest" in key)
    }


class SyncModel(RuleBasedStateMachine):
    world: ClassVar[World]
    histories = 0
    steps = 0

    def __init__(self) -> None:
        super().__init__()
        self.world.reset()
        self.ref = Reference()
        self.cycles = 0
        self.activity = 0  # writes by people on either side (the API bound's share)
        self.validation_rule = False
        self.faulted_runs: set[int] = set()
        self.runs_checked = 0
        SyncModel.histories += 1

    # -- helpers ---------------------------------------------------------------------------

    def _step(self) -> None:
        SyncModel.steps += 1
        self.ref.step(time.time())

    def _contacts(self) -> list[Contact]:
        return list(Contact.objects.order_by("pk"))

    def _contact(self, i: int) -> Contact | None:
        contacts = self._contacts()
        return contacts[i % len(contacts)] if contacts else None

    def _records(self, *, deleted: bool = False, object_type: str | None = None) -> list[dict]:
        types = [object_type] if object_type else ["Lead", "Contact"]
        rows = [
            {**row, "type": t}
            for t in types
            for row in self.world.sf_records(t)
            if bool(row["IsDeleted"]) == deleted
        ]
        return sorted(rows, key=lambda r: r["Id"])

    def _record(self, i: int, **kwargs: Any) -> dict | None:
        rows = self._records(**kwargs)
        return rows[i % len(rows)] if rows else None

    def _linked_to(self, *rows: dict) -> set[int]:
        """Contacts linked to these records or whose external id they carry."""
        ids = [r["Id"] for r in rows]
        exts = [r.get("HubSync_Id__c") for r in rows if r.get("HubSync_Id__c")]
        return set(
            Contact.objects.filter(salesforce_id__in=ids).values_list("pk", flat=True)
        ) | set(Contact.objects.filter(external_id__in=exts).values_list("pk", flat=True))

    @initialize(
        hub=st.lists(st.sampled_from(EMAILS), max_size=4, unique=True),
        sf=st.lists(
            st.tuples(st.sampled_from(["Lead", "Contact"]), st.sampled_from(SF_EMAILS)), max_size=4
        ),
    )
    def start(self, hub: list[str], sf: list[tuple[str, str]]) -> None:
        """Contacts in hubsync and records in Salesforce before the first step."""
        for n, email in enumerate(hub):
            self.hub_create(email, VALUES["first_name"][n % 3], "Archer", included=n % 2 == 0)
        for object_type, email in sf:
            self.sf_create(object_type, email, "Baker", "Acme")

    # -- hubsync's side --------------------------------------------------------------------

    @rule(
        email=st.sampled_from(EMAILS),
        first=st.sampled_from(VALUES["first_name"]),
        last=st.sampled_from(VALUES["last_name"]),
        included=st.booleans(),
    )
    def hub_create(self, email: str, first: str, last: str, included: bool) -> None:
        """A marketer adds a contact (an existing email: updates that contact)."""
        self._step()
        existed = Contact.objects.filter(email__iexact=email).first()
        stage = "lead" if included else "subscriber"
        contact = self.world.hub_upsert(
            email, {"first_name": first, "last_name": last, "lifecycle_stage": stage}
        )
        self.activity += 1
        if existed is None:
            self.ref.known_contacts.add(contact.pk)  # from now on, deleted only by a delete
            self.ref.disturbed_contacts.add(contact.pk)
            self.ref.hub_touched(contact.pk)
        else:
            self.ref.hub_edit(contact.pk, "first_name", first)
            self.ref.hub_edit(contact.pk, "last_name", last)
            if existed.lifecycle_stage != stage:
                self.ref.disturbed_contacts.add(contact.pk)

    @rule(i=index, edit=st.sampled_from([(p, v) for p in PROPS for v in VALUES[p]]))
    def hub_edit(self, i: int, edit: tuple[str, str]) -> None:
        """A marketer edits (or clears) one property of a contact."""
        self._step()
        contact = self._contact(i)
        if contact is None:
            return
        prop, value = edit
        self.world.hub_upsert(contact.email, {prop: value})
        self.activity += 1
        self.ref.hub_edit(contact.pk, prop, value)

    @rule(i=index)
    def hub_delete(self, i: int) -> None:
        self._step()
        contact = self._contact(i)
        if contact is None:
            return
        self.ref.hub_deleted.add(contact.pk)
        self.ref.hub_deleted_emails.add(contact.email.lower())
        # Its records stay in Salesforce, with no contact (hubsync's deletes stay in hubsync).
        self.ref.hub_deleted_records |= {
            r["Id"] for r in self._records() if contact.pk in self._linked_to(r)
        }
        contact.delete()
        self.activity += 1

    @rule(i=index, email=st.sampled_from(SF_EMAILS))
    def hub_email_change(self, i: int, email: str) -> None:
        """A contact takes another address, often one a Salesforce record has."""
        self._step()
        contact = self._contact(i)
        if contact is None:
            return
        if self.world.hub_email_change(contact, email):
            self.activity += 1
            self.ref.hub_edit(contact.pk, "email", email)
            self.ref.disturbed_contacts.add(contact.pk)

    @rule(i=index, included=st.booleans())
    def hub_list_membership(self, i: int, included: bool) -> None:
        """A contact joins or leaves the inclusion list (its lifecycle stage)."""
        self._step()
        contact = self._contact(i)
        if contact is None:
            return
        self.world.hub_upsert(
            contact.email, {"lifecycle_stage": "lead" if included else "subscriber"}
        )
        self.activity += 1
        self.ref.hub_touched(contact.pk)
        self.ref.disturbed_contacts.add(contact.pk)

    @rule(i=index, kind=st.sampled_from(["task", "call"]))
    def hub_crm_task(self, i: int, kind: str) -> None:
        """A sales person logs a CRM task or call on a contact."""
        self._step()
        contact = self._contact(i)
        if contact is not None:
            self.world.hub_task(contact, kind)
            self.activity += 1

    @rule(i=index, activity_type=st.sampled_from(["form_submission", "email_open", "page_view"]))
    def hub_activity(self, i: int, activity_type: str) -> None:
        """The contact submits a form, opens an email, views a page."""
        self._step()
        contact = self._contact(i)
        if contact is not None:
            self.world.hub_activity(contact, activity_type)
            self.activity += 1

    # -- Salesforce's side (a sales rep through REST, an admin in Setup) -------------------

    @rule(
        object_type=st.sampled_from(["Lead", "Contact"]),
        email=st.sampled_from(SF_EMAILS),
        last=st.sampled_from(VALUES["last_name"]),
        company=st.sampled_from(VALUES["company_name"]),
    )
    def sf_create(self, object_type: str, email: str, last: str, company: str) -> None:
        self._step()
        values = {"Email": email, "LastName": last}
        if object_type == "Lead":
            values["Company"] = company
        sf_id = self.world.sf_create(object_type, values)
        if sf_id:
            self.activity += 1
            self.ref.disturbed_records.add(sf_id)
            self.ref.sf_touched(sf_id)

    @rule(i=index, edit=st.sampled_from([(p, v) for p in [*PROPS, "email"] for v in VALUES[p]]))
    def sf_edit(self, i: int, edit: tuple[str, str]) -> None:
        """The rep edits (or clears) one field of a record."""
        self._step()
        row = self._record(i)
        if row is None:
            return
        prop, value = edit
        field = "Email" if prop == "email" else FIELDS[prop][0 if row["type"] == "Lead" else 1]
        if not field:
            return
        if self.world.sf_update(row["type"], row["Id"], {field: value}):
            self.activity += 1
            self.ref.sf_edit(row["Id"], prop, value)
            if prop == "email":
                self.ref.disturbed_records.add(row["Id"])

    @rule(i=index)
    def sf_owner_change(self, i: int) -> None:
        self._step()
        row = self._record(i)
        if row is None:
            return
        owner = (
            self.world.rep_user_id
            if row.get("OwnerId") != self.world.rep_user_id
            else self.world.integration_user_id
        )
        if self.world.sf_update(row["type"], row["Id"], {"OwnerId": owner}):
            self.activity += 1
            self.ref.sf_touched(row["Id"])

    @rule(i=index)
    def sf_delete(self, i: int) -> None:
        self._step()
        row = self._record(i)
        if row is None:
            return
        pks = self._linked_to(row)
        if self.world.sf_delete(row["type"], row["Id"]):
            self.activity += 1
            if row.get("IsConverted"):
                # A converted Lead is not its contact's record any more: the contact
                # follows its Contact, whatever becomes of the Lead.
                self.ref.disturbed_records.add(row["Id"])
                self.ref.disturbed_contacts |= pks
                return
            self.ref.sf_deleted(row["type"], row["Id"], pks)

    @rule(i=index)
    def sf_undelete(self, i: int) -> None:
        self._step()
        row = self._record(i, deleted=True)
        if row is None or row.get("MasterRecordId"):
            return
        if not self.world.control.undelete([row["Id"]])[0].get("success"):
            return
        self.activity += 1
        self.ref.disturbed_records.add(row["Id"])
        self.ref.disturbed_contacts |= self._linked_to(row)
        self.ref.sf_touched(row["Id"])

    @rule(object_type=st.sampled_from(["Lead", "Contact"]), i=index, j=index)
    def sf_merge(self, object_type: str, i: int, j: int) -> None:
        """An admin merges two records of one object; the first survives."""
        self._step()
        rows = self._records(object_type=object_type)
        if object_type == "Lead":
            rows = [r for r in rows if not r.get("IsConverted")]
        if len(rows) < 2 or i % len(rows) == j % len(rows):
            return
        master, loser = rows[i % len(rows)], rows[j % len(rows)]
        pks = self._linked_to(master, loser)
        try:
            self.world.control.merge(object_type, master["Id"], [loser["Id"]])
        except RuntimeError:  # refused by the org (as Setup would): nothing happened
            return
        self.activity += 1
        self.ref.disturbed_records |= {master["Id"], loser["Id"]}
        self.ref.disturbed_contacts |= pks
        self.ref.unlink_justified |= pks
        self.ref.sf_touched(master["Id"])

    @rule(i=index)
    def sf_convert(self, i: int) -> None:
        self._step()
        rows = [r for r in self._records(object_type="Lead") if not r.get("IsConverted")]
        if not rows:
            return
        lead = rows[i % len(rows)]
        pks = self._linked_to(lead)
        try:
            converted = self.world.control.convert_lead(lead["Id"])
        except RuntimeError:  # refused (a duplicate rule on the new Contact): nothing happened
            return
        self.activity += 1
        self.ref.disturbed_records |= {lead["Id"], converted["contact_id"]}
        self.ref.disturbed_contacts |= pks
        self.ref.unlink_justified |= pks
        self.ref.sf_touched(converted["contact_id"])

    @rule(on=st.booleans())
    def sf_validation_rule(self, on: bool) -> None:
        """An admin forbids (or allows again) the title "Blocked" on Leads and Contacts."""
        self._step()
        control = self.world.control
        if on:
            for object_type in ("Lead", "Contact"):
                control.add_validation_rule(
                    object_type, "NoBlocked", "Title", "equals", "Title is blocked", value=BLOCKED
                )
        elif control.validation_rules():
            control.delete_validation_rules("NoBlocked")
        self.validation_rule = on

    @rule(on=st.booleans())
    def sf_duplicate_rule(self, on: bool) -> None:
        """An admin blocks (or allows) a second Lead or Contact with an email that exists."""
        self._step()
        control = self.world.control
        if on:
            control.add_duplicate_rule("Lead", "LeadEmail", action="block")
            control.add_duplicate_rule("Contact", "ContactEmail", action="block")
        else:
            if control.duplicate_rules():
                control.delete_duplicate_rules()

    # -- settings --------------------------------------------------------------------------

    @rule(prop=st.sampled_from(PROPS), sync_rule=st.sampled_from(RULES))
    def mapping_rule(self, prop: str, sync_rule: str) -> None:
        self._step()
        if self.world.rules()[prop] != sync_rule:
            self.world.mapping_rule_set(prop, sync_rule)
            self.ref.rule_set(prop)

    @rule(object_type=st.sampled_from(["Lead", "Contact"]), delete=st.booleans())
    def delete_option(self, object_type: str, delete: bool) -> None:
        self._step()
        self.world.settings_update(**{f"delete_when_{object_type.lower()}_deleted": delete})
        self.ref.option_changed[object_type] = self.ref.seq

    @rule(on=st.booleans())
    def account_sync(self, on: bool) -> None:
        self._step()
        self.world.settings_update(account_sync=AccountSync.SYNC if on else AccountSync.DO_NOT_SYNC)

    @rule(which=st.sampled_from([None, INCLUDED, SUBSCRIBERS]))
    def inclusion_list(self, which: str | None) -> None:
        """No inclusion list, or one of two (swapping them moves every contact in or out)."""
        self._step()
        self.world.settings_update(
            inclusion_list=self.world.inclusion_list(which) if which else None
        )
        self.ref.list_disturbed = True

    @rule(on=st.booleans())
    def sync_switch(self, on: bool) -> None:
        self._step()
        self.world.sync_set(on)

    # -- the machinery ---------------------------------------------------------------------

    @rule()
    def cycle(self) -> None:
        self._step()
        self.world.cycle()
        self.cycles += 1

    @rule(fault=st.sampled_from(FAULTS), count=st.integers(min_value=1, max_value=3))
    def faulted_cycle(self, fault: str, count: int) -> None:
        """A cycle while Salesforce misbehaves; the fault is lifted after it."""
        self._step()
        control = self.world.control
        kwargs: dict[str, Any] = {}
        writes_path = r"/composite/sobjects"
        if fault == "503_write":
            control.add_fault(writes_path, status=503, count=count)
        elif fault == "503_mid_batch":
            # The second write call of the cycle fails: the first one went through.
            control.add_fault(writes_path, status=503, count=1, share=0.5)
        elif fault == "503_read":
            control.add_fault(r"/composite/?$|/query", status=503, count=count)
        elif fault == "reset_write":
            control.add_fault(writes_path, reset_connection=True, count=count)
        elif fault == "timeout_write":
            # The write lands after the client gave up: Salesforce has it, hubsync never heard.
            control.add_fault(writes_path, delay_s=0.6, count=1)
            kwargs["timeout"] = (5, 0.3)
        elif fault == "timeout_mid_batch":
            control.add_fault(writes_path, delay_s=0.6, count=1, share=0.5)
            kwargs["timeout"] = (5, 0.3)
        elif fault == "lock_row":
            control.add_fault(
                writes_path, record_error_code="UNABLE_TO_LOCK_ROW", record_count=count, count=1
            )
        elif fault == "api_limit":
            org = control.org()
            control.configure_org(api_used=org["api_limit"] - count * 2)
        elif fault == "expired":
            control.expire_sessions()
        before = control.stats()["faults"].get("delay", 0)
        first = self._last_run()
        self.world.cycle(**kwargs)
        self.faulted_runs |= {run.pk for run in self.world.last_runs(first)}
        self.cycles += 1
        stall = fault in ("timeout_write", "timeout_mid_batch")
        if stall and control.faults():
            control.clear_faults()  # no write to stall: the stall never came
        elif stall:
            deadline = time.monotonic() + 10
            while control.stats()["faults"].get("delay", 0) <= before:
                assert time.monotonic() < deadline, "the stalled write never finished"
                time.sleep(0.02)
        control.clear_faults()
        if fault == "api_limit":
            control.configure_org(api_used=0)

    @rule(times=st.integers(min_value=1, max_value=2))
    def change_event(self, times: int) -> None:
        """A change event arrives (``times`` 2: delivered twice): the cycle the listener
        runs for it, with the listener's trigger."""
        self._step()
        for _ in range(times):
            self.world.cycle(trigger="change_event")
            self.cycles += 1

    @rule()
    def two_cycles_at_once(self) -> None:
        self._step()
        runs = self.world.cycles_at_once()
        self.cycles += len(runs)
        assert len(runs) == 2, "a concurrent cycle did not finish"

    @rule(
        kind=st.sampled_from(["write", "read"]),
        n=st.integers(min_value=1, max_value=3),
        meanwhile=st.booleans(),
    )
    def worker_killed(self, kind: str, n: int, meanwhile: bool) -> None:
        """A worker is killed right after Salesforce's ``n``-th answer of ``kind`` in its
        cycle, before hubsync committed what it learnt; ``meanwhile``: a cycle starts while
        the dead worker still holds the lock (it is skipped). Then the claim TTL passes."""
        self._step()
        first = self._last_run()
        killed = self.world.cycle_killed(kind, n)
        self.faulted_runs |= {run.pk for run in self.world.last_runs(first)}
        self.cycles += 1
        if not killed:
            return
        if meanwhile:
            cycle = self.world.cycle()
            self.cycles += 1
            assert cycle.status == "skipped", f"a cycle ran beside a dead worker's lock: {cycle}"
        self.world.dead_worker_forgotten()

    @rule(rewind=st.sampled_from([0, 0, 1, 3, "forgotten", "expired"]))
    def listener(self, rewind: int | str) -> None:
        """The change event listener starts (again) and delivers every change event since
        its stored replay id, then stops. ``rewind``: that many events already delivered
        come again (a listener killed before it stored their replay id: late, twice, after
        newer ones); ``forgotten``: no replay id (a first subscription, which catches up by
        a cycle); ``expired``: the stored one is past the 72-hour window (refused: catch up)."""
        self._step()
        if not Snapshot.take(self.world).settings.sync_enabled:
            return  # the listener waits for the sync to be on: nothing is delivered
        if rewind == "expired":
            self.world.stream_rewind(1)  # an event not yet delivered, now past the window
            self.world.control.expire_change_events()
        elif rewind == "forgotten":
            self.world.stream_rewind(None)
        elif rewind:
            self.world.stream_rewind(int(rewind))
        self.cycles += len(self.world.listener_run())

    @rule()
    def checkpoint(self) -> None:
        self._step()
        self.settle()

    # -- quiescence and the check ----------------------------------------------------------

    def _last_run(self) -> int:
        runs = self.world.last_runs(self.runs_checked)
        return runs[-1].pk if runs else self.runs_checked

    def _unexpected_failures(self) -> list[str]:
        """Runs that failed while no fault was injected: a bug, whatever healed it later."""
        out = [
            f"run {run.pk} ({run.trigger}) {run.status} with no fault injected: {run.reason}"
            for run in self.world.last_runs(self.runs_checked)
            if run.status in ("failed", "paused") and run.pk not in self.faulted_runs
        ]
        self.runs_checked = self._last_run()
        return out

    def _errors_not_shown(self, snap: Snapshot) -> list[str]:
        """Every failure left is on the errors page, with Salesforce's code."""
        errors = [e for es in snap.errors.values() for e in es]
        if not errors:
            return []
        page = self.world.errors_page()
        return [
            f"an open error is not on the errors page: {e}" for e in errors if e["code"] not in page
        ]

    def _signature(self) -> tuple:
        contacts = tuple(Contact.objects.order_by("pk").values_list("pk", "updated_at"))
        records = tuple(
            (row["Id"], row["SystemModstamp"], row["IsDeleted"])
            for object_type in ("Lead", "Contact", "Account")
            for row in self.world.sf_records(object_type)
        )
        return contacts, records

    def settle(self, *, strict: bool = False) -> None:
        """Faults off, cycles until one makes no write and changes nothing; then the model."""
        world = self.world
        snap = Snapshot.take(world)
        if not snap.settings.sync_enabled:
            world.control.reset_stats()
            cycle = world.cycle()
            assert cycle.status == "skipped" and cycle.api_calls == 0, cycle
            return
        for _ in range(MAX_SETTLE_CYCLES):
            world.control.reset_stats()
            before = self._signature()
            cycle = world.cycle(trigger="model_settle")
            self.cycles += 1
            assert cycle.api_calls <= CALLS_PER_CYCLE, cycle
            wrote = writes(world.control.stats())
            if cycle.status == "succeeded" and not wrote and self._signature() == before:
                break
        else:
            raise AssertionError(
                f"no quiescence after {MAX_SETTLE_CYCLES} cycles: the last wrote {wrote}, "
                f"{cycle.status} {cycle.counts}"
            )
        snap = Snapshot.take(world)
        violations = self._unexpected_failures() + self.ref.check(snap, strict=strict)
        violations += self._errors_not_shown(snap)
        assert not violations, "\n".join(["the model disagrees:", *violations])
        self.ref.settle(snap)

    def teardown(self) -> None:
        """The end of every history: every rule lifted, Retry all, then the strict check."""
        try:
            world = self.world
            world.control.clear_faults()
            world.control.configure_org(api_used=0)
            if world.control.validation_rules():
                world.control.delete_validation_rules()
            if world.control.duplicate_rules():
                world.control.delete_duplicate_rules()
            if not Snapshot.take(world).settings.sync_enabled:
                world.sync_set(True)
            world.retry_all()
            self.settle(strict=True)
            runs = world.last_runs(0)
            bound = len(runs) * CALLS_PER_RUN + self.activity * CALLS_PER_WRITE
            used = sum(run.api_calls for run in runs)
            assert used <= bound, f"{used} API calls in {len(runs)} cycles (bound {bound})"
        finally:
            super().teardown()
