"""Run every benchmark and write the figures to bench/RESULTS.md (what ``make bench`` does).

    .venv/bin/python bench/run_all.py [--database-url URL] [--only NAME ...]

Each benchmark runs as its own process (each sets up Django on its own database), prints
its command line and figures, and hands them back through a JSON file. RESULTS.md keeps
one section per database vendor: a run on SQLite (the default) replaces the SQLite section
and leaves a PostgreSQL section from an earlier ``--database-url postgres://…`` run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "RESULTS.md"
# (name, script, arguments): incremental.py keeps its 200,000-contact database, which
# settings_page.py then measures (it builds one of its own when run alone).
BENCHMARKS = (
    ("api_economy", "bench/api_economy.py", []),
    ("throughput", "bench/throughput.py", []),
    ("incremental", "bench/incremental.py", ["--keep"]),
    ("settings_page", "bench/settings_page.py", []),
    ("hopeless_retries", "bench/hopeless_retries.py", []),
    ("change_events", "bench/change_events.py", []),
    ("first_load", "bench/first_load.py", ["--leads", "10000", "100000"]),
    ("campaigns", "bench/campaigns.py", []),
    (
        "throughput_latency",
        "bench/throughput.py",
        ["--latency-ms", "150", "--bulk-records-per-s", "10000"],
    ),
)
# `make bench-scale` (--scale): PostgreSQL at 2,000,000 contacts (issue 31).
SCALE = (
    ("inclusion_list", "bench/inclusion_list.py", ["--contacts", "2000000"]),
    ("first_load", "bench/first_load.py", ["--leads", "1000000"]),
    (
        "throughput_inbound",
        "bench/throughput.py",
        ["--contacts", "2000000", "--direction", "inbound", "--rate-target", "5000"],
    ),
    (
        "throughput_outbound",
        "bench/throughput.py",
        ["--contacts", "2000000", "--direction", "outbound", "--rate-target", "5000"],
    ),
    (
        "incremental",
        "bench/incremental.py",
        ["--small", "20000", "--large", "2000000", "--keep", "--push-rate-target", "5000"],
    ),
    (
        "pages",
        "bench/settings_page.py",
        ["--contacts", "2000000", "--errors", "100000", "--target-ms", "300"],
    ),
    ("migrations", "bench/upgrade_migrations.py", ["--contacts", "2000000"]),
)
VENDORS = {
    "sqlite": "SQLite",
    "postgresql": "PostgreSQL",
    "postgresql_scale": "PostgreSQL at 2,000,000 contacts (`make bench-scale`)",
}
TARGETS = """\
1. API economy, outbound: 10,000 new contacts within 1.1 × the physical limit + 10 calls,
   at least 50 × fewer calls than one simple-salesforce call per record.
2. API economy, inbound: 10,000 changed Salesforce records within ceil(N/2,000) + 10 calls.
3. Throughput of a 100,000-contact initial sync through a Celery worker: ≥ 2,000 records/s.
4. Incremental cycle (10 changes) at 20,000 and 200,000 contacts: equal calls, time ratio ≤ 1.5.
5. Peak RSS of the worker during the 100,000-contact sync < 300 MB.
6. Settings page: SQL queries independent of the data (tests/settings_ui/test_query_counts.py),
   server time at 200,000 contacts printed.
7. API calls on one record a validation rule rejects, over 24 simulated hours: at most 1 per
   change of the contact (issue 13).
8. Freshness from a Salesforce change to the hubsync record at 150 ms latency: p95 ≤ 10 s with
   change events, ≤ one poll interval (+ a cycle) with polling (issue 17).
9. API calls over an idle 24 hours with change events: ≤ 300 (issue 17).
10. Initial push of 100,000 records at 150 ms latency (Bulk jobs at 10,000 records/s): ≤ 90 s,
   printed with the pull and next to calls × latency ÷ parallelism (issue 17).
