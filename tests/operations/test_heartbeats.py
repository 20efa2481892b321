"""Worker, beat and listener liveness: real processes write heartbeats; ``manage.py
salesforce_health`` says which kind is silent and exits 1 when one is."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable
from io import StringIO

import pytest
from django.core.management import call_command

from operations.models import ProcessHeartbeat
from tests.workers import ROOT, celery_workers, worker_env

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


def wait_for(condition: Callable[[], object], *, timeout: float = 60, what: str) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := condition():
            return result
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def health(*args: str) -> tuple[int, str]:
    out = StringIO()
    try:
        call_command("salesforce_health", *args, stdout=out)
    except SystemExit as exit_:
        return int(exit_.code), out.getvalue()
    return 0, out.getvalue()


def beating(kind: str) -> Callable[[], bool]:
    return lambda: ProcessHeartbeat.objects.filter(kind=kind).exists()


def test_each_process_reports_and_a_silent_one_fails_the_check(salesforce, settings, tmp_path):
    from hubsync.celery import app

    app.control.purge()  # jobs other tests left on a shared broker are not ours
    env = worker_env(
        salesforce,
        settings,
        HEARTBEAT_SECONDS="0.5",
        SALESFORCE_PUBSUB_URL=f"grpc://{salesforce.pubsub_address}",
    )
    started: list[subprocess.Popen] = []

    def start(*command: str) -> subprocess.Popen:
        process = subprocess.Popen(
            [sys.executable, *command],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        started.append(process)
        return process

    try:
        with celery_workers(env) as start_worker:
            worker = start_worker()
            start("-m", "celery", "-A", "hubsync", "beat", "--schedule", str(tmp_path / "beat"))
            listener = start("manage.py", "salesforce_listen")
            for kind in ("worker", "beat", "listener"):
                wait_for(beating(kind), what=f"the {kind}'s heartbeat")
            code, out = health("--max-silence", "30")
            assert code == 0, out
            assert [line.split(":")[0] for line in out.splitlines()] == [
                "worker",
                "beat",
                "listener",
            ]
            assert all(": alive (last heartbeat" in line for line in out.splitlines()), out

            # A listener killed outright stops beating: silent once past --max-silence.
            listener.send_signal(signal.SIGKILL)
            listener.wait(timeout=10)
            silent = wait_for(
                lambda: (r := health("--max-silence", "2"))[0] == 1 and r,
                timeout=30,
                what="the listener to fall silent",
            )
            lines = silent[1].splitlines()
            assert lines[0].startswith("worker: alive") and lines[1].startswith("beat: alive")
            assert lines[2].startswith("listener: silent (last heartbeat ")

            # A worker stopped on purpose removes its heartbeat: no worker left is silent.
            worker.send_signal(signal.SIGTERM)
            assert worker.wait(timeout=30) == 0
            code, out = health("--process", "worker")
            assert code == 1
            assert out == "worker: silent (no heartbeat from any such process)\n"
    finally:
        for process in started:
            if process.poll() is None:
                process.terminate()
                process.wait(timeout=20)


def test_the_listener_is_needed_only_while_change_events_are_on(integration_settings):
    integration_settings.sync_enabled = True
    integration_settings.change_events = False
    integration_settings.save()
    code, out = health()
    assert code == 1
    assert [line.split(":")[0] for line in out.splitlines()] == ["worker", "beat"]
