"""Benchmark the Salesforce emulator through simple-salesforce over real HTTP.

    .venv/bin/python bench/emulator.py [--collections 20000] [--query 100000] [--bulk 100000]
        [--pubsub 20000]

Starts ``python -m salesforce_emulator`` (hubsync's org: ``salesforce/emulator.toml``) as a
subprocess on a free port (so client and server do not share a GIL) and prints records/s for
sObject Collections writes (200 per call), query paging (2,000 per page), Bulk API 2.0 ingest
and query, and change events/s delivered by the Pub/Sub API (Subscribe from EARLIEST, 100 per
FetchRequest, Avro-encoded on first delivery, decoded by the client with fastavro). Every
write above also publishes a change event, so the write figures include Change Data
Capture's cost.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from salesforce_emulator.testing import running_emulator  # noqa: E402

USER = ("bench@hubsync.test", "bench-password", "BENCHTOKEN")


def _rate(n: int, seconds: float) -> str:
    return f"{n:>8,} records in {seconds:6.2f} s = {n / seconds:>10,.0f} records/s"


def bench_collections(sf, n: int) -> None:
    started = time.perf_counter()
    done = 0
    for batch in range(0, n, 200):
        records = [
            {
                "attributes": {"type": "Contact"},
                "FirstName": "Bench",
                "LastName": f"C{batch + i}",
                "Email": f"c{batch + i}@bench.example",
                "HubSync_Id__c": f"bench-{batch + i}",
            }
            for i in range(min(200, n - batch))
        ]
        res = sf.restful("composite/sobjects", method="POST", json={"records": records})
        assert all(r["success"] for r in res), res[:2]
        done += len(res)
    print(f"sObject Collections create (200/call): {_rate(done, time.perf_counter() - started)}")

    started = time.perf_counter()
    done = 0
    for batch in range(0, n, 200):
        records = [
            {
                "attributes": {"type": "Contact"},
                "HubSync_Id__c": f"bench-{batch + i}",
                "Title": "Upserted",
            }
            for i in range(min(200, n - batch))
        ]
        res = sf.restful(
            "composite/sobjects/Contact/HubSync_Id__c", method="PATCH", json={"records": records}
        )
        assert all(r["success"] and not r["created"] for r in res), res[:2]
        done += len(res)
    print(f"sObject Collections upsert (200/call): {_rate(done, time.perf_counter() - started)}")


def bench_query(sf, control, n: int) -> None:
    for start in range(0, n, 10_000):
        control.load_records(
            "Lead",
            [
                {"LastName": f"L{i}", "Company": "Bench", "Email": f"l{i}@bench.example"}
                for i in range(start, min(n, start + 10_000))
            ],
        )
    started = time.perf_counter()
    res = sf.query_all("SELECT Id, LastName, Email, Owner.Name FROM Lead ORDER BY SystemModstamp")
    assert res["totalSize"] == n, res["totalSize"]
    pages = -(-n // 2000)
    print(f"query paging ({pages} pages of 2,000):   {_rate(n, time.perf_counter() - started)}")


def bench_bulk(sf, n: int) -> None:
    records = [
        {"LastName": f"B{i}", "Company": "Bulk", "Email": f"b{i}@bench.example"} for i in range(n)
    ]
    started = time.perf_counter()
    result = sf.bulk2.Lead.insert(records=records, wait=0)
    elapsed = time.perf_counter() - started
    processed = sum(r["numberRecordsProcessed"] for r in result)
    failed = sum(r["numberRecordsFailed"] for r in result)
    assert processed == n and failed == 0, result
    print(f"Bulk API 2.0 ingest (insert CSV):      {_rate(n, elapsed)}")
    started = time.perf_counter()
    rows = sum(
        page.count("\n") - 1
        for page in sf.bulk2.Lead.query(
            "SELECT Id, LastName, Email FROM Lead WHERE Company = 'Bulk'", wait=0
        )
    )
    assert rows == n, rows
    print(f"Bulk API 2.0 query (CSV pages):        {_rate(n, time.perf_counter() - started)}")


def bench_pubsub(emu, sf, n: int) -> None:
    # Imported here: only this benchmark talks gRPC.
    import queue

    import fastavro

    from pubsub_api import pb2

    stub = emu.pubsub_stub()
    metadata = emu.pubsub_metadata(sf.session_id)
    requests: queue.Queue = queue.Queue()
    requests.put(pb2.FetchRequest(topic_name="/data/LeadChangeEvent", replay_preset=pb2.EARLIEST))
    requests.put(pb2.FetchRequest(num_requested=100))
    schemas: dict[str, object] = {}
    started = time.perf_counter()
    done = 0
    call = stub.Subscribe(iter(requests.get, None), metadata=metadata)
    for response in call:
        for event in response.events:
            schema_id = event.event.schema_id
            if schema_id not in schemas:
                info = stub.GetSchema(pb2.SchemaRequest(schema_id=schema_id), metadata=metadata)
                schemas[schema_id] = fastavro.parse_schema(json.loads(info.schema_json))
            parsed = schemas[schema_id]
            record = fastavro.schemaless_reader(io.BytesIO(event.event.payload), parsed, parsed)
            assert record["ChangeEventHeader"]["entityName"] == "Lead"
        done += len(response.events)
        if done >= n:
            break
        if response.events and response.pending_num_requested == 0:
            requests.put(pb2.FetchRequest(num_requested=100))
    elapsed = time.perf_counter() - started
    requests.put(None)
    call.cancel()
    stub.channel.close()
    print(f"Pub/Sub Subscribe (Lead change events): {_rate(done, elapsed)}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--collections", type=int, default=20_000)
    parser.add_argument("--query", type=int, default=100_000)
    parser.add_argument("--bulk", type=int, default=100_000)
    parser.add_argument("--pubsub", type=int, default=20_000, help="change events to receive")
    args = parser.parse_args()
    print("command:", " ".join([os.path.relpath(sys.executable), *sys.argv]))
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; emulator in a subprocess, SQLite :memory:"
    )
    config = os.path.join(ROOT, "salesforce", "emulator.toml")
    with running_emulator(in_process=False, api_limit=10_000_000, config=config) as emu:
        emu.control.create_user(*USER)
        sf = emu.salesforce(*USER)
        if args.collections:
            bench_collections(sf, args.collections)
        if args.query:
            bench_query(sf, emu.control, args.query)
        if args.bulk:
            bench_bulk(sf, args.bulk)
        if args.pubsub and (args.query or args.bulk):
            bench_pubsub(emu, sf, min(args.pubsub, args.query + args.bulk))
        stats = emu.control.stats()
        print(f"API calls used: {stats['api_used']:,}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
