"""hubsync → Salesforce: push due contacts in batches (several at once for a backfill).

Per batch of claimed contacts: the unlinked ones are looked up by email (push_lookup),
then the writes go out as sObject Collections of 200 (update by Id for linked and matched
records, create for new ones) or, for at least BULK_THRESHOLD new records, a Bulk API 2.0
insert job (push_spool: a backfill's batches share their jobs). A new record carries the
contact's random external id (HubSync_Id__c): a record that already has it is one hubsync
did not create, and Salesforce refuses the create (DUPLICATE_VALUE, a sync error) rather
than hubsync writing onto it. Only a contact whose earlier create may have landed unseen is
upserted on that id. Every record's outcome is recorded on its own: one rejected record
never sinks the batch.
"""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial

from django.conf import settings as django_settings
from django.db import connection

from marketing.models import Contact

from ..client import SalesforceClient
from ..mappers import (
    EXTERNAL_ID_FIELD,
    MappingError,
    MappingSpec,
    contact_to_salesforce,
    hubsync_id,
    record_in_hubsync_terms,
    salesforce_fields_for,
)
from ..messages import (
    RECORD_TYPE_GONE,
    said,
)
from ..models import IntegrationSettings
from ..org_schema import org_picklists, record_type_id
from ..owners import owners_get
from ..services.owners import org_users_read_if_due
from .base import (
    base_after_push,
    first_matches_merge,
    properties_changed,
    synced_values_get,
)
from .failures import Failure
from .push_batch import PushBatch
from .push_claims import ClaimCursor, SendLimit
from .push_lookup import ORG_EMAILS_WORTH_FROM, OrgEmails, lookup_by_email
from .push_settle import batch_finish, batch_settle
from .push_spool import BulkInsertSpool
from .push_writes import PushCounts, write_creates, write_updates
from .queue import (
    contact_creates_sent,
    contact_states_claim,
    contacts_due_more_than,
    contacts_unlinked_count,
    contacts_with_creates_sent,
)

# Contacts claimed per batch: large enough that a backfill becomes one Bulk API job,
# bounded so a batch stays a few megabytes in memory.
CLAIM_BATCH = 10_000
# Batches in flight at once, at most: far below Salesforce's 25 concurrent long requests.
MAX_LANES = 4


def contacts_push(
    *,
    client: SalesforceClient,
    integration_settings: IntegrationSettings,
    mappings: Sequence[MappingSpec],
    should_continue: Callable[[], bool],
    include_retries: bool = True,
    batch_size: int | None = None,
    on_progress: Callable[[PushCounts], None] | None = None,
    parallelism: int | None = None,
    due: int = 0,
) -> PushCounts:
    """Push every due contact (inside the inclusion list) until none is left.

    ``due``: how many are due, if the caller counted them (the cycle, for its progress
    bar): a backfill's insert jobs are then as even as the upload limit allows.

    More than one batch due: SALESFORCE_PUSH_PARALLELISM (or ``parallelism``) lanes push
    batches at once, each in its own thread with its own database connection.

    Checks ``should_continue`` at each batch boundary (the sync switched off).
    Raises ApiLimitReached (claims released, nothing lost) when the budget ends.
    """
    size = batch_size or CLAIM_BATCH
    lanes = min(parallelism or django_settings.SALESFORCE_PUSH_PARALLELISM, MAX_LANES)
    spool = BulkInsertSpool(
        client, integration_settings.new_record_type, partial(batch_finish, client), due=due
    )
    lane = partial(
        _push_lane,
        client=client,
        integration_settings=integration_settings,
        mappings=mappings,
        should_continue=should_continue,
        include_retries=include_retries,
        size=size,
        spool=spool,
    )
    counts = PushCounts(on_progress=on_progress)
    try:
        if contacts_due_more_than(size, integration_settings=integration_settings):
            unlinked = contacts_unlinked_count(at_most=ORG_EMAILS_WORTH_FROM)
            lane = partial(lane, org=OrgEmails.read(client, unlinked=unlinked))
            backfill = partial(lane, send_each=False, cursor=ClaimCursor())
            # A backfill: the batches' new records share insert jobs (push_spool), and what
            # the lanes have not read and settled is, here; then whatever they released
            # (postponed writes, moves) goes one batch at a time.
            if lanes < 2:
                backfill(counts=counts, stop=threading.Event())
            else:
                counts = _push_lanes(backfill, lanes=lanes, on_progress=on_progress)
            spool.finish(counts, lanes=lanes)
        lane(counts=counts, stop=threading.Event(), send_each=True, org=None, cursor=None)
    except BaseException:
        spool.abandon(counts)
        raise
    return counts


