"""A backfill's new records share Bulk API 2.0 insert jobs (connector/sync/push_spool.py):
one job for many claimed batches, through the emulator over HTTP.

Transactional: the lanes are threads with their own database connections.
"""

from __future__ import annotations

import io
import time
import uuid

import pytest

from connector.errors import ApiLimitReached
from connector.models import ContactSyncState, SyncError
from connector.sync.queue import contacts_mark_due
from marketing.models import Contact
from tests.conftest import SF_PASSWORD, SF_TOKEN, SF_USERNAME
from tests.connector.sync.test_push_lanes import BATCH, N, push

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

JOB_CREATE = "POST /services/data/v<version>/jobs/ingest/"


@pytest.fixture(autouse=True)
def bulk_from_five(monkeypatch):
    """Each batch of 200 new records is Bulk-sized."""
    monkeypatch.setattr("connector.sync.push_writes.BULK_THRESHOLD", 5)


def contacts_make(n: int, **values) -> None:
    Contact.objects.bulk_create(
        [
            Contact(email=f"s{i}@spool.example", last_name=values.get("last_name", f"L{i}"))
            for i in range(n)
        ]
    )
    contacts_mark_due()


def each_contact_once_in_salesforce(salesforce) -> None:
    leads = salesforce.control.records("Lead", include_deleted=False)
    assert len(leads) == N
    assert len({lead["HubSync_Id__c"] for lead in leads}) == N
    linked = dict(Contact.objects.values_list("salesforce_id", "external_id"))
    assert {lead["Id"]: lead["HubSync_Id__c"] for lead in leads} == {
        sf_id: str(external_id) for sf_id, external_id in linked.items()
    }
    assert not ContactSyncState.objects.filter(due=True).exists()
    assert not ContactSyncState.objects.exclude(claim_token="").exists()


def org_jobs_done(sf) -> None:
    """Wait (a deadline, not a fixed sleep) until the org has processed every ingest job it
    was sent; ``sf`` is the test's own client (not hubsync's budget)."""
    deadline = time.monotonic() + 60
    while any(
        job["state"] in ("UploadComplete", "InProgress")
        for job in sf.restful("jobs/ingest")["records"]
    ):
        assert time.monotonic() < deadline, "the emulator did not finish its jobs"
        time.sleep(0.1)


def pushed_again_once_the_org_is_done(salesforce, integration_settings) -> None:
    """After a push the limit ended: once the org has finished the jobs it was sent (a
    deadline, not a fixed wait), the next push with calls to spare leaves every contact
    with exactly one record."""
    org_jobs_done(salesforce.salesforce(SF_USERNAME, SF_PASSWORD, SF_TOKEN))
    integration_settings.api_call_limit = 100_000
    integration_settings.save()
    push(integration_settings, parallelism=2)
    each_contact_once_in_salesforce(salesforce)


def test_the_batches_of_a_backfill_share_one_insert_job(salesforce, integration_settings):
    contacts_make(N)
    salesforce.control.reset_stats()
    counts = push(integration_settings, parallelism=2)
    assert (counts.created, counts.updated, counts.failed) == (N, 0, 0)
    requests = salesforce.control.stats()["requests"]
    # Five claimed batches, one job (each batch alone was one job: five).
    assert requests[JOB_CREATE] == 1
    assert sum(n for path, n in requests.items() if path.startswith("PUT ")) == 1  # one upload
    each_contact_once_in_salesforce(salesforce)


def test_a_full_job_goes_out_while_the_next_one_fills(
    salesforce, integration_settings, monkeypatch
):
    # About two batches' rows fill a job.
    monkeypatch.setattr("connector.sync.push_spool.UPLOAD_MAX_BYTES", 25_000)
    contacts_make(N)
    salesforce.control.reset_stats()
    counts = push(integration_settings, parallelism=2)
    assert (counts.created, counts.failed) == (N, 0)
    assert salesforce.control.stats()["requests"][JOB_CREATE] >= 3
    each_contact_once_in_salesforce(salesforce)


