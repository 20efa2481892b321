"""``make soak``: the model test of issue 29 for a given time, with fresh seeds.

Not collected by ``make test`` (the file name does not start with ``test_``); ``make soak``
names it. Runs the state machine in rounds of a few histories each, with a new random seed
per round, until ``SOAK_MINUTES`` have passed; each failing round is shrunk by hypothesis
to a minimal history, printed as a script of steps (copy it into
tests/connector/sync/test_model_regressions.py as a named test), and counted. Writes the
summary line ``soak: <H> histories, <S> steps, <F> failures`` to ``SOAK_SUMMARY``; the
test fails when F is not 0.
"""

from __future__ import annotations

import os
import time
import traceback
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis.internal.conjecture import engine
from hypothesis.stateful import run_state_machine_as_test

from tests.connector.sync.model.machine import SyncModel

pytestmark = pytest.mark.django_db(transaction=True)

# Hypothesis stops shrinking after five minutes; one history here takes seconds (tens of
# them on a loaded machine), so a failure would be printed long before it is minimal.
# (An internal of hypothesis: without it, the default applies.)
engine.MAX_SHRINKING_SECONDS = int(float(os.environ.get("SOAK_SHRINK_MINUTES", "20")) * 60)

ROUND = settings(
    max_examples=5,
    stateful_step_count=40,
    deadline=None,
    # No "explain" phase: it replays the failing history many times over (minutes here).
    phases=[Phase.explicit, Phase.generate, Phase.shrink],
    database=None,
    suppress_health_check=list(HealthCheck),
    print_blob=True,
)


def test_soak(model_world, monkeypatch):
    if os.environ.get("SOAK_BACKFILL"):
        # Every push of more than one contact a backfill (as in test_sync_model.py).
        from tests.connector.sync.model import machinery

        monkeypatch.setattr("connector.sync.push.CLAIM_BATCH", 1)
        monkeypatch.setattr("connector.sync.push_writes.BULK_THRESHOLD", 1)
        monkeypatch.setattr(machinery, "CALLS_PER_WRITE", 8)
        monkeypatch.setattr(machinery, "CALLS_PER_CYCLE", 60)
    minutes = float(os.environ.get("SOAK_MINUTES", "30"))
    summary = Path(os.environ.get("SOAK_SUMMARY", "var/soak/summary.txt"))
    summary.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + minutes * 60
    SyncModel.histories = SyncModel.steps = 0
    failures = 0
    while time.monotonic() < deadline:
        try:
            run_state_machine_as_test(SyncModel, settings=ROUND)
        except Exception:  # noqa: BLE001 — every failure is counted and printed, then on
            failures += 1
            print(f"\n--- soak failure {failures} (minimal history above) ---")
            traceback.print_exc()
        line = (
            f"soak: {SyncModel.histories} histories, {SyncModel.steps} steps, {failures} failures"
        )
        summary.write_text(line + "\n", encoding="utf-8")
    assert failures == 0, line
