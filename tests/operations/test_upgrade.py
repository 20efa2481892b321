"""Upgrading from an earlier release on PostgreSQL: a database as hubsync's release of
2026-11-28 (commit 73579cf: connector 0006, marketing 0002) left it, with its contacts,
links, sync states, history, an open error and a run, written through that release's
models (the migration state) and matched by records in Salesforce carrying that release's
external ids (the contact's id). ``migrate`` brings it to today; the next cycles sync
without creating anything twice or losing anything."""

from __future__ import annotations

from collections import Counter

import pytest

from tests.operations.postgres import (
    SF_PASSWORD,
    SF_TOKEN,
    SF_USERNAME,
    Installation,
    databases,
)
from tests.operations.steps import RELEASE_73579CF

pytestmark = [pytest.mark.subprocess, pytest.mark.slow]

REP = ("rep@acme.example", "rep-Password-1", "REPTOKEN1")
LINKED = [f"linked{i}@hub.example" for i in range(5)]
UNSYNCED = ["new0@hub.example", "new1@hub.example"]
FAILING = "failing@hub.example"


def test_an_earlier_release_upgrades_and_syncs_without_duplicates_or_losses(emulator):
    emulator.control.reset()
    emulator.control.create_user(SF_USERNAME, SF_PASSWORD, SF_TOKEN)
    emulator.control.create_user(*REP)
    with databases() as pg:
        hubsync = Installation(pg.url(pg.create("release")), emulator.url)
        # Django's own apps as any release had them, hubsync's as of that release.
        for target in (["auth"], ["sites"], *map(list, RELEASE_73579CF)):
            hubsync.manage("migrate", *target, "--noinput")
        ids = hubsync.step("release_contacts", emails=[*LINKED, *UNSYNCED, FAILING])
        # That release's pushes: one Lead per linked contact, HubSync_Id__c = the contact's id.
        lead_ids = emulator.control.load_records(
            "Lead",
            [
                {
                    "Email": email,
                    "LastName": email.split("@")[0],
                    "Company": "Acme",
                    "HubSync_Id__c": str(ids[email]),
                }
                for email in LINKED
            ],
        )
        links = dict(zip(LINKED, lead_ids, strict=True))
        hubsync.step(
            "release_synced",
            links=links,
            failing=FAILING,
            edited=LINKED[0],
            username=SF_USERNAME,
            password=SF_PASSWORD,
            token=SF_TOKEN,
        )
        # While hubsync is down for the upgrade, a sales rep adds a Lead.
        emulator.salesforce(*REP).Lead.create(
            {"Email": "fresh@sf.example", "LastName": "Fresh", "Company": "Acme"}
        )

        # The upgrade: every migration since that release.
        plan = hubsync.manage("migrate", "--plan").stdout
        assert "marketing.0003_external_ids" in plan and "connector.0014" in plan
        hubsync.manage("migrate", "--noinput")
        upgraded = hubsync.step("upgraded_state")
        by_email = {c["email"]: c for c in upgraded["contacts"]}
        assert set(by_email) == {*LINKED, *UNSYNCED, FAILING}  # nothing lost
        assert len({c["external_id"] for c in upgraded["contacts"]}) == 8  # a UUID each
        assert {e: by_email[e]["salesforce_id"] for e in LINKED} == links  # links kept
        assert upgraded["history"] == 5 and upgraded["runs"] == 1
        # The open error is kept (parked: that release had no "needs a fix"; the nightly
        # retry tries it once more and then marks it).
        assert {e: code for e, (code, _) in upgraded["open_errors_by_email"].items()} == {
            FAILING: "FIELD_CUSTOM_VALIDATION_EXCEPTION"
        }

        first = hubsync.sync()
        assert first["status"] == "succeeded", first
        assert first["push_created"] == 2  # the two never synced, nothing else
        second = hubsync.sync()
        assert (second["push_created"], second["pull_created"]) == (0, 0), second

        leads = emulator.control.records("Lead", include_deleted=False)
        emails = Counter(lead["Email"] for lead in leads)
        everyone = {*LINKED, *UNSYNCED, "fresh@sf.example"}
        assert set(emails) == everyone and max(emails.values()) == 1, emails
        state = hubsync.step("upgraded_state")
        contacts = Counter(c["email"] for c in state["contacts"])
        assert set(contacts) == everyone | {FAILING} and max(contacts.values()) == 1
        by_email = {c["email"]: c for c in state["contacts"]}
        by_id = {lead["Id"]: lead for lead in leads}
        for email in everyone:
            assert by_email[email]["salesforce_id"] in by_id, email
        # The linked Lead kept its record and took the new external id at its update.
        edited = by_id[links[LINKED[0]]]
        assert edited["LastName"] == "Edited-before-upgrade"
        assert edited["HubSync_Id__c"] == by_email[LINKED[0]]["external_id"]
        for email in UNSYNCED:
            lead = by_id[by_email[email]["salesforce_id"]]
            assert lead["HubSync_Id__c"] == by_email[email]["external_id"]
        # The parked error waits for the nightly retry: neither lost nor retried by a cycle.
        assert state["open_errors_by_email"] == upgraded["open_errors_by_email"]
