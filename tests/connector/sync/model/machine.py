"""The state machine: random histories of edits on both sides (here), settings changes,
cycles and faults (:mod:`.machinery`); a quiescent checkpoint checks the reference model
(:mod:`.reference`).

Steps pick contacts and records by their position (oldest first), so a shrunk history
reads as a script and replays alike. Every step tolerates what the history made of its
target (a record deleted meanwhile is a refused edit, nothing else).
"""

from __future__ import annotations

import time
from typing import Any, ClassVar

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule

from marketing.models import Contact

from .machinery import Machinery
from .reference import Reference
from .world import BLOCKED, FIELDS, World

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

index = st.integers(min_value=0, max_value=7)
OBJECTS = st.sampled_from(["Lead", "Contact"])


class SyncModel(Machinery, RuleBasedStateMachine):
    """People on both sides (here); settings, the machinery and the checks: :class:`.Machinery`."""

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
