"""The machinery of the model's histories: settings changed, cycles (also under faults, two
at once, in a worker killed mid-cycle), the change event listener; and quiescence, where the
reference model is checked (:mod:`.reference`)."""

from __future__ import annotations

import time
from typing import Any, ClassVar

from hypothesis import strategies as st
from hypothesis.stateful import rule

from connector.models import AccountSync
from marketing.models import Contact

from .reference import Reference, Snapshot
from .world import FIELDS, INCLUDED, SUBSCRIBERS, World

RULES = ["two_way", "prefer_salesforce", "always_salesforce", "dont_sync"]
FAULTS = [
    "503_write",
    "503_mid_batch",
    "503_read",
    "reset_write",
    "timeout_write",
    "timeout_mid_batch",
    "lock_row",
    "api_limit",
    "expired",
]
MAX_SETTLE_CYCLES = 8
# The most calls one cycle may make here: login, the pull's composite queries, the
# deletes check, the push's lookup and writes, tasks; far above what any cycle needs.
CALLS_PER_CYCLE = 25
# The history's bound: each run (a skipped one costs nothing) plus each write by a person.
CALLS_PER_RUN = 6
CALLS_PER_WRITE = 2
WRITE_METHODS = {"POST", "PATCH", "PUT", "DELETE"}


def writes(stats: dict[str, Any]) -> dict[str, int]:
    """The write requests among the emulator's counted requests (queries are POSTed to
    /composite and /jobs/query: not writes)."""
    return {
        key: n
        for key, n in stats["requests"].items()
        if key.split(" ", 1)[0] in WRITE_METHODS and ("/sobjects" in key or "/jobs/ingest" in key)
    }


