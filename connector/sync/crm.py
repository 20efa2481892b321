"""CRM tasks, logged calls and activities → Salesforce (and Salesforce Tasks → hubsync).

Every write is an sObject Collections upsert on the external id HubSync_Id__c
(``task-<uuid>``, ``activity-<uuid>``: the row's random ``external_id``, which nobody
can guess ahead), so a retried batch never writes twice; a link row records what
went over, so each moves exactly once.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from django.db import transaction

from marketing.models import Activity, ActivityType, Contact, CrmTask, CrmTaskKind, CrmTaskStatus

from ..client import COLLECTION_SIZE, RecordResult, SalesforceClient
from ..errors import LimitReached, RecoverableError
from ..mappers import EXTERNAL_ID_FIELD
from ..models import ActivityLink, ActivityStorage, CrmTaskLink, IntegrationSettings, SyncDirection
from ..soql import chunks
from .failures import Failure, failures_resolve, record_failures_record, waiting_for_retry

# Bounded work per cycle; the rest goes in the next one.
PER_CYCLE = 10_000
ACTIVITY_LABELS = {
    ActivityType.FORM_SUBMISSION: "Form Submission",
    ActivityType.EMAIL_OPEN: "Email Open",
    ActivityType.EMAIL_CLICK: "Email Click",
    ActivityType.PAGE_VIEW: "Page View",
}
EMAIL_TYPES = {ActivityType.EMAIL_OPEN, ActivityType.EMAIL_CLICK}


@dataclass
class CrmCounts:
    tasks_out: int = 0
    tasks_in: int = 0
    activities_out: int = 0
    errors: int = 0

    def as_dict(self) -> dict[str, int]:
        """Keyed apart from the run's total ``errors``: ``crm_errors`` are this part's."""
        return {
            ("crm_errors" if name == "errors" else name): v for name, v in self.__dict__.items()
        }


def _day(value: datetime | None) -> str | None:
    return value.date().isoformat() if value else None


def _upsert(client: SalesforceClient, sobject: str, records: list[dict]) -> list[RecordResult]:
    """Upsert on HubSync_Id__c; a Task that exists already is updated without TaskSubtype.

    (TaskSubtype can be set on create only; after a crash between Salesforce's
    create and hubsync's link, the retry finds the Task and must leave it alone.)
    """
    results = client.collection(
        "PATCH", records, sobject=sobject, external_id_field=EXTERNAL_ID_FIELD
    )
    again = [
        i
        for i, r in enumerate(results)
        if not r.success
        and r.code == "INVALID_FIELD_FOR_INSERT_UPDATE"
        and "TaskSubtype" in r.fields
    ]
    if again:
        retried = client.collection(
            "PATCH",
            [{k: v for k, v in records[i].items() if k != "TaskSubtype"} for i in again],
            sobject=sobject,
            external_id_field=EXTERNAL_ID_FIELD,
        )
        for i, result in zip(again, retried, strict=True):
            results[i] = result
    return results


def _settle(
    items: Sequence[Any], results: list[RecordResult], object_type: str, counts: CrmCounts
) -> list[tuple[Any, str]]:
    """Record the failures (back-off per contact) and resolve the rest; returns what went
    through, as (item, Salesforce id) pairs."""
    failures = {
        item.contact_id: Failure(object_type, r.code, r.message, tuple(r.fields))
        for item, r in zip(items, results, strict=True)
        if not r.success
    }
    record_failures_record(failures=failures)
    counts.errors += len([r for r in results if not r.success])
    failures_resolve(
        contact_ids={item.contact_id for item in items} - set(failures), object_types=[object_type]
    )
    return [(item, r.id) for item, r in zip(items, results, strict=True) if r.success and r.id]


def crm_tasks_push(*, client: SalesforceClient, counts: CrmCounts) -> None:
    """CRM tasks and logged calls of linked contacts → Salesforce Tasks on the Lead/Contact."""
    tasks = list(
        CrmTask.objects.filter(salesforce_link__isnull=True)
        .exclude(contact__salesforce_id="")
        .exclude(waiting_for_retry("Task"))
        .select_related("contact")
        .order_by("pk")[:PER_CYCLE]
    )
    for chunk in chunks(tasks, COLLECTION_SIZE):
        records = [
            {
                "attributes": {"type": "Task"},
                EXTERNAL_ID_FIELD: f"task-{task.external_id}",
                "WhoId": task.contact.salesforce_id,
                "Subject": task.subject[:255],
                "Description": task.notes,
                "Status": "Completed" if task.status == CrmTaskStatus.COMPLETED else "Not Started",
                "ActivityDate": _day(
                    task.occurred_at if task.kind == CrmTaskKind.CALL else task.due_at
                ),
                "TaskSubtype": "Call" if task.kind == CrmTaskKind.CALL else "Task",
            }
            for task in chunk
        ]
        try:
            results = _upsert(client, "Task", records)
        except LimitReached:
            raise
        except RecoverableError:
            continue  # the next cycle tries again
        links = [
            CrmTaskLink(crm_task=task, salesforce_id=sf_id, direction=SyncDirection.OUTBOUND)
            for task, sf_id in _settle(chunk, results, "Task", counts)
        ]
        CrmTaskLink.objects.bulk_create(links, ignore_conflicts=True)
        counts.tasks_out += len(links)


def crm_tasks_from_salesforce(*, records: list[dict], counts: CrmCounts) -> None:
    """Salesforce Tasks on linked Leads/Contacts (not written by hubsync) → CRM tasks/calls."""
    records = [r for r in records if r.get("WhoId") and not r.get(EXTERNAL_ID_FIELD)]
    if not records:
        return
    known = set(
        CrmTaskLink.objects.filter(salesforce_id__in=[r["Id"] for r in records]).values_list(
            "salesforce_id", flat=True
        )
    )
    contacts = dict(
        Contact.objects.filter(salesforce_id__in={r["WhoId"] for r in records}).values_list(
            "salesforce_id", "pk"
        )
    )
    for record in records:
        if record["Id"] in known or record["WhoId"] not in contacts:
            continue
        is_call = record.get("TaskSubtype") == "Call"
        when = (
            datetime.combine(date.fromisoformat(record["ActivityDate"]), datetime.min.time())
            if record.get("ActivityDate")
            else None
        )
        with transaction.atomic():
            task = CrmTask.objects.create(
                contact_id=contacts[record["WhoId"]],
                kind=CrmTaskKind.CALL if is_call else CrmTaskKind.TASK,
                subject=(record.get("Subject") or "")[:255] or "(no subject)",
                notes=record.get("Description") or "",
                due_at=None if is_call else _aware(when),
                occurred_at=_aware(when) if is_call else None,
                status=CrmTaskStatus.COMPLETED
                if record.get("Status") == "Completed"
                else CrmTaskStatus.OPEN,
            )
            CrmTaskLink.objects.create(
                crm_task=task, salesforce_id=record["Id"], direction=SyncDirection.INBOUND
            )
        counts.tasks_in += 1


def _aware(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value else None


def activities_push(
    *, client: SalesforceClient, integration_settings: IntegrationSettings, counts: CrmCounts
) -> None:
    """Each selected activity of a linked contact, once, to Tasks or HubSpot_Intelligence__c."""
    storage = integration_settings.activity_storage
    if storage == ActivityStorage.NONE or not integration_settings.activity_types:
        return
    sobject = "Task" if storage == ActivityStorage.TASKS else "HubSpot_Intelligence__c"
    activities = list(
        Activity.objects.filter(
            salesforce_link__isnull=True, type__in=integration_settings.activity_types
        )
        .exclude(contact__salesforce_id="")
        .exclude(waiting_for_retry(sobject))
        .select_related("contact")
        .order_by("pk")[:PER_CYCLE]
    )
    for chunk in chunks(activities, COLLECTION_SIZE):
        records = [_activity_record(activity, sobject) for activity in chunk]
        try:
            results = _upsert(client, sobject, records)
        except LimitReached:
            raise
        except RecoverableError:
            continue
        links = [
            ActivityLink(activity=activity, salesforce_object=sobject, salesforce_id=sf_id)
            for activity, sf_id in _settle(chunk, results, sobject, counts)
        ]
        ActivityLink.objects.bulk_create(links, ignore_conflicts=True)
        counts.activities_out += len(links)


def _activity_record(activity: Activity, sobject: str) -> dict:
    label = ACTIVITY_LABELS[ActivityType(activity.type)]
    details = json.dumps(activity.details, sort_keys=True) if activity.details else ""
    contact = activity.contact
    if sobject == "Task":
        return {
            "attributes": {"type": "Task"},
            EXTERNAL_ID_FIELD: f"activity-{activity.external_id}",
            "WhoId": contact.salesforce_id,
            "Subject": f"{label} (hubsync)",
            "Description": details,
            "Status": "Completed",
            "ActivityDate": _day(activity.occurred_at),
            "TaskSubtype": "Email" if activity.type in EMAIL_TYPES else "Task",
        }
    link_field = "Lead__c" if contact.salesforce_object == "Lead" else "Contact__c"
    return {
        "attributes": {"type": sobject},
        EXTERNAL_ID_FIELD: f"activity-{activity.external_id}",
        "Name": f"{label} {activity.occurred_at:%Y-%m-%d}"[:80],
        link_field: contact.salesforce_id,
        "Activity_Type__c": label,
        "Activity_Date__c": activity.occurred_at.isoformat(),
        "Details__c": details,
    }