def _push_lane(
    *,
    client: SalesforceClient,
    integration_settings: IntegrationSettings,
    mappings: Sequence[MappingSpec],
    should_continue: Callable[[], bool],
    include_retries: bool,
    size: int,
    spool: BulkInsertSpool,
    send_each: bool,
    org: OrgEmails | None,
    cursor: ClaimCursor | None,
    counts: PushCounts,
    stop: threading.Event,
) -> None:
    """Claim and push batches one after the other until none is left (or ``stop``).

    ``cursor``: a backfill's lanes claim on past the contacts claimed so far (what a
    batch releases is due again for the push's last lane, which claims from the start).
    ``send_each``: a batch's insert job is sent and read before the next claim; else the
    batches' new records fill shared jobs and the lane, between claims, does a share of
    their reading and settling (``spool.finish`` does the rest)."""
    sends = SendLimit()
    while not stop.is_set() and should_continue() and not spool.broken:
        token, ids = contact_states_claim(
            limit=size,
            inclusion_list=integration_settings.inclusion_list,
            include_retries=include_retries,
            after=cursor.after if cursor else -1,
        )
        if not ids:
            break
        if cursor:
            cursor.passed(ids)
        elif not (ids := sends.kept(token, ids)):
            break
        settled = _push_batch(
            client=client,
            integration_settings=integration_settings,
            mappings=mappings,
            token=token,
            contact_ids=ids,
            counts=counts,
            spool=spool,
            org=org,
        )
        if send_each:
            spool.finish(counts)
        else:
            spool.work(counts)
        if not settled:
            # Every write of the batch was postponed (Salesforce down, timing out): its
            # contacts are due again at once, so claiming on would resend them in a loop
            # that only the API limit ends. The next cycle takes them.
            stop.set()


def _push_lanes(
    lane: Callable[..., None],
    *,
    lanes: int,
    on_progress: Callable[[PushCounts], None] | None,
) -> PushCounts:
    """Several batches in flight at once (a backfill of more than one batch): while one
    lane waits for Salesforce (a Bulk job, a round trip), another prepares and settles its
    own batch. Claims keep the lanes apart; each lane counts on its own, and the first
    error (the API limit …) stops the others at their next batch and is raised."""
    stop = threading.Event()
    parts = [PushCounts() for _ in range(lanes)]
    if on_progress is not None:
        for part in parts:
            part.on_progress = lambda _part: on_progress(PushCounts.total(parts))

    def run(part: PushCounts) -> None:
        try:
            lane(counts=part, stop=stop)
        except BaseException:
            stop.set()
            raise
        finally:
            connection.close()  # this thread's own connection

    with ThreadPoolExecutor(max_workers=lanes, thread_name_prefix="push-lane") as pool:
        # Each lane in a copy of this thread's context: its log lines carry the run id.
        futures = [pool.submit(contextvars.copy_context().run, run, part) for part in parts]
    for future in futures:
        future.result()
    return PushCounts.total(parts, on_progress=on_progress)


