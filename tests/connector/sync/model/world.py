"""The two worlds the model test drives, each through its own writers.

hubsync: the services and models its own writers use (``contact_upsert_by_email`` as the
import and the page, a contact's full_clean + save as the admin, the settings and field
mapping services, Retry all); Celery runs eagerly, so the cycle a save enqueues runs as the
product starts it. Salesforce: a sales rep (another user) through the REST API
(simple-salesforce), and what an admin does outside the API (convert, merge, undelete,
rules) through the emulator's control API. Nothing here decides what is right: that is
:mod:`.reference`.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from unittest import mock

from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from simple_salesforce.exceptions import SalesforceError

from connector import listener as listener_module
from connector.change_events import ALL_CHANGES
from connector.listener import ChangeListener
from connector.mappers import NOT_PROVIDED
from connector.models import (
    ChangeEventStream,
    ContactSyncState,
    CycleLock,
    FieldMapping,
    SyncError,
    SyncRun,
)
from connector.selectors import integration_settings_get
from connector.services.mappings import field_mapping_save
from connector.services.settings import integration_settings_update, integration_sync_set
from connector.services.sync_errors import sync_errors_retry
from connector.sync.cycle import sync_cycle_run
from connector.sync.lock import cycle_lock_holder
from connector.sync.queue import claim_ttl
from marketing.models import Activity, Contact, CrmTask, SmartList
from marketing.services import contact_upsert_by_email, smart_list_create
from salesforce_emulator.pubsub.service import replay_id
from tests.conftest import SF_PASSWORD, SF_TOKEN, SF_USERNAME
from tests.workers import ROOT, worker_env

from .killed_cycle import Spare

REP = ("rep@acme.example", "rep-Password-1", "REPTOKEN")
#: hubsync property → (Lead field, Contact field) as the default mappings have them.
FIELDS = {
    "first_name": ("FirstName", "FirstName"),
    "last_name": ("LastName", "LastName"),
    "company_name": ("Company", ""),
    "phone": ("Phone", "Phone"),
    "job_title": ("Title", "Title"),
}
BLOCKED = "Blocked"  # the value the validation rule refuses in Title
INCLUDED = "Included"  # the inclusion list: contacts whose lifecycle stage is "lead"
SUBSCRIBERS = "Subscribers"  # the other inclusion list: the rest of the contacts
#: How long a step waits for the listener to deliver every change event (a deadline only).
LISTENER_DEADLINE_S = 120


def world_for(emulator: Any, settings: Any) -> World:
    """The model's world, with the test's settings (pytest-django's ``settings``) pointed at
    the emulator: its REST and Pub/Sub APIs; the mass-delete guard trips within a history."""
    settings.SALESFORCE_EMULATOR_URL = emulator.url
    settings.SALESFORCE_PUBSUB_URL = f"grpc://{emulator.pubsub_address}"
    settings.SALESFORCE_MASS_DELETE_MIN = 2
    return World(emulator)


def sf_field(prop: str, object_type: str) -> str:
    lead, contact = FIELDS[prop]
    return lead if object_type == "Lead" else contact


def sf_text(value: Any) -> str:
    """A Salesforce value as hubsync compares it (its placeholder for a required field
    hubsync has no value for is blank)."""
    text = "" if value is None else str(value).strip()
    return "" if text == NOT_PROVIDED else text


@dataclass
class Cycle:
    status: str
    counts: dict[str, Any]
    api_calls: int


class World:
    """One emulator org and one hubsync database, reset for each history."""

    def __init__(self, emulator: Any) -> None:
        self.emulator = emulator
        self.control = emulator.control
        self.rep: Any = None
        self.rep_user_id = ""
        self.integration_user_id = ""
        self.spare: Spare | None = None  # the next killed worker, started ahead

    # -- setting up ------------------------------------------------------------------------

    def reset(self) -> None:
        call_command("flush", interactive=False, verbosity=0)
        # What hubsync caches (the org's describes …) is the old org's: each history starts
        # as a fresh process would, whatever ran before it in this one.
        cache.clear()
        self.control.reset()
        self.integration_user_id = self.control.create_user(SF_USERNAME, SF_PASSWORD, SF_TOKEN)[
            "id"
        ]
        self.rep_user_id = self.control.create_user(*REP)["id"]
        self.rep = self.emulator.salesforce(*REP)
        # An idle subscription hears from the Pub/Sub API at once (Salesforce: within 270 s).
        self.control.configure_org(pubsub_keepalive_s=0.1)
        settings = integration_settings_get()
        settings.username = SF_USERNAME
        settings.set_password(SF_PASSWORD)
        settings.set_security_token(SF_TOKEN)
        settings.sync_enabled = True
        settings.crm_enabled = settings.task_sync = True  # CRM tasks and calls travel too
        settings.connector_version_checked_at = timezone.now()  # no daily version check
        settings.save()
        smart_list_create(
            name=INCLUDED,
            criteria={
                "match": "all",
                "conditions": [
                    {"property": "lifecycle_stage", "operator": "equals", "value": "lead"}
                ],
            },
        )
        smart_list_create(
            name=SUBSCRIBERS,
            criteria={
                "match": "all",
                "conditions": [
                    {"property": "lifecycle_stage", "operator": "equals", "value": "subscriber"}
                ],
            },
        )

    # -- hubsync's writers -----------------------------------------------------------------

    def hub_upsert(self, email: str, data: dict[str, str]) -> Contact:
        return contact_upsert_by_email(email=email, data=data)[0]

    def hub_email_change(self, contact: Contact, email: str) -> bool:
        """As the admin's change form: validated, then saved (refused: another contact has it)."""
        contact.email = email
        try:
            contact.full_clean()
        except ValidationError:
            return False
        contact.save()
        return True

    def hub_task(self, contact: Contact, kind: str) -> CrmTask:
        task = CrmTask(contact=contact, kind=kind, subject=f"Follow up ({kind})")
        if kind == "call":
            task.occurred_at = timezone.now()
        task.full_clean()
        task.save()
        return task

    def hub_activity(self, contact: Contact, activity_type: str) -> Activity:
        activity = Activity(contact=contact, type=activity_type, occurred_at=timezone.now())
        activity.full_clean()
        activity.save()
        return activity

    def settings_update(self, **data: Any) -> None:
        integration_settings_update(
            integration_settings=integration_settings_get(), data=data, acting_user=None
        )

    def sync_set(self, enabled: bool) -> None:
        integration_sync_set(
            integration_settings=integration_settings_get(), enabled=enabled, acting_user=None
        )

    def mapping_rule_set(self, prop: str, rule: str) -> None:
        field_mapping_save(
            mapping=FieldMapping.objects.get(hubsync_property=prop),
            acting_user=None,
            sync_rule=rule,
        )

    def rules(self) -> dict[str, str]:
        return dict(FieldMapping.objects.values_list("hubsync_property", "sync_rule"))

    def inclusion_list(self, name: str = INCLUDED) -> SmartList:
        return SmartList.objects.get(name=name)

    def retry_all(self) -> int:
        return sync_errors_retry()

    def errors_page(self) -> str:
        """The errors page (*Integrations → Salesforce → Errors*) as an admin reads it."""
        user = get_user_model().objects.get_or_create(username="model-admin")[0]
        client = Client()
        client.force_login(user)
        response = client.get(reverse("settings_ui:sync_errors"))
        assert response.status_code == 200, response.status_code
        return response.content.decode()

    # -- the machinery ---------------------------------------------------------------------

    def cycle(self, trigger: str = "model", **client_kwargs: Any) -> Cycle:
        run = sync_cycle_run(trigger=trigger, **client_kwargs)
        return Cycle(run.status, dict(run.counts or {}), run.api_calls)

    def cycles_at_once(self) -> list[Cycle]:
        """Two cycles started together, each in its own thread (and database connection)."""
        out: list[Cycle] = []
        start = threading.Barrier(2)

        def one() -> None:
            try:
                start.wait(timeout=10)
                out.append(self.cycle(trigger="model_concurrent"))
            finally:
                connection.close()

        threads = [threading.Thread(target=one) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        return out

    def cycle_killed(self, kind: str, n: int) -> bool:
        """A cycle in a worker process of its own, killed right after Salesforce's ``n``-th
        answer of ``kind`` (:mod:`.killed_cycle`); True when it was killed (a cycle with
        fewer such answers ends normally). Its cycle lock and claims are then left behind
        until the claim TTL has passed: :meth:`dead_worker_forgotten`."""
        connection.close()  # SQLite: the worker process writes the same database file
        if self.spare is None:
            env = worker_env(
                self.emulator,
                django_settings,
                SALESFORCE_MASS_DELETE_MIN=str(django_settings.SALESFORCE_MASS_DELETE_MIN),
                CELERY_TASK_ALWAYS_EAGER="true",  # nothing of the dead worker's on a broker
                LOG_LEVEL="CRITICAL",
            )
            self.spare = Spare(cwd=ROOT, env=env)
        return self.spare.run(kind, n)

    def close(self) -> None:
        """The end of the test: the spare worker process exits."""
        if self.spare is not None:
            self.spare.close()
            self.spare = None

    def dead_worker_forgotten(self) -> None:
        """The claim TTL passes after a worker died: its cycle lock's lease and its contacts'
        claims run out (aged by the TTL, as the clock would age them; nothing else runs)."""
        ttl = claim_ttl() + timedelta(seconds=1)
        now = timezone.now()
        CycleLock.objects.exclude(run=None).update(expires_at=now - timedelta(seconds=1))
        for state in ContactSyncState.objects.exclude(claimed_at=None):
            ContactSyncState.objects.filter(pk=state.pk).update(claimed_at=state.claimed_at - ttl)

    def stream_rewind(self, events: int | None) -> None:
        """The stored replay id moves ``events`` back (they are delivered again, after the
        cycles that read them: late and twice); None forgets it (a first subscription)."""
        stream = ChangeEventStream.objects.filter(topic=ALL_CHANGES).first()
        if stream is None or stream.replay_id is None:
            return
        if events is None:
            stream.replay_id = None
        else:
            purged = self.control.change_events()["purged_through"]
            seq = int.from_bytes(bytes(stream.replay_id), "big")
            stream.replay_id = replay_id(max(seq - events, purged))
        stream.save(update_fields=["replay_id"])

    def listener_run(self) -> list[SyncRun]:
        """A listener (hubsync's ChangeListener, in a thread, over the emulator's Pub/Sub
        API) starts from the stored replay id, runs the cycles the change events call for,
        and is stopped once it has stored the replay id of the org's newest event (its
        cycles' own echoes included); returns the runs it started. The next one is a
        restart."""
        first = SyncRun.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        stop = threading.Event()
        listener = ChangeListener(stop=stop)
        thread = threading.Thread(target=listener.run, daemon=True)
        # Idle, it stores the server's newest replay id at every keepalive (not once a
        # minute): that is how this step knows every event was delivered.
        heartbeat = mock.patch.object(listener_module, "HEARTBEAT_EVERY", timedelta(0))
        heartbeat.start()
        thread.start()
        deadline = time.monotonic() + LISTENER_DEADLINE_S
        try:
            tip = -1
            while True:
                latest = self.control.change_events()["latest_seq"]
                stream = ChangeEventStream.objects.filter(topic=ALL_CHANGES).first()
                stored = stream.replay_id if stream is not None else None
                seq = int.from_bytes(bytes(stored), "big") if stored else -1
                if seq >= latest and latest == tip and self._no_cycle_running():
                    break
                tip = latest if seq >= latest else -1
                assert thread.is_alive(), "the listener stopped by itself"
                assert time.monotonic() < deadline, (
                    f"the listener did not deliver every change event (at {seq} of {latest})"
                )
                time.sleep(0.02)
        finally:
            listener.cancel()
            thread.join(timeout=60)
            heartbeat.stop()
            connection.close()
        assert not thread.is_alive(), "the listener did not stop"
        return list(SyncRun.objects.filter(pk__gt=first).order_by("pk"))

    @staticmethod
    def _no_cycle_running() -> bool:
        # The lock, not the runs: a dead worker's run stays "running" until a cycle takes over.
        return cycle_lock_holder() is None

    # -- Salesforce, as a sales rep (REST) and an admin (control API) ----------------------

    def sf_create(self, object_type: str, values: dict[str, str]) -> str | None:
        try:
            return getattr(self.rep, object_type).create(values)["id"]
        except SalesforceError:
            return None  # refused (a rule, a required field): nothing happened

    def sf_update(self, object_type: str, sf_id: str, values: dict[str, str]) -> bool:
        try:
            getattr(self.rep, object_type).update(sf_id, values)
        except SalesforceError:
            return False
        return True

    def sf_delete(self, object_type: str, sf_id: str) -> bool:
        try:
            getattr(self.rep, object_type).delete(sf_id)
        except SalesforceError:
            return False
        return True

    def sf_records(self, object_type: str) -> list[dict[str, Any]]:
        return self.control.records(object_type)

    def open_errors(self) -> list[SyncError]:
        return list(SyncError.objects.filter(resolved_at__isnull=True))

    def last_runs(self, after: int) -> list[SyncRun]:
        return list(SyncRun.objects.filter(pk__gt=after).order_by("pk"))