def test_a_backfill_splits_its_records_evenly_over_the_fewest_jobs(
    salesforce, integration_settings, monkeypatch
):
    """1,000 new records whose CSV takes 2.1 uploads: three jobs, as when each was filled
    to the limit, but even ones. Filled to the limit, the first job waited for 475 records
    and the last carried 50: Salesforce idled while the first filled, and nothing
    overlapped the reading and settling of the second's 475 results."""
    from connector.sync import push_spool
    from connector.sync.push_spool_job import csv_lines

    contacts_make(N)
    # A job holds 475 rows such as the middle contact's (Company, Email, HubSync_Id__c,
    # LastName).
    row = csv_lines([["[not provided]", "s500@spool.example", str(uuid.uuid4()), "L500"]])
    monkeypatch.setattr(push_spool, "UPLOAD_MAX_BYTES", 475 * len(row))
    sf = salesforce.salesforce(SF_USERNAME, SF_PASSWORD, SF_TOKEN)  # not hubsync's budget
    counts = push(integration_settings, parallelism=2, due=N, batch_size=25)
    assert (counts.created, counts.failed) == (N, 0)
    jobs = sorted(sf.restful("jobs/ingest")["records"], key=lambda job: job["id"])
    sizes = [sf.restful(f"jobs/ingest/{job['id']}")["numberRecordsProcessed"] for job in jobs]
    assert sizes == [375, 375, 250]
    each_contact_once_in_salesforce(salesforce)


def test_a_jobs_share_is_even_over_the_fewest_jobs_the_upload_limit_allows():
    from connector.sync.push_spool_job import job_share

    mb = 1024 * 1024
    # 2,000,000 new records of 109 bytes (208 MiB): three jobs of about 730,000 records.
    share = job_share(due=2_000_000, claimed=10_000, parked_bytes=10_000 * 109, limit=100 * mb)
    assert round(share / 109) == 733_333
    # Half of the first batch new (the rest linked): the estimate halves, two jobs.
    share = job_share(due=2_000_000, claimed=10_000, parked_bytes=5_000 * 109, limit=100 * mb)
    assert round(share / 109) == 550_000
    # What one job holds goes as one job, when the push ends; so does a share the
    # margin would take over the limit.
    assert job_share(due=9_000, claimed=10, parked_bytes=1_090, limit=100 * mb) == 100 * mb
    assert job_share(due=2_950, claimed=1, parked_bytes=1, limit=1_000) == 1_000
    # The benchmark's first contacts have the shortest addresses (104 bytes a row): two
    # jobs seemed enough. Reckoned again from 100,000 contacts (107 bytes), three.
    assert (
        job_share(due=2_000_000, claimed=10_000, parked_bytes=10_000 * 104, limit=100 * mb)
        == 100 * mb
    )
    share = job_share(due=2_000_000, claimed=100_000, parked_bytes=100_000 * 107, limit=100 * mb)
    assert round(share / 107) == 733_333


def test_a_sent_job_is_read_and_its_batches_settled_between_claims(
    salesforce, integration_settings, monkeypatch
):
    """One lane, a job per batch: once the org has done a job (a deadline, not a fixed
    wait) and its pace says so, the lane reads it and settles one batch at each claim, so
    each job's batch has settled before the next job goes out (a job used to be read only
    once the next one had gone out)."""
    from connector.sync import push_spool

    monkeypatch.setattr(push_spool, "UPLOAD_MAX_BYTES", 20_000)
    # An org that is done at once: each job is due as soon as it is sent.
    monkeypatch.setattr(push_spool, "ASSUMED_RECORDS_PER_S", 10**9)
    monkeypatch.setattr(push_spool.IngestJobWatch, "rate", lambda watch: 10**9)
    sf = salesforce.salesforce(SF_USERNAME, SF_PASSWORD, SF_TOKEN)  # not hubsync's budget
    work, start = push_spool.BulkInsertSpool.work, push_spool.ingest_job_start
    settled_at_each_send: list[int] = []

    def work_once_the_org_is_done(spool, counts):
        org_jobs_done(sf)
        work(spool, counts)

    def start_counting(*args, **kwargs):
        settled_at_each_send.append(ContactSyncState.objects.filter(due=False).count())
        return start(*args, **kwargs)

    monkeypatch.setattr(push_spool.BulkInsertSpool, "work", work_once_the_org_is_done)
    monkeypatch.setattr(push_spool, "ingest_job_start", start_counting)
    contacts_make(N)
    counts = push(integration_settings, parallelism=1)
    assert (counts.created, counts.failed) == (N, 0)
    # Five batches, five jobs: each sent as the next batch parks (the last as the push
    # ends), when every batch before it but the one it holds has settled.
    assert settled_at_each_send == [0, BATCH, 2 * BATCH, 3 * BATCH, 4 * BATCH]
    each_contact_once_in_salesforce(salesforce)


