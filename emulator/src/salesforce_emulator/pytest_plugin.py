"""pytest fixtures for anything that talks to the emulator, registered by the
``salesforce-emulator`` distribution's ``pytest11`` entry point (nothing to import).

``emulator_server`` (session scope) starts one in-process emulator on a free port;
``emulator`` (function scope) resets it and creates the user :data:`USERNAME`;
``emulator_control`` is its :class:`~.testing.EmulatorControl`; ``sf`` is a
``simple_salesforce.Salesforce`` logged in as that user over real HTTP through
:func:`salesforce_emulator.client.emulator_session`. None of them needs a database.

The org's configuration (:mod:`.config`): the ini option ``salesforce_emulator_config``
(a TOML file, relative to the ini file) or ``--salesforce-emulator-config``, else
``$SALESFORCE_EMULATOR_CONFIG``. A project whose own fixtures are named like these keeps
its own (conftest.py fixtures win over a plugin's).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from .testing import EmulatorControl, RunningEmulator

USERNAME = "integration@example.com"
PASSWORD = "s3cret-Passw0rd"
SECURITY_TOKEN = "TOKEN123"
INI_OPTION = "salesforce_emulator_config"


def pytest_addoption(parser: pytest.Parser) -> None:
    help_text = "the emulated org's configuration (TOML), see salesforce_emulator.config"
    parser.addini(INI_OPTION, help_text, default="")
    parser.addoption("--salesforce-emulator-config", default=None, help=help_text)


def pytest_configure(config: pytest.Config) -> None:
    """Choose the configuration before any test module imports the emulator's schema."""
    path: str | Path | None = config.getoption("--salesforce-emulator-config")
    if not path and config.getini(INI_OPTION):
        base = config.inipath.parent if config.inipath else config.rootpath
        path = base / str(config.getini(INI_OPTION))
    if path:
        # Imported here: the plugin is loaded in every pytest run of a project that
        # installs the emulator, and must not cost more than the configuration.
        from .config import use_config

        use_config(path)


@pytest.fixture(scope="session")
def emulator_server() -> Iterator[RunningEmulator]:
    """One emulator for the whole test session (in-process, waitress thread)."""
    from .testing import running_emulator

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
