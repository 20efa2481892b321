"""Emulator fixtures: one server per session, a fresh org and a logged-in client per test."""

from __future__ import annotations

from salesforce_emulator.pytest_plugin import (  # noqa: F401
    emulator,
    emulator_control,
    emulator_server,
    sf,
)