def test_a_batch_whose_results_are_all_in_settles_while_the_rest_of_the_job_is_read(
    salesforce, integration_settings, monkeypatch
):
    """Five batches, one job, two lanes: once the first batch's every result has streamed
    in, the other lane settles it while the rest of the file is still being read (the
    whole file used to be read first: 30 s for a job of 940,000 records, with every lane
    but one idle)."""
    from connector import bulk_ingest
    from connector.sync import push_spool

    monkeypatch.setattr(bulk_ingest, "RESULT_CHUNK", BATCH)
    read = push_spool.ingest_results
    settled_before_the_second_chunk: list[int] = []

    def results_once_a_batch_settled(*args, **kwargs):
        for number, rows in enumerate(read(*args, **kwargs)):
            if number == 1:  # the first batch's rows are all in: wait for its settling
                deadline = time.monotonic() + 30
                while (settled := ContactSyncState.objects.filter(due=False).count()) < BATCH:
                    if time.monotonic() > deadline:
                        break
                    time.sleep(0.02)
                settled_before_the_second_chunk.append(settled)
            yield rows

    monkeypatch.setattr(push_spool, "ingest_results", results_once_a_batch_settled)
    contacts_make(N)
    salesforce.control.reset_stats()
    counts = push(integration_settings, parallelism=2)
    assert (counts.created, counts.failed) == (N, 0)
    assert salesforce.control.stats()["requests"][JOB_CREATE] == 1
    assert settled_before_the_second_chunk == [BATCH]
    each_contact_once_in_salesforce(salesforce)


def test_a_job_due_is_polled_before_the_batches_waiting_to_settle(monkeypatch):
    """A lane with both a job due and a batch to settle polls the job first: one call,
    and its results unblock more work. Settling first, a job done while another's results
    streamed in waited for every batch they completed (85 s at 2,000,000 contacts)."""
    from connector.bulk_ingest import IngestJobWatch
    from connector.sync import push_spool
    from connector.sync.push_spool_job import InsertJob, WaitingBatch
    from connector.sync.push_writes import PushCounts

    spool = push_spool.BulkInsertSpool(None, "Lead", lambda batch, counts: 0)  # type: ignore[arg-type]
    job = InsertJob(["LastName"])
    job.watch = IngestJobWatch(None, "Lead", "750x", records=1, started_at=0.0)  # type: ignore[arg-type]
    spool._running.append(job)
    spool._ready.append(WaitingBatch("a", io.BytesIO()))
    done: list[str] = []
    monkeypatch.setattr(spool, "_read", lambda job: done.append("poll"))
    monkeypatch.setattr(spool, "_settle", lambda waiting, counts: done.append("settle"))
    spool._step(PushCounts(), waiting=False)
    assert done == ["poll"]


