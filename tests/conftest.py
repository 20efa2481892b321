"""Fixtures shared by the whole suite: the four kinds of user and the settings row."""

from __future__ import annotations

import os

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from connector.selectors import integration_settings_get
from connector.services.bootstrap import MARKETING_ADMINS_GROUP, marketing_admins_group_ensure
from tests.workers import celery_workers, worker_env

PASSWORD = "correct-horse-battery-staple"


def pytest_configure(config: pytest.Config) -> None:
    """Each test process (each pytest-xdist worker, each of two runs on one machine) sends
    its jobs to a broker queue of its own, which its worker processes read: the broker (the
    filesystem one under var/, or one Redis) may be shared, the jobs are not. No dot in the
    name: kombu's filesystem transport finds a queue's files by what follows the first dot."""
    from django.conf import settings

    from hubsync.celery import app

    queue = f"hubsync-tests-{os.getpid()}"
    os.environ["CELERY_TASK_DEFAULT_QUEUE"] = queue  # read by the worker subprocesses
    settings.CELERY_TASK_DEFAULT_QUEUE = queue
    app.conf.task_default_queue = queue
    # Users' passwords are hashed with one fast round here: the real hasher (PBKDF2, tuned to
    # be slow) cost every test that creates a user a good part of a second.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def pytest_unconfigure(config: pytest.Config) -> None:
    """What this process's tests left on its queue goes with it (not to pile up under var/)."""
    from hubsync.celery import app

    with app.connection_for_write() as connection:
        connection.default_channel.queue_purge(app.conf.task_default_queue)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test under tests/browser drives Chromium, marked or not: `make test-quick`
    leaves them out by the marker."""
    for item in items:
        if item.nodeid.startswith("tests/browser/"):
            item.add_marker(pytest.mark.browser)


def _user(username: str, **extra):
    return get_user_model().objects.create_user(
        username=username, email=f"{username}@hubsync.test", password=PASSWORD, **extra
    )


@pytest.fixture(autouse=True)
def _one_push_lane(settings):
    """Push lanes are threads with their own database connections, which cannot see the
    rows of a test that runs inside a transaction: one lane here, and
    tests/connector/sync/test_push_lanes.py (transactional) runs several."""
    settings.SALESFORCE_PUSH_PARALLELISM = 1


@pytest.fixture
def viewer(db):
    """Logged-in user without any permission: sees the page read-only."""
    return _user("viewer")


@pytest.fixture
def marketing_admin(db):
    """Member of the "Marketing admins" group: may change the integration."""
    marketing_admins_group_ensure()
    user = _user("marketer")
    user.groups.add(Group.objects.get(name=MARKETING_ADMINS_GROUP))
    return user


@pytest.fixture
def staff(db):
    """Staff superuser: works in the Django admin."""
    return get_user_model().objects.create_superuser(
        username="staff", email="staff@hubsync.test", password=PASSWORD
    )


@pytest.fixture
def integration_settings(db):
    return integration_settings_get()


@pytest.fixture
def admin_browser(client, marketing_admin):
    """A test client logged in as a marketing admin."""
    client.force_login(marketing_admin)
    return client


# -- Salesforce, through the emulator over real HTTP ------------------------------------

SF_USERNAME = "integration@acme.example"
SF_PASSWORD = "sf-Password-1"
SF_TOKEN = "SFTOKEN42"


@pytest.fixture(scope="session")
def emulator():
    """One emulator for the session (a real HTTP server on a free port)."""
    from salesforce_emulator.testing import running_emulator

    with running_emulator(in_process=True) as running:
        yield running


@pytest.fixture
def salesforce(emulator, settings, integration_settings):
    """A clean org with an integration user, and hubsync configured to sync with it.

    Returns the running emulator (``.control`` for the control API).
    """
    emulator.control.reset()
    emulator.control.create_user(SF_USERNAME, SF_PASSWORD, SF_TOKEN)
    settings.SALESFORCE_EMULATOR_URL = emulator.url
    integration_settings.username = SF_USERNAME
    integration_settings.set_password(SF_PASSWORD)
    integration_settings.set_security_token(SF_TOKEN)
    integration_settings.sync_enabled = True
    # The daily package-version check is tested on its own; keep it out of call counts.
    integration_settings.connector_version_checked_at = timezone.now()
    integration_settings.save()
    return emulator


@pytest.fixture
def eager_celery():
    """Tasks run in-process when enqueued (for tests about *what* runs, not the broker)."""
    from hubsync.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield app
    app.conf.task_always_eager = previous


def broker_drain() -> list[str]:
    """Take every job off the broker's default queue; returns their sync triggers.

    Tests read what a page enqueued from the real broker (Redis in CI, kombu's
    filesystem transport otherwise), never from a stand-in.
    """
    from hubsync.celery import app

    triggers = []
    with app.connection_for_read() as connection:
        queue = connection.SimpleQueue(app.conf.task_default_queue)
        try:
            while True:
                try:
                    message = queue.get(block=False)
                except queue.Empty:
                    break
                args, kwargs, _embed = message.payload
                if message.headers.get("task") == "connector.tasks.salesforce_sync":
                    triggers.append(kwargs.get("trigger", "schedule"))
                message.ack()
        finally:
            queue.close()
    return triggers


@pytest.fixture
def celery_worker_process(salesforce, settings):
    """One real worker on the default queue."""
    from hubsync.celery import app

    app.control.purge()  # jobs other tests left on a shared broker are not ours
    with celery_workers(worker_env(salesforce, settings)) as start:
        yield start()