11. A first load of N Leads costs no more calls than one Bulk API 2.0 query job read in as few
   result pages as Salesforce returns, plus hubsync's fixed calls (issue 31).
12. `make bench-scale`, PostgreSQL at 2,000,000 contacts (issue 31): initial push and pull ≥
   5,000 records/s, worker peak RSS < 300 MB, push calls ≤ 1.1 × the Bulk API 2.0 physical
   limit + 10; incremental cycle at 20,000 vs 2,000,000: equal calls, time ratio ≤ 1.5; the
   settings, sync errors (100,000 errors), contact and held-deletions pages: median ≤ 300 ms;
   a 10-condition inclusion list evaluated in a cycle ≤ 2 s; every migration since the
   2026-11-28 release applied at 2,000,000 contacts, no write to a large table waiting > 5 s.
13. Campaign membership (issue 30): adding 10,000 list members to a campaign costs at most
   ceil(10,000 / 200) + 10 calls (or one Bulk job's calls); an idle cycle with campaigns
   linked costs no more calls than today's idle cycle + 1."""


def run(name: str, script: str, args: list[str], database_url: str | None) -> dict:
    command = [os.path.relpath(sys.executable, ROOT), script, *args]
    if database_url:
        command += ["--database-url", database_url]
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
        figures_path = Path(handle.name)
    env = {**os.environ, "DEBUG": "true", "BENCH_JSON": str(figures_path)}
    started = time.monotonic()
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    output = []
    assert process.stdout is not None
    for line in process.stdout:
        print(line, end="", flush=True)
        output.append(line)
    process.wait()
    figures = json.loads(figures_path.read_text()) if figures_path.stat().st_size else []
    figures_path.unlink()
    return {
        "name": name,
        "command": " ".join(command),
        "returncode": process.returncode,
        "seconds": time.monotonic() - started,
        "output": "".join(output),
        "figures": figures,
    }


def section(vendor: str, results: list[dict], total_s: float) -> str:
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout.strip()
    lines = [
        f"<!-- results:{vendor} -->",
        f"## {VENDORS.get(vendor, vendor)}",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on commit {commit}"
        f"{' (with uncommitted changes)' if dirty else ''}; {os.cpu_count()} cores "
        f"({platform.machine()}), Python {platform.python_version()}; "
        f"{total_s / 60:.1f} minutes in all. The machine is shared: ratios are from one run.",
        "",
        "| benchmark | figure | value | target | |",
        "|---|---|---|---|---|",
    ]
    for result in results:
        if result["returncode"] != 0:
            lines.append(
                f"| `{result['command']}` | **failed** (exit {result['returncode']}) | "
                "see the output below | | ✗ |"
            )
        for figure in result["figures"]:
            verdict = {True: "met", False: "**missed**", None: ""}[figure["met"]]
            lines.append(
                f"| `{result['command']}` | {figure['name']} | {figure['value']} | "
                f"{figure['target']} | {verdict} |"
            )
    lines += ["", "Output:", ""]
    for result in results:
        lines += ["```", result["output"].rstrip(), "```", ""]
    lines.append(f"<!-- end:{vendor} -->")
    return "\n".join(lines)


def section_figures(text: str, vendor: str) -> list[dict]:
    """The figures of ``vendor``'s section of RESULTS.md (its table), as run() returns
    them: the other vendor's last run, for the side-by-side table."""
    match = re.search(rf"<!-- results:{vendor} -->.*?<!-- end:{vendor} -->", text, re.S)
    figures = []
    for line in (match.group(0) if match else "").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split(" | ")]
        if len(cells) != 5 or not cells[0].startswith("`"):
            continue
        verdict = {"met": True, "**missed**": False}.get(cells[4])
        figures.append({"name": cells[1], "value": cells[2], "target": cells[3], "met": verdict})
    return figures