def test_a_result_for_a_claim_another_worker_took_over_is_left_to_that_worker(
    salesforce, integration_settings, monkeypatch
):
    """A batch that waited longer than half the claim's time to live may have lost a
    contact to another worker (which takes a dead worker's claims once CLAIM_TTL is over):
    its result is then that worker's to record, not this push's."""
    from datetime import timedelta

    from connector.sync import push_spool

    monkeypatch.setattr(push_spool, "claim_ttl", lambda: timedelta(0))  # every batch waited
    start = push_spool.ingest_job_start
    contacts_make(N)
    taken = Contact.objects.get(email="s5@spool.example")

    def taken_over_while_the_job_runs(*args, **kwargs):
        job_id = start(*args, **kwargs)
        ContactSyncState.objects.filter(contact=taken).update(claim_token="another-worker")
        return job_id

    monkeypatch.setattr(push_spool, "ingest_job_start", taken_over_while_the_job_runs)
    counts = push(integration_settings, parallelism=2)
    assert (counts.created, counts.failed) == (N - 1, 0)
    taken.refresh_from_db()
    assert taken.salesforce_id == ""  # the other worker links it (upserting, create sent)
    state = ContactSyncState.objects.get(contact=taken)
    assert (state.claim_token, state.due, state.create_sent) == ("another-worker", True, True)
    assert Contact.objects.filter(salesforce_id="").count() == 1


def test_results_refused_for_good_end_the_push_with_nothing_claimed(
    salesforce, integration_settings
):
    """Salesforce refuses a job's results with an error no retry mends: the push ends on
    it (once, not reading the job again and again) and every batch settles."""
    from connector.errors import UnrecoverableError

    contacts_make(N)
    salesforce.control.add_fault(
        r"/successfulResults$", status=400, error_code="INVALIDJOB", message="Job is invalid."
    )
    with pytest.raises(UnrecoverableError):
        push(integration_settings, parallelism=2)
    assert salesforce.control.stats()["faults"] == {"status:400:INVALIDJOB": 1}
    assert not ContactSyncState.objects.exclude(claim_token="").exists()
    assert ContactSyncState.objects.filter(due=True, create_sent=True).count() == N


def test_a_record_refused_in_a_shared_job_is_its_own_sync_error(salesforce, integration_settings):
    contacts_make(N)
    Contact.objects.filter(email="s7@spool.example").update(last_name="Refused")
    salesforce.control.add_validation_rule(
        "Lead", "no_refused", "LastName", "equals", "Refused names are not allowed", value="Refused"
    )
    counts = push(integration_settings, parallelism=2)
    assert (counts.created, counts.failed) == (N - 1, 1)
    error = SyncError.objects.get()
    assert error.contact.email == "s7@spool.example"
    assert error.code == "FIELD_CUSTOM_VALIDATION_EXCEPTION"
    assert "Refused names are not allowed" in error.message
    assert Contact.objects.filter(salesforce_id="").count() == 1
    assert not ContactSyncState.objects.exclude(claim_token="").exists()


def test_the_limit_while_the_job_runs_leaves_nothing_claimed_or_twice(
    salesforce, integration_settings
):
    # The login, one read of the org's addresses (none: no lookup per batch), the job's
    # create, upload and close: the limit falls on the first poll, with the job sent and its
    # results unread.
    integration_settings.api_call_limit = 5
    integration_settings.save()
    contacts_make(N)
    with pytest.raises(ApiLimitReached):
        push(integration_settings, parallelism=2)
    due = ContactSyncState.objects.filter(due=True)
    assert due.count() == N  # nothing settled without its result …
    assert not due.exclude(claim_token="").exists()  # … and nothing left claimed
    assert due.filter(create_sent=True).count() == N  # the next try upserts them
    pushed_again_once_the_org_is_done(salesforce, integration_settings)