class Machinery:
    """The rules of the settings and the machinery, and the checks (mixed into SyncModel)."""

    world: ClassVar[World]
    ref: Reference
    cycles: int
    activity: int
    faulted_runs: set[int]
    runs_checked: int

    def _step(self) -> None:  # SyncModel's
        raise NotImplementedError

    # -- settings --------------------------------------------------------------------------

    @rule(prop=st.sampled_from(list(FIELDS)), sync_rule=st.sampled_from(RULES))
    def mapping_rule(self, prop: str, sync_rule: str) -> None:
        self._step()
        if self.world.rules()[prop] != sync_rule:
            self.world.mapping_rule_set(prop, sync_rule)
            self.ref.rule_set(prop)

    @rule(object_type=st.sampled_from(["Lead", "Contact"]), delete=st.booleans())
    def delete_option(self, object_type: str, delete: bool) -> None:
        self._step()
        self.world.settings_update(**{f"delete_when_{object_type.lower()}_deleted": delete})
        self.ref.option_changed[object_type] = self.ref.seq

    @rule(on=st.booleans())
    def account_sync(self, on: bool) -> None:
        self._step()
        self.world.settings_update(account_sync=AccountSync.SYNC if on else AccountSync.DO_NOT_SYNC)

    @rule(which=st.sampled_from([None, INCLUDED, SUBSCRIBERS]))
    def inclusion_list(self, which: str | None) -> None:
        """No inclusion list, or one of two (swapping them moves every contact in or out)."""
        self._step()
        self.world.settings_update(
            inclusion_list=self.world.inclusion_list(which) if which else None
        )
        self.ref.list_disturbed = True

    @rule(on=st.booleans())
    def sync_switch(self, on: bool) -> None:
        self._step()
        self.world.sync_set(on)

    # -- the machinery ---------------------------------------------------------------------

    @rule()
    def cycle(self) -> None:
        self._step()
        self.world.cycle()
        self.cycles += 1

    @rule(fault=st.sampled_from(FAULTS), count=st.integers(min_value=1, max_value=3))
    def faulted_cycle(self, fault: str, count: int) -> None:
        """A cycle while Salesforce misbehaves; the fault is lifted after it."""
        self._step()
        control = self.world.control
        kwargs: dict[str, Any] = {}
        writes_path = r"/composite/sobjects"
        if fault == "503_write":
            control.add_fault(writes_path, status=503, count=count)
        elif fault == "503_mid_batch":
            # The second write call of the cycle fails: the first one went through.
            control.add_fault(writes_path, status=503, count=1, share=0.5)
        elif fault == "503_read":
            control.add_fault(r"/composite/?$|/query", status=503, count=count)
        elif fault == "reset_write":
            control.add_fault(writes_path, reset_connection=True, count=count)
        elif fault == "timeout_write":
            # The write lands after the client gave up: Salesforce has it, hubsync never heard.
            control.add_fault(writes_path, delay_s=0.6, count=1)
            kwargs["timeout"] = (5, 0.3)
        elif fault == "timeout_mid_batch":
            control.add_fault(writes_path, delay_s=0.6, count=1, share=0.5)
            kwargs["timeout"] = (5, 0.3)
        elif fault == "lock_row":
            control.add_fault(
                writes_path, record_error_code="UNABLE_TO_LOCK_ROW", record_count=count, count=1
            )
        elif fault == "api_limit":
            org = control.org()
            control.configure_org(api_used=org["api_limit"] - count * 2)
        elif fault == "expired":
            control.expire_sessions()
        before = control.stats()["faults"].get("delay", 0)
        first = self._last_run()
        self.world.cycle(**kwargs)
        self.faulted_runs |= {run.pk for run in self.world.last_runs(first)}
        self.cycles += 1
        stall = fault in ("timeout_write", "timeout_mid_batch")
        if stall and control.faults():
            control.clear_faults()  # no write to stall: the stall never came
        elif stall:
            deadline = time.monotonic() + 10
            while control.stats()["faults"].get("delay", 0) <= before:
                assert time.monotonic() < deadline, "the stalled write never finished"
                time.sleep(0.02)
        control.clear_faults()
        if fault == "api_limit":
            control.configure_org(api_used=0)

    @rule(times=st.integers(min_value=1, max_value=2))
    def change_event(self, times: int) -> None:
        """A change event arrives (``times`` 2: delivered twice): the cycle the listener
        runs for it, with the listener's trigger."""
        self._step()
        for _ in range(times):
            self.world.cycle(trigger="change_event")
            self.cycles += 1

    @rule()
    def two_cycles_at_once(self) -> None:
        self._step()
        runs = self.world.cycles_at_once()
        self.cycles += len(runs)
        assert len(runs) == 2, "a concurrent cycle did not finish"

    @rule(
        kind=st.sampled_from(["write", "read"]),
        n=st.integers(min_value=1, max_value=3),
        meanwhile=st.booleans(),
    )
    def worker_killed(self, kind: str, n: int, meanwhile: bool) -> None:
        """A worker is killed right after Salesforce's ``n``-th answer of ``kind`` in its
        cycle, before hubsync committed what it learnt; ``meanwhile``: a cycle starts while
        the dead worker still holds the lock (it is skipped). Then the claim TTL passes."""
        self._step()
        first = self._last_run()
        killed = self.world.cycle_killed(kind, n)
        self.faulted_runs |= {run.pk for run in self.world.last_runs(first)}
        self.cycles += 1
        if not killed:
            return
        if meanwhile:
            cycle = self.world.cycle()
            self.cycles += 1
            assert cycle.status == "skipped", f"a cycle ran beside a dead worker's lock: {cycle}"
        self.world.dead_worker_forgotten()

    @rule(rewind=st.sampled_from([0, 0, 1, 3, "forgotten", "expired"]))
    def listener(self, rewind: int | str) -> None:
        """The change event listener starts (again) and delivers every change event since
        its stored replay id, then stops. ``rewind``: that many events already delivered
        come again (a listener killed before it stored their replay id: late, twice, after
        newer ones); ``forgotten``: no replay id (a first subscription, which catches up by
        a cycle); ``expired``: the stored one is past the 72-hour window (refused: catch up)."""
        self._step()
        if not Snapshot.take(self.world).settings.sync_enabled:
            return  # the listener waits for the sync to be on: nothing is delivered
        if rewind == "expired":
            self.world.stream_rewind(1)  # an event not yet delivered, now past the window
            self.world.control.expire_change_events()
        elif rewind == "forgotten":
            self.world.stream_rewind(None)
        elif rewind:
            self.world.stream_rewind(int(rewind))
        self.cycles += len(self.world.listener_run())

    @rule()
    def checkpoint(self) -> None:
        self._step()
        self.settle()

    # -- quiescence and the check ----------------------------------------------------------

    def _last_run(self) -> int:
        runs = self.world.last_runs(self.runs_checked)
        return runs[-1].pk if runs else self.runs_checked

    def _unexpected_failures(self) -> list[str]:
        """Runs that failed while no fault was injected: a bug, whatever healed it later."""
        out = [
            f"run {run.pk} ({run.trigger}) {run.status} with no fault injected: {run.reason}"
            for run in self.world.last_runs(self.runs_checked)
            if run.status in ("failed", "paused") and run.pk not in self.faulted_runs
        ]
        self.runs_checked = self._last_run()
        return out

    def _errors_not_shown(self, snap: Snapshot) -> list[str]:
        """Every failure left is on the errors page, with Salesforce's code."""
        errors = [e for es in snap.errors.values() for e in es]
        if not errors:
            return []
        page = self.world.errors_page()
        return [
            f"an open error is not on the errors page: {e}" for e in errors if e["code"] not in page
        ]

    def _signature(self) -> tuple:
        contacts = tuple(Contact.objects.order_by("pk").values_list("pk", "updated_at"))
        records = tuple(
            (row["Id"], row["SystemModstamp"], row["IsDeleted"])
            for object_type in ("Lead", "Contact", "Account")
            for row in self.world.sf_records(object_type)
        )
        return contacts, records

    def settle(self, *, strict: bool = False) -> None:
        """Faults off, cycles until one makes no write and changes nothing; then the model."""
        world = self.world
        snap = Snapshot.take(world)
        if not snap.settings.sync_enabled:
            world.control.reset_stats()
            cycle = world.cycle()
            assert cycle.status == "skipped" and cycle.api_calls == 0, cycle
            return
        for _ in range(MAX_SETTLE_CYCLES):
            world.control.reset_stats()
            before = self._signature()
            cycle = world.cycle(trigger="model_settle")
            self.cycles += 1
            assert cycle.api_calls <= CALLS_PER_CYCLE, cycle
            wrote = writes(world.control.stats())
            if cycle.status == "succeeded" and not wrote and self._signature() == before:
                break
        else:
            raise AssertionError(
                f"no quiescence after {MAX_SETTLE_CYCLES} cycles: the last wrote {wrote}, "
                f"{cycle.status} {cycle.counts}"
            )
        snap = Snapshot.take(world)
        violations = self._unexpected_failures() + self.ref.check(snap, strict=strict)
        violations += self._errors_not_shown(snap)
        assert not violations, "\n".join(["the model disagrees:", *violations])
        self.ref.settle(snap)

    def teardown(self) -> None:
        """The end of every history: every rule lifted, Retry all, then the strict check."""
        try:
            world = self.world
            world.control.clear_faults()
            world.control.configure_org(api_used=0)
            if world.control.validation_rules():
                world.control.delete_validation_rules()
            if world.control.duplicate_rules():
                world.control.delete_duplicate_rules()
            if not Snapshot.take(world).settings.sync_enabled:
                world.sync_set(True)
            world.retry_all()
            self.settle(strict=True)
            runs = world.last_runs(0)
            bound = len(runs) * CALLS_PER_RUN + self.activity * CALLS_PER_WRITE
            used = sum(run.api_calls for run in runs)
            assert used <= bound, f"{used} API calls in {len(runs)} cycles (bound {bound})"
        finally:
            super().teardown()
