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
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from simple_salesforce.exceptions import SalesforceError

from connector.mappers import NOT_PROVIDED
from connector.models import FieldMapping, SyncError, SyncRun
from connector.selectors import integration_settings_get
from connector.services.mappings import field_mapping_save
from connector.services.settings import integration_settings_update, integration_sync_set
from connector.services.sync_errors import sync_errors_retry
from connector.sync.cycle import sync_cycle_run
from marketing.models import Activity, Contact, CrmTask, SmartList
from marketing.services import contact_upsert_by_email, smart_list_create
from tests.conftest import SF_PASSWORD, SF_TOKEN, SF_USERNAME

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

    # -- setting up ------------------------------------------------------------------------

    def reset(self) -> None:
        call_command("flush", interactive=False, verbosity=0)
        self.control.reset()
        self.integration_user_id = self.control.create_user(SF_USERNAME, SF_PASSWORD, SF_TOKEN)[
            "id"
        ]
        self.rep_user_id = self.control.create_user(*REP)["id"]
        self.rep = self.emulator.salesforce(*REP)
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

    def inclusion_list(self) -> SmartList:
        return SmartList.objects.get(name=INCLUDED)

    def retry_all(self) -> int:
        return sync_errors_retry()

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