def test_a_backfill_reads_the_orgs_addresses_once_and_links_what_they_match(
    salesforce, integration_settings
):
    contacts_make(N)
    # Two people of the org already have backfilled contacts' addresses, one of them twice
    # (the oldest record wins, the other is a collision); a third is someone else.
    salesforce.control.load_records(
        "Lead",
        [
            {"LastName": "Old", "Company": "Acme", "Email": "S3@spool.example"},
            {"LastName": "Other", "Company": "Acme", "Email": "nobody@else.example"},
        ],
    )
    salesforce.control.load_records(
        "Contact", [{"LastName": "Known", "Email": "s850@spool.example"}]
    )
    salesforce.control.load_records(
        "Lead", [{"LastName": "Younger", "Company": "Acme", "Email": "s850@spool.example"}]
    )
    salesforce.control.reset_stats()
    counts = push(integration_settings, parallelism=2)
    assert (counts.created, counts.matched, counts.collisions) == (N - 2, 2, 1)
    assert Contact.objects.get(email__iexact="s3@spool.example").salesforce_object == "Lead"
    assert Contact.objects.get(email="s850@spool.example").salesforce_object == "Contact"
    assert Contact.objects.filter(salesforce_id="").count() == 0
    composite = salesforce.control.stats()["requests"]["POST /services/data/v<version>/composite/"]
    # The org's addresses (one call), then the two matched records by Id: in one batch each.
    assert composite == 1 + 2  # per batch it was 5 calls, one for each batch's addresses
    leads = salesforce.control.records("Lead", include_deleted=False)
    assert len(leads) == N - 2 + 3  # the org's own three Leads are still there, none twice


def test_an_org_with_more_people_than_worth_reading_keeps_per_batch_lookups(
    salesforce, integration_settings, monkeypatch
):
    monkeypatch.setattr("connector.sync.push_lookup.ORG_EMAILS_MAX", 1)
    contacts_make(N)
    salesforce.control.load_records(
        "Lead",
        [{"LastName": f"O{i}", "Company": "Acme", "Email": f"s{i}@spool.example"} for i in (1, 2)],
    )
    salesforce.control.reset_stats()
    counts = push(integration_settings, parallelism=2)
    assert (counts.created, counts.matched) == (N - 2, 2)
    composite = salesforce.control.stats()["requests"]["POST /services/data/v<version>/composite/"]
    assert composite == 1 + N // BATCH  # the call that told, then each batch's lookups
    assert len(salesforce.control.records("Lead", include_deleted=False)) == N


def test_the_limit_while_a_full_job_is_sent_leaves_nothing_claimed(
    salesforce, integration_settings, monkeypatch
):
    monkeypatch.setattr("connector.sync.push_spool.UPLOAD_MAX_BYTES", 25_000)
    # The login, the read of the org's addresses, then the first full job's create and
    # upload: its close is refused, while the lane that filled it parks the next batch.
    integration_settings.api_call_limit = 4
    integration_settings.save()
    contacts_make(N)
    with pytest.raises(ApiLimitReached):
        push(integration_settings, parallelism=2)
    assert salesforce.control.records("Lead") == []  # the job was never closed
    assert ContactSyncState.objects.filter(due=True).count() == N
    assert not ContactSyncState.objects.exclude(claim_token="").exists()
    pushed_again_once_the_org_is_done(salesforce, integration_settings)


@pytest.mark.parametrize("limit", [10, 16, 22])
def test_wherever_the_limit_falls_among_many_jobs_nothing_is_left_claimed_or_twice(
    salesforce, integration_settings, monkeypatch, limit
):
    """A job per batch (five): the limit falls on a send, a poll, a results read or, at the
    end, on the first of the two jobs the push still has to read — how many polls a job
    takes varies, so where exactly is not fixed; every case must end the same way."""
    monkeypatch.setattr("connector.sync.push_spool.UPLOAD_MAX_BYTES", 20_000)
    integration_settings.api_call_limit = limit
    integration_settings.save()
    contacts_make(N)
    with pytest.raises(ApiLimitReached):
        push(integration_settings, parallelism=2)
    assert not ContactSyncState.objects.exclude(claim_token="").exists()
    pushed_again_once_the_org_is_done(salesforce, integration_settings)


