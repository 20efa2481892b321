"""The benchmarks' processes: the Celery worker that runs a sync (a subprocess on the
benchmark queue) and what /proc says of a process's CPU time and memory."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.harness import BENCH_DIR, QUEUE, ROOT

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int, *, children: bool = False) -> float:
    """user + system CPU time of a process so far (from /proc/<pid>/stat); ``children``:
    with that of its children that have ended."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])  # utime, stime
    if children:
        ticks += int(fields[13]) + int(fields[14])  # cutime, cstime
    return ticks / CLOCK_TICKS


def postgres_cpu_seconds() -> float:
    """user + system CPU time so far of every PostgreSQL process on this machine (server,
    backends, writers, and the backends that have ended, counted in the server's children):
    the database's share of a run on PostgreSQL (on SQLite the database works inside the
    worker's own process)."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if (entry / "comm").read_text().strip() == "postgres":
                total += cpu_seconds(int(entry.name), children=True)
        except OSError:  # gone meanwhile
            continue
    return total


def memory_kb(pid: int, key: str) -> int:
    """A /proc/<pid>/status memory figure in kB (VmRSS, VmHWM)."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(f"{key}:"):
                return int(line.split()[1])
    return 0


class Worker:
    """``celery -A hubsync worker --pool=solo`` on the benchmark queue, in a subprocess.

    The solo pool runs tasks in the worker process itself, so its VmHWM (peak resident
    set) is the peak of the process that ran the sync.
    """

    def __init__(self, emulator_url: str) -> None:
        from django.conf import settings
        from django.db import connection

        params = connection.settings_dict
        if connection.vendor == "sqlite":
            database_url = f"sqlite:///{params['NAME']}"
        else:
            database_url = os.environ["DATABASE_URL"]
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "SALESFORCE_EMULATOR_URL": emulator_url,
            # Production's settings: with DEBUG on, Django keeps the text of the last 9,000
            # queries (each 10,000-id IN list ~250 KB), which took a 2,000,000-Lead pull
            # to 500 MB and spent worker CPU on formatting them. The same keys as this
            # process, so the worker reads the credentials it stored.
            "DEBUG": "false",
            "SECRET_KEY": settings.SECRET_KEY,
            "HUBSYNC_ENCRYPTION_KEY": ",".join(settings.HUBSYNC_ENCRYPTION_KEYS),
            "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
            "LOG_LEVEL": "WARNING",
        }
        self.log_path = BENCH_DIR / "worker.log"
        self.log = open(self.log_path, "w")  # noqa: SIM115 (closed in stop())
        self.process = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("celery")),
                "-A",
                "hubsync",
                "worker",
                "--pool=solo",
                f"--queues={QUEUE}",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--loglevel=WARNING",
                f"--hostname=bench-{os.getpid()}@%h",
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self.pid = self.process.pid

    def sync(self, *, trigger: str, timeout: float = 900) -> tuple[Any, float]:
        """Enqueue ``connector.tasks.salesforce_sync`` and wait for its SyncRun to finish.

        Returns the run and the seconds from enqueue to finish.
        """
        from connector.models import SyncRun
        from connector.tasks import salesforce_sync

        started = time.perf_counter()
        salesforce_sync.apply_async(kwargs={"trigger": trigger}, queue=QUEUE)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            run = SyncRun.objects.filter(trigger=trigger).exclude(status="running").first()
            if run is not None:
                return run, time.perf_counter() - started
            if self.process.poll() is not None:
                raise RuntimeError(f"the worker died; see {self.log_path}")
            time.sleep(0.05)
        raise RuntimeError(f"no SyncRun {trigger!r} finished in {timeout} s; see {self.log_path}")

    def warm_up(self) -> None:
        """Wait until the worker runs jobs (a cycle with the sync off does nothing)."""
        from connector.models import IntegrationSettings

        enabled = list(IntegrationSettings.objects.values_list("pk", "sync_enabled"))
        IntegrationSettings.objects.update(sync_enabled=False)
        try:
            self.sync(trigger="bench-warm-up", timeout=120)
        finally:
            for pk, value in enabled:
                IntegrationSettings.objects.filter(pk=pk).update(sync_enabled=value)

    def peak_rss_mb(self) -> float:
        return memory_kb(self.pid, "VmHWM") / 1024

    def cpu_seconds(self) -> float:
        return cpu_seconds(self.pid)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


@contextmanager
def worker_running(emulator_url: str) -> Iterator[Worker]:
    from hubsync.celery import app

    # Tasks a stopped benchmark left queued would run first, as SyncRuns with the same
    # triggers as this one's (a step then seemed done at once).
    with app.connection_for_write() as connection:
        connection.default_channel.queue_purge(QUEUE)
    worker = Worker(emulator_url)
    try:
        worker.warm_up()
        yield worker
    finally:
        worker.stop()
