"""Deletes Salesforce can no longer tell about: read which linked records still exist.

Polling sees a delete only while the record sits in the recycle bin (15 days, and the
bin purges its oldest rows beyond its capacity). When ``getDeleted`` says it cannot answer
for the whole time since a watermark (``earliestDateAvailable`` later than it, e.g. after
a long outage), or there is no watermark while contacts are linked (a reset), the deletes
query would miss some: instead every linked record's id is looked up, ~10,000 ids a call
(``Id IN`` lists, selective, five to a composite call), with queryAll so that merged-away
records still in the bin show their ``MasterRecordId``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from marketing.models import Contact

from ...client import SalesforceClient
from ...models import SyncCursor
from ...soql import in_lists, parse_datetime
from .watermark import CLOSED_AFTER, Watermark

# getDeleted answers for at most 15 days back.
DELETED_WINDOW = timedelta(days=15)
# Asked when a watermark is this old (a cycle missed, an outage), and at least once a day
# (a recycle bin over its capacity purges within hours): one call per object.
CHECK_WHEN_OLDER_THAN = timedelta(hours=1)
CHECK_EVERY = timedelta(hours=24)
IDS_PER_QUERY = 2_000
IDS_MAX_CHARS = 80_000


@dataclass
class Reconciled:
    """What the lookup found among the linked records of one object."""

    merged: dict[str, str] = field(default_factory=dict)  # loser id → survivor id
    deleted: list[str] = field(default_factory=list)  # gone, or in the bin without a survivor
    records: list[dict] = field(default_factory=list)  # the deleted ones read, as read


def deleted_fields(object_type: str) -> list[str]:
    """What the deletes are read with: a merge's survivor, and a Lead's conversion (a Lead
    deleted after it converted: its contact follows the Contact)."""
    fields = ["Id", "MasterRecordId", "SystemModstamp"]
    if object_type == "Lead":
        fields += ["IsConverted", "ConvertedContactId"]
    return fields


def _linked(object_type: str) -> QuerySet[Contact]:
    return Contact.objects.filter(salesforce_object=object_type).exclude(salesforce_id="")


def deletes_missed(
    client: SalesforceClient, object_type: str, watermark: Watermark
) -> tuple[bool, bool]:
    """(whether the deletes query since ``watermark`` could miss deletes — no watermark while
    records are linked, or the recycle bin cannot answer for the whole time since —, whether
    Salesforce was asked). The daily check's time is saved by :func:`deletes_checked` once
    the phase is done, so an interrupted cycle asks again."""
    since = watermark.since
    if since is None:
        return _linked(object_type).exists(), False
    now = timezone.now()
    if since < now - DELETED_WINDOW:
        return True, False
    checked = SyncCursor.objects.filter(name=_checked_name(object_type)).first()
    recent = since > now - CHECK_WHEN_OLDER_THAN
    if recent and (checked is None or checked.value and checked.value > now - CHECK_EVERY):
        if checked is None:  # the first deletes query ever: the daily check starts now
            deletes_checked(object_type, now)
        return False, False
    # start must lie before end, and the watermark can be a second ahead of this clock.
    answer = client.deleted(object_type, start=min(since, now - timedelta(minutes=5)), end=now)
    earliest = parse_datetime(answer.get("earliestDateAvailable"))
    return bool(earliest and earliest > since), True


def deletes_checked(object_type: str, at: datetime) -> None:
    """The deletes of ``object_type`` are known up to ``at`` (read, or reconciled)."""
    SyncCursor.objects.update_or_create(name=_checked_name(object_type), defaults={"value": at})


def _checked_name(object_type: str) -> str:
    return f"deletes_checked:{object_type}"


def linked_records_reconcile(client: SalesforceClient, object_type: str) -> Reconciled:
    """Which linked records of ``object_type`` were merged away or deleted."""
    ids = list(_linked(object_type).values_list("salesforce_id", flat=True))
    fields = ", ".join(["IsDeleted", *deleted_fields(object_type)])
    queries = [
        (f"SELECT {fields} FROM {object_type} WHERE Id IN ({chunk})", True)
        for chunk in in_lists(ids, max_values=IDS_PER_QUERY, max_chars=IDS_MAX_CHARS)
    ]
    found: dict[str, dict] = {}
    for pages in client.query_many(queries):
        for page in pages:
            found.update((record["Id"], record) for record in page)
    result = Reconciled()
    for sf_id in ids:
        record = found.get(sf_id)
        if record is not None and not record.get("IsDeleted"):
            continue
        if record is not None and record.get("MasterRecordId"):
            result.merged[sf_id] = record["MasterRecordId"]
        else:
            result.deleted.append(sf_id)
            if record is not None:
                result.records.append(record)
    return result


def reconciled_at(watermark: Watermark, queried_at: datetime) -> None:
    """Every linked record was looked up after ``queried_at``: the deletes query may start
    there (less the margin a late commit needs, as in Watermark.caught_up)."""
    watermark.newest = queried_at - CLOSED_AFTER
    watermark.newest_ids = set()
    watermark.save()
