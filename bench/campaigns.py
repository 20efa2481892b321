"""API economy of campaign membership (issue 30): a smart list of 10,000 contacts linked to a
Salesforce campaign, and an idle cycle with and without campaigns.

    .venv/bin/python bench/campaigns.py [--members 10000] [--database-url URL]

10,000 Leads are loaded into the org (no API usage); one cycle links them to 10,000 new
hubsync contacts. A campaign is created in Salesforce and read by a cycle; a smart list
holding every contact is linked to it. Counted with the emulator's request statistics:

* the cycle that adds the members: every request (login, the pull's look for changes, the
  Bulk API 2.0 job or the Collections calls) and the members Salesforce then has;
* an idle cycle with the link (nothing changed anywhere) against an idle cycle of the same
  org without the campaign phases (today's idle cycle: people, deletes, accounts,
  opportunities only), once the last write is a minute old: until then each watermarked
  query reads its newest second again (``watermark.CLOSED_AFTER``), and the 10,000 Leads and
  10,000 members written in one second each cost their query pages in every cycle. Those
  cycles are printed too (without a target): on a fast machine the whole benchmark runs
  inside that minute.

Targets: adding the members costs at most ceil(N / 200) + 10 calls (or one Bulk job's calls);
an idle cycle with campaigns linked costs at most today's idle cycle + 1.
"""

from __future__ import annotations

import argparse
import sys
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import (  # noqa: E402
    Figure,
    add_database_argument,
    ceil_div,
    configure,
    django_setup,
    emulator_running,
    fresh_database,
    header,
    leads_load,
    report,
)


def _idle_calls(control) -> int:
    from connector.sync.cycle import sync_cycle_run

    control.reset_stats()
    run = sync_cycle_run(trigger="bench-idle")
    assert run.status == "succeeded", run.reason
    return int(control.stats()["total_requests"])


def _wait_for_closed_seconds() -> None:
    """Until every write of the benchmark is CLOSED_AFTER old (the steady state)."""
    import time

    from django.utils import timezone

    from connector.models import SyncCursor
    from connector.sync.pull.watermark import CLOSED_AFTER

    newest = max(
        c.value for c in SyncCursor.objects.filter(name__startswith="inbound:", value__isnull=False)
    )
    while timezone.now() < newest + CLOSED_AFTER + timedelta(seconds=1):
        time.sleep(0.5)


def _without_campaigns() -> object:
    """Today's cycle: the campaign phase and the link push switched off."""
    from connector.sync import cycle, pull

    class NoCampaigns:
        queries: list = []

        def __init__(self, context: object) -> None:
            pass

        def apply(self, results: object, *, queried_at: object) -> None:
            pass

    saved = (pull.CampaignsPhase, cycle.campaign_links_push)
    pull.CampaignsPhase = NoCampaigns  # type: ignore[assignment,misc]
    cycle.campaign_links_push = lambda **kwargs: cycle.LinkCounts()  # type: ignore[assignment]
    return saved


def _restore(saved: object) -> None:
    from connector.sync import cycle, pull

    pull.CampaignsPhase, cycle.campaign_links_push = saved  # type: ignore[misc]


def measure(members: int) -> dict[str, int]:
    from connector.services.campaign_links import campaign_link_save
    from connector.sync.cycle import sync_cycle_run
    from connector.sync.pull.campaigns import campaigns_discover_now
    from marketing.models import Contact, SmartList

    fresh_database()
    with emulator_running() as emulator:
        control = emulator.control
        configure(emulator)
        leads_load(control, members)
        run = sync_cycle_run(trigger="bench-first")
        assert run.status == "succeeded", run.reason
        assert Contact.objects.exclude(salesforce_id="").count() == members
        sync_cycle_run(trigger="bench-settle")
        campaign = control.create_campaign("Bench Webinar", type="Webinar")
        campaigns_discover_now()  # the Campaigns page's "Read campaigns from Salesforce now"
        sync_cycle_run(trigger="bench-read-campaign")
        everyone = SmartList.objects.create(
            name="Everyone",
            criteria={
                "match": "all",
                "conditions": [{"property": "email", "operator": "is_known"}],
            },
        )
        campaign_link_save(
            smart_list=everyone,
            campaign_id=campaign,
            member_status="Sent",
            remove_when_leaving=True,
            acting_user=None,
        )
        control.reset_stats()
        run = sync_cycle_run(trigger="bench-members")
        assert run.status == "succeeded", run.reason
        stats = control.stats()
        add_calls = int(stats["total_requests"])
        write_calls = sum(
            n
            for path, n in stats["requests"].items()
            if "jobs/ingest" in path or "composite/sobjects" in path
        )
        in_salesforce = len([r for r in control.records("CampaignMember", include_deleted=False)])
        sync_cycle_run(trigger="bench-settle")  # reads the new members back (its own writes)
        open_linked, open_today = _idle_pair(control)
        _wait_for_closed_seconds()
        linked_idle, today_idle = _idle_pair(control)
    return {
        "add_calls": add_calls,
        "write_calls": write_calls,
        "members": in_salesforce,
        "today_idle": today_idle,
        "linked_idle": linked_idle,
        "open_today": open_today,
        "open_linked": open_linked,
    }


def _idle_pair(control) -> tuple[int, int]:
    """The second idle cycle with the link, then the second without campaigns."""
    _idle_calls(control)
    linked = _idle_calls(control)
    saved = _without_campaigns()
    try:
        _idle_calls(control)
        today = _idle_calls(control)
    finally:
        _restore(saved)
    return linked, today


def main(argv: list[str] | None = None) -> list[Figure]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=10_000)
    add_database_argument(parser)
    args = parser.parse_args(argv)
    description = django_setup("campaigns", args.database_url)
    header(f"{description}; emulator in a subprocess; the cycles run in this process")
    found = measure(args.members)
    n = args.members
    limit = ceil_div(n, 200) + 10
    return [
        report(
            Figure(
                f"API calls of the cycle adding {n:,} list members to a campaign",
                f"{found['add_calls']} calls in the whole cycle ({found['write_calls']} of them "
                f"the members' writes: one Bulk API 2.0 job); {found['members']:,} members in "
                "Salesforce",
                f"<= ceil({n:,} / 200) + 10 = {limit}",
                found["add_calls"] <= limit and found["members"] == n,
            )
        ),
        report(
            Figure(
                "API calls of an idle cycle with a campaign linked",
                f"{found['linked_idle']} (today's idle cycle, without campaigns: "
                f"{found['today_idle']})",
                f"<= today's idle + 1 = {found['today_idle'] + 1}",
                found["linked_idle"] <= found["today_idle"] + 1,
            )
        ),
        report(
            Figure(
                "API calls of an idle cycle with a campaign linked, within a minute of the writes",
                f"{found['open_linked']} (without campaigns: {found['open_today']}); each "
                "query reads its newest second again until it is a minute old",
                "",
                None,
            )
        ),
    ]


if __name__ == "__main__":
    main()