def test_the_orgs_limit_on_the_first_of_two_jobs_read_at_the_end_settles_the_second(
    salesforce, integration_settings, monkeypatch
):
    """Three batches fill the first job; the last two are the second, sent as the push
    ends. Salesforce refuses the first job's results (its request limit), whether a lane
    reads them between claims or the push's end does: the second job's batches settle too
    (released: none is left claimed)."""
    monkeypatch.setattr("connector.sync.push_spool.UPLOAD_MAX_BYTES", 50_000)
    contacts_make(N)
    salesforce.control.add_fault(
        r"/successfulResults$",
        status=403,
        error_code="REQUEST_LIMIT_EXCEEDED",
        message="TotalRequests Limit exceeded.",
    )
    with pytest.raises(ApiLimitReached):
        push(integration_settings, parallelism=2)
    assert salesforce.control.stats()["requests"][JOB_CREATE] == 2
    assert not ContactSyncState.objects.exclude(claim_token="").exists()
    pushed_again_once_the_org_is_done(salesforce, integration_settings)


def test_a_result_goes_to_the_batch_that_sent_its_contact_even_when_claims_interleave():
    """Each batch's contacts are a range of their own as a rule (claims go in id order);
    lanes racing for a claim can interleave them, and every result still finds its batch."""
    from connector.sync.push_batch import PushBatch
    from connector.sync.push_spool_job import InsertJob

    job = InsertJob(["LastName"])
    job.add(PushBatch(token="a", versions={}), b"", [1, 5, 9])
    job.add(PushBatch(token="b", versions={}), b"", [2, 6, 7])  # inside a's range
    job.add(PushBatch(token="c", versions={}), b"", [20, 21])
    owners = {pk: job.batch_of(pk) for pk in (1, 2, 5, 6, 7, 9, 20, 21, 3, 30, 0)}
    assert {pk for pk, w in owners.items() if w is job.waiting["a"]} == {1, 5, 9}
    assert {pk for pk, w in owners.items() if w is job.waiting["b"]} == {2, 6, 7}
    assert {pk for pk, w in owners.items() if w is job.waiting["c"]} == {20, 21}
    assert [owners[pk] for pk in (3, 30, 0)] == [None, None, None]  # sent by none


def test_a_job_sent_behind_another_is_first_polled_when_the_org_can_be_done_with_it():
    """The org works through a push's jobs one after the other (the emulator strictly, a
    real org as a rule): a job's first poll is timed from when the one before it ended, at
    the pace that one went, not from its own close (each poll is a call)."""
    from connector.bulk_ingest import IngestJobWatch

    watch = IngestJobWatch(None, "Lead", "750x", records=1_000, started_at=100.0, rate=100.0)  # type: ignore[arg-type]
    assert watch.next_at == 110.0  # 1,000 records at 100/s
    watch.starts(130.0, 50.0)  # the job before it ended at 130, at 50 records/s
    assert (watch.started_at, watch.next_at) == (130.0, 150.0)
    watch.starts(120.0, 50.0)  # never earlier than already known
    assert watch.started_at == 130.0


def test_a_job_found_going_before_the_one_ahead_is_seen_to_end_is_not_polled_minutes_late():
    """A job's start is an estimate (when the job ahead of it should end) until that one
    is seen to end. Polled in between and found going, its pace reckoned from a start too
    early would put its next poll five minutes off (the longest pause); the org's pace
    so far bounds it: at most twice the time that pace says."""
    from types import SimpleNamespace

    from connector.bulk_ingest import IngestJobWatch

    info = {"state": "InProgress", "numberRecordsProcessed": 84_000}
    client = SimpleNamespace(call=lambda call: info)
    now = time.monotonic()
    # Sent behind a job that should have ended 72.5 s ago, at 7,300 records/s.
    watch = IngestJobWatch(client, "Lead", "750x", records=530_000, started_at=now - 80)  # type: ignore[arg-type]
    watch.starts(now - 72.5, 7_300.0)
    assert watch.poll() is None
    # 446,000 records left: 385 s at the pace since the estimated start, 61 s at the org's.
    assert 2 * 61 * 1.1 <= watch.next_at - now < 2 * 61.1 * 1.1 + 1
