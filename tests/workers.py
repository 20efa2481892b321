"""Real Celery worker processes for tests, written once: over the configured broker (Redis in
CI, kombu's filesystem transport otherwise), on this test's database and emulator."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parents[1]


def database_url() -> str:
    """The URL of the test database, for the worker process."""
    params = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{params['NAME']}"
    user = params.get("USER") or "postgres"
    password = f":{params['PASSWORD']}" if params.get("PASSWORD") else ""
    host = params.get("HOST") or "127.0.0.1"
    port = params.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{params['NAME']}"


def worker_env(salesforce, settings, **extra: str) -> dict[str, str]:
    """The environment of a worker process: this test's database, emulator, keys and broker."""
    return {
        **os.environ,
        "DATABASE_URL": database_url(),
        "SALESFORCE_EMULATOR_URL": salesforce.url,
        "DEBUG": "true",
        "SECRET_KEY": settings.SECRET_KEY,
        "HUBSYNC_ENCRYPTION_KEY": ",".join(settings.HUBSYNC_ENCRYPTION_KEYS),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        **extra,
    }


@contextmanager
def celery_workers(env: dict[str, str]) -> Iterator[Callable[..., subprocess.Popen]]:
    """``start(name, queue=None, beat_schedule=None)`` starts a worker (solo pool; with
    ``beat_schedule``, celery beat inside it); all stop when the block ends,
    and print the end of their output (shown when a test fails)."""
    started: list[subprocess.Popen] = []

    def start(
        name: str = "worker", *, queue: str | None = None, beat_schedule: Path | None = None
    ) -> subprocess.Popen:
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "hubsync",
            "worker",
            "--pool=solo",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            f"--hostname={name}@%h",
            "--loglevel=INFO",
        ]
        if queue:
            command.append(f"--queues={queue}")
        if beat_schedule is not None:
            # celery beat inside this worker (its schedule state in ``beat_schedule``).
            command += ["--beat", f"--schedule={beat_schedule}"]
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        started.append(process)
        return process

    try:
        yield start
    finally:
        for process in started:
            if process.poll() is None:
                process.terminate()
            try:
                output, _ = process.communicate(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                output, _ = process.communicate()
            print(output[-3000:])
