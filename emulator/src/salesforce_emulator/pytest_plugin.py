"""pytest fixtures for anything that talks to the emulator.

Import them into a ``conftest.py``::

    from salesforce_emulator.pytest_plugin import (  # noqa: F401
        emulator, emulator_control, emulator_server, sf,
    )

``emulator_server`` (session scope) starts one in-process emulator on a free port;
``emulator`` (function scope) resets it and creates the user :data:`USERNAME`;
``sf`` is a ``simple_salesforce.Salesforce`` logged in as that user over real HTTP through
``connector.transport.emulator_session``. None of them needs a database.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from .testing import EmulatorControl, RunningEmulator, running_emulator

USERNAME = "integration@hubsync.test"
PASSWORD = "s3cret-Passw0rd"
SECURITY_TOKEN = "TOKEN123"


@pytest.fixture(scope="session")
def emulator_server() -> Iterator[RunningEmulator]:
    """One emulator for the whole test session (in-process, waitress thread)."""
    with running_emulator(in_process=True) as emu:
        yield emu


@pytest.fixture
def emulator(emulator_server: RunningEmulator) -> RunningEmulator:
    """The session emulator, reset to an empty org with one production user."""
    emulator_server.control.reset()
    emulator_server.control.create_user(USERNAME, PASSWORD, SECURITY_TOKEN)
    return emulator_server


@pytest.fixture
def emulator_control(emulator: RunningEmulator) -> EmulatorControl:
    return emulator.control


@pytest.fixture
def sf(emulator: RunningEmulator) -> Any:
    """A logged-in ``simple_salesforce.Salesforce`` (domain ``login``)."""
    return emulator.salesforce(USERNAME, PASSWORD, SECURITY_TOKEN, domain="login")
