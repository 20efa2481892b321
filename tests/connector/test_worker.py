"""A real Celery worker process, over the configured broker (Redis in CI), runs a saved job."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection
from django.urls import reverse

from connector.models import SyncRun
from tests.factories import ContactFactory

ROOT = Path(__file__).resolve().parents[2]


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


@pytest.fixture
def celery_worker_process(salesforce, settings):
    from hubsync.celery import app

    app.control.purge()  # jobs other tests left on a shared broker are not ours
    env = worker_env(salesforce, settings)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "hubsync",
            "worker",
            "--pool=solo",
            "--without-gossip",
            "--without-mingle",
            "--loglevel=INFO",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    yield process
    process.terminate()
    try:
        output, _ = process.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
    print(output[-5000:])


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_page_save_is_run_by_a_real_worker(
    salesforce, celery_worker_process, client, marketing_admin, integration_settings
):
    from tests.settings_ui.test_salesforce_settings import form_data

    ContactFactory.create_batch(5)
    client.force_login(marketing_admin)
    response = client.post(
        reverse("settings_ui:salesforce_settings"),
        form_data(integration_settings, new_record_type="Contact"),
    )
    assert response.status_code == 302
    deadline = time.monotonic() + 60
    run = None
    while time.monotonic() < deadline:
        run = SyncRun.objects.filter(trigger="settings_saved").exclude(status="running").first()
        if run:
            break
        assert celery_worker_process.poll() is None, "the worker died"
        time.sleep(0.25)
    assert run is not None, "no worker picked up the job"
    assert run.status == "succeeded", run.reason
    assert run.counts["push_created"] == 5, (run.counts, list(SyncRun.objects.values()))
    assert len(salesforce.control.records("Contact")) == 5
