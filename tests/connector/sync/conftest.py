"""The model test's world (issue 29, tests/connector/sync/model/), for the tests that drive it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from tests.connector.sync.model.world import World


@pytest.fixture
def model_world(emulator, settings, eager_celery) -> Iterator[World]:
    """The emulator and this test's database as the state machine's world (SyncModel.world);
    its spare worker process (the killed-worker step's) ends with the test."""
    # Imported here, not at the top: a conftest is imported before the emulator's pytest
    # plugin has chosen hubsync's org, and the model imports the emulator's objects.
    from tests.connector.sync.model.machine import SyncModel
    from tests.connector.sync.model.world import world_for

    world = world_for(emulator, settings)
    SyncModel.world = world
    yield world
    world.close()