def side_by_side(vendor: str, results: list[dict]) -> str:
    """PostgreSQL and SQLite figure by figure, from this run and the other vendor's last
    (its section of RESULTS.md)."""
    previous = RESULTS.read_text() if RESULTS.exists() else ""
    figures = {v: section_figures(previous, v) for v in ("postgresql", "sqlite")}
    figures[vendor] = [f for r in results for f in r["figures"]]
    postgres = {f["name"]: f for f in figures["postgresql"]}
    sqlite = {f["name"]: f for f in figures["sqlite"]}
    names = list(postgres) + [name for name in sqlite if name not in postgres]
    lines = [
        "<!-- results:side_by_side -->",
        "## PostgreSQL and SQLite side by side",
        "",
        "Each vendor's figures from its last `make bench` run (sections below); PostgreSQL "
        "is what production runs.",
        "",
        "| figure | PostgreSQL | SQLite | target |",
        "|---|---|---|---|",
    ]
    for name in names:
        pg, lite = postgres.get(name, {}), sqlite.get(name, {})
        mark = {True: " (met)", False: " (**missed**)", None: ""}
        lines.append(
            f"| {name} | {pg.get('value', '—')}{mark[pg.get('met')]} | "
            f"{lite.get('value', '—')}{mark[lite.get('met')]} | "
            f"{pg.get('target') or lite.get('target', '')} |"
        )
    lines.append("<!-- end:side_by_side -->")
    return "\n".join(lines)


def write_results(vendor: str, text: str, both: str | None = None) -> None:
    previous = RESULTS.read_text() if RESULTS.exists() else ""
    sections = {
        match.group(1): match.group(0)
        for match in re.finditer(r"<!-- results:(\w+) -->.*?<!-- end:\1 -->", previous, re.S)
    }
    sections[vendor] = text
    if both is not None:
        sections["side_by_side"] = both
    rank = {"side_by_side": 0, "postgresql": 1, "sqlite": 2, "postgresql_scale": 3}
    order = sorted(sections, key=lambda v: (rank.get(v, 9), v))
    RESULTS.write_text(
        "# Benchmark results\n\n"
        "Written by `make bench` (`bench/run_all.py`); each figure comes with the command "
        "that produced it. The emulator and the Celery worker run as subprocesses on the same "
        "machine; the broker is Redis when it answers on 127.0.0.1:6379, else kombu's "
        "filesystem broker.\n\n"
        f"Targets (project issue 7):\n\n{TARGETS}\n\n"
        + "\n\n".join(sections[v] for v in order)
        + "\n"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    parser.add_argument(
        "--only", nargs="*", choices=sorted({name for name, *_ in BENCHMARKS + SCALE})
    )
    parser.add_argument("--scale", action="store_true", help="the 2,000,000-contact benchmarks")
    args = parser.parse_args()
    vendor = "sqlite"
    if args.database_url and args.database_url.startswith(("postgres", "pgsql")):
        vendor = "postgresql"
    if args.scale:
        if vendor != "postgresql":
            parser.error("--scale runs on PostgreSQL: give --database-url postgres://…")
        vendor = "postgresql_scale"
    started = time.monotonic()
    results = [
        run(name, script, extra, args.database_url)
        for name, script, extra in (SCALE if args.scale else BENCHMARKS)
        if not args.only or name in args.only
    ]
    total = time.monotonic() - started
    both = None if args.scale else side_by_side(vendor, results)
    write_results(vendor, section(vendor, results, total), both)
    print(f"\nwrote {os.path.relpath(RESULTS, ROOT)} ({vendor}); {total / 60:.1f} minutes")
    missed = [f for r in results for f in r["figures"] if f["met"] is False]
    failed = [r["name"] for r in results if r["returncode"] != 0]
    for figure in missed:
        print(f"MISSED: {figure['name']}: {figure['value']} (target {figure['target']})")
    for name in failed:
        print(f"FAILED: {name}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