def _push_batch(
    *,
    client: SalesforceClient,
    integration_settings: IntegrationSettings,
    mappings: Sequence[MappingSpec],
    token: str,
    contact_ids: list[int],
    counts: PushCounts,
    spool: BulkInsertSpool,
    org: OrgEmails | None,
) -> int:
    """Push one claimed batch; returns how many of its contacts got an outcome, or all of
    them when its new records wait in ``spool`` for an insert job (the job settles it)."""
    properties = sorted({m.hubsync_property for m in mappings} | {"email"})
    contacts = list(
        Contact.objects.filter(pk__in=contact_ids).values(
            "pk", "updated_at", "salesforce_id", "salesforce_object", "external_id", *properties
        )
    )
    batch = PushBatch(token=token, versions={c["pk"]: c["updated_at"] for c in contacts})
    try:
        unlinked = [c for c in contacts if not c["salesforce_id"]]
        picklists = org_picklists(integration_settings)
        read = {
            object_type: salesforce_fields_for(
                object_type, mappings, picklists=integration_settings.state_country_picklists
            )
            for object_type in ("Lead", "Contact")
        }
        matches = lookup_by_email(
            client, [c["email"] for c in unlinked], counts, fields=read, org=org
        )
        if any(c.get("owner") for c in contacts):
            # Owners go out as their matched users: read the org's users when due (daily).
            org_users_read_if_due(client)
        owners = owners_get()
        # The merge compares hubsync's terms: OwnerId as the matched hubsync user.
        # A record another contact follows is not this one's, whatever its email says (that
        # contact took another address in hubsync, which Salesforce's record keeps).
        followed = set(
            Contact.objects.filter(
                salesforce_id__in=[r["Id"] for r in matches.values()]
            ).values_list("salesforce_id", flat=True)
        )
        matched = {
            c["pk"]: (c, record_in_hubsync_terms(matches[c["email"].lower()], owners))
            for c in unlinked
            if c["email"].lower() in matches and matches[c["email"].lower()]["Id"] not in followed
        }
        merged, rewritten = first_matches_merge(matched, mappings=mappings, picklists=picklists)
        batch.rewritten(rewritten)
        bases = synced_values_get(c["pk"] for c in contacts if c["salesforce_id"])
        updates: list[tuple[int, dict]] = []
        creates: list[tuple[int, dict]] = []
        new_type = integration_settings.new_record_type
        record_types = _record_type_ids(integration_settings)
        for contact in contacts:
            pk = contact["pk"]
            if pk in matched:
                counts.matched += 1
                record = matched[pk][1]
                batch.linked(pk, (record["attributes"]["type"], record["Id"]))
            sf_object, sf_id = (
                (contact["salesforce_object"], contact["salesforce_id"])
                if contact["salesforce_id"]
                else batch.links.get(pk) or (new_type, "")
            )
            if pk in merged:
                sent, base = merged[pk]
            elif sf_id:
                base = bases.get(pk) or {}
                sent = properties_changed(contact, base, mappings)
            else:
                sent, base = None, {}
            try:
                record = contact_to_salesforce(
                    contact,
                    object_type=sf_object,
                    mappings=mappings,
                    picklists=picklists,
                    creating=not sf_id,
                    only=sent,
                    owners=owners,
                )
                if not sf_id:
                    record.update(_record_type(record_types, sf_object))
            except MappingError as error:
                batch.failed(
                    pk, Failure(sf_object, error.code, error.message, tuple(error.fields), sf_id)
                )
                continue
            # Nothing Salesforce lacks (an edit of a property hubsync does not send, or one
            # Salesforce already had): in sync without a call.
            in_sync = bool(sf_id) and not record
            batch.planned(
                pk,
                target=(sf_object, sf_id),
                base=base_after_push(contact, base, mappings, sent),
                sent_fields=None if in_sync else sorted(record),
            )
            if in_sync:
                continue
            record[EXTERNAL_ID_FIELD] = hubsync_id(contact["external_id"])
            record["attributes"] = {"type": sf_object}
            if sf_id:
                record["Id"] = sf_id
                updates.append((pk, record))
            else:
                creates.append((pk, record))
        batch.sending(pk for pk, _ in updates + creates)
        write_updates(client, updates, batch, counts)
        sent_before = contacts_with_creates_sent([pk for pk, _ in creates])
        contact_creates_sent([pk for pk, _ in creates if pk not in sent_before])
        bulk: list[tuple[int, dict]] = []
        write_creates(
            client,
            new_type,
            creates,
            batch,
            counts,
            assign=integration_settings.lead_assignment_rules,
            sent_before=sent_before,
            bulk=bulk,
        )
    except Exception:  # noqa: BLE001 — whatever ends the batch, its outcomes are kept
        # The limit, or a failed email lookup: keep what got through and release the
        # rest at once (left claimed, it would wait out CLAIM_TTL).
        batch_settle(batch, counts)
        raise
    if bulk:
        try:
            spool.park(batch, bulk, counts)
        except Exception:  # noqa: BLE001 — sending the full job failed before this one waited
            batch_settle(batch, counts)
            raise
        return len(batch.versions)
    return batch_finish(client, batch, counts)


def _record_type_ids(integration_settings: IntegrationSettings) -> dict[str, str | None]:
    """``{object: RecordTypeId or None (the user's default) or "" (the chosen one is gone)}``."""
    ids: dict[str, str | None] = {}
    for object_type in ("Lead", "Contact"):
        try:
            ids[object_type] = record_type_id(integration_settings, object_type)
        except LookupError:
            ids[object_type] = ""
    return ids


def _record_type(ids: dict[str, str | None], object_type: str) -> dict[str, str]:
    record_type = ids.get(object_type)
    if record_type == "":
        raise MappingError(
            "INVALID_RECORD_TYPE",
            said(RECORD_TYPE_GONE, object=object_type),
            ["RecordTypeId"],
        )
    return {"RecordTypeId": record_type} if record_type else {}
