"""Backup and restore as the README describes it: ``pg_dump -Fc`` of a synced PostgreSQL
database plus the encryption key; restored into a fresh database, the next cycle neither
duplicates nor loses a record — also what changed on both sides after the backup. Without
the key the data is intact, the stored credentials are not: entered again, all syncs."""

from __future__ import annotations

from collections import Counter

import pytest
from cryptography.fernet import Fernet

from tests.operations.postgres import (
    SF_PASSWORD,
    SF_TOKEN,
    SF_USERNAME,
    Installation,
    databases,
)

pytestmark = [pytest.mark.subprocess, pytest.mark.slow]

REP = ("rep@acme.example", "rep-Password-1", "REPTOKEN1")


def leads_by_email(emulator) -> Counter:
    return Counter(
        lead["Email"] for lead in emulator.control.records("Lead", include_deleted=False)
    )


def assert_in_step(emulator, state: dict, emails: set[str]) -> None:
    """hubsync and Salesforce hold each email exactly once, every contact linked to a live
    Lead, nothing failing."""
    leads = leads_by_email(emulator)
    assert set(leads) == emails and max(leads.values()) == 1, leads
    contacts = Counter(c["email"] for c in state["contacts"])
    assert set(contacts) == emails and max(contacts.values()) == 1, contacts
    live = {lead["Id"] for lead in emulator.control.records("Lead", include_deleted=False)}
    assert all(c["salesforce_id"] in live for c in state["contacts"]), state["contacts"]
    assert state["open_errors"] == []


def test_a_restored_dump_syncs_without_duplicates_or_losses(emulator, tmp_path):
    emulator.control.reset()
    emulator.control.create_user(SF_USERNAME, SF_PASSWORD, SF_TOKEN)
    emulator.control.create_user(*REP)
    with databases() as pg:
        production = Installation(pg.url(pg.create("live")), emulator.url)
        production.manage("migrate", "--noinput")
        production.step("configure", username=SF_USERNAME, password=SF_PASSWORD, token=SF_TOKEN)
        production.step("contacts_add", emails=[f"hub{i}@hub.example" for i in range(5)])
        emulator.control.load_records(
            "Lead",
            [
                {"Email": f"sf{i}@sf.example", "LastName": f"Sf{i}", "Company": "Acme"}
                for i in range(3)
            ],
        )
        first = production.sync()
        assert (first["status"], first["push_created"], first["pull_created"]) == (
            "succeeded",
            5,
            3,
        )
        backed_up = {f"hub{i}@hub.example" for i in range(5)} | {
            f"sf{i}@sf.example" for i in range(3)
        }
        assert_in_step(emulator, production.step("contacts_state"), backed_up)

        # The backup: the database dump (and, kept apart, HUBSYNC_ENCRYPTION_KEY).
        dump = tmp_path / "hubsync.dump"
        pg.dump(production.database, dump)

        # Life goes on after the backup: a sales rep edits a Lead and adds one; hubsync
        # gets a contact and pushes it.
        rep = emulator.salesforce(*REP)
        sf0 = next(
            lead for lead in emulator.control.records("Lead") if lead["Email"] == "sf0@sf.example"
        )
        rep.Lead.update(sf0["Id"], {"LastName": "Edited-after-backup"})
        rep.Lead.create({"Email": "late@sf.example", "LastName": "Late", "Company": "Acme"})
        production.step("contacts_add", emails=["after@hub.example"])
        assert production.sync()["push_created"] == 1

        # The disaster: the database is lost. Restored into a fresh one with the same key.
        restored = production.on(pg.url(pg.create("restored")))
        pg.restore(dump, restored.database)
        restored.manage("migrate", "--noinput")  # nothing to do: same release
        after = restored.sync()
        assert after["status"] == "succeeded", after
        assert after["push_created"] == 0  # nothing created twice in Salesforce
        everyone = backed_up | {"late@sf.example", "after@hub.example"}
        state = restored.step("contacts_state")
        assert_in_step(emulator, state, everyone)  # nothing lost, nothing twice
        by_email = {c["email"]: c for c in state["contacts"]}
        assert by_email["sf0@sf.example"]["last_name"] == "Edited-after-backup"
        # A second cycle is quiet: the restored watermarks have caught up.
        quiet = restored.sync()
        assert (quiet["push_created"], quiet["pull_created"]) == (0, 0), quiet
        assert_in_step(emulator, restored.step("contacts_state"), everyone)

        # Restored without the key: the data is there, the credentials are not readable.
        keyless = restored.on(pg.url(pg.create("keyless"))).with_key(Fernet.generate_key().decode())
        pg.restore(dump, keyless.database)
        failed = keyless.sync()
        assert failed["status"] == "failed"
        assert "cannot be decrypted: HUBSYNC_ENCRYPTION_KEY changed" in failed["reason"]
        assert len(keyless.step("contacts_state")["contacts"]) == len(backed_up)
        # Entering the credentials again (the page's Save credentials) is all it takes.
        keyless.step("configure", username=SF_USERNAME, password=SF_PASSWORD, token=SF_TOKEN)
        healed = keyless.sync()
        assert (healed["status"], healed["push_created"]) == ("succeeded", 0), healed
        assert_in_step(emulator, keyless.step("contacts_state"), everyone)
