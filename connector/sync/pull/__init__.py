"""Salesforce → hubsync: read only what changed since each watermark, page by page.

One module per phase, each with the same small interface: constructed with the
cycle's :class:`~.common.PullContext`, it plans its first queries (``queries``),
and ``apply`` takes their pages. All phases' first queries share composite calls;
what they reveal (new Accounts and Opportunities to read) the phase reads itself.

- ``watermark``: SystemModstamp watermarks, saved a page at a time
- ``first_load``: a first load of a large object reads through Bulk API 2.0 query
- ``reconcile``: deletes the recycle bin can no longer tell about
- ``people``: Leads and Contacts (update, link by email, create)
- ``deletes``: deleted Leads and Contacts, through the mass-delete guard
- ``accounts``: Accounts → companies (account sync on)
- ``opportunities``: Opportunities and contact roles, lifecycle transitions
- ``tasks``: Salesforce Tasks → CRM tasks and calls (task sync on)
- ``campaigns``: Campaigns, their member statuses and CampaignMembers (read-only copies)

A value the sync writes itself never comes back as a change: contacts it
writes get ``synced_version`` = their new ``updated_at``, so the push scan
does not take them for edits, and values equal on both sides are not written.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from django.utils import timezone

from ...client import SalesforceClient
from ...mappers import MappingSpec
from ...models import AccountSync, IntegrationSettings
from ..crm import CrmCounts
from .accounts import AccountsPhase
from .campaigns import CampaignsPhase
from .common import Pages, PullContext, PullCounts
from .deletes import DeletesPhase
from .first_load import first_load_query_many
from .opportunities import OpportunitiesPhase
from .people import PeoplePhase
from .tasks import TasksPhase


def pull_run(
    *,
    client: SalesforceClient,
    integration_settings: IntegrationSettings,
    mappings: Sequence[MappingSpec],
    crm_counts: CrmCounts | None = None,
    on_progress: Callable[[PullCounts], None] | None = None,
) -> PullCounts:
    """Read every change in as few calls as possible; returns the counts."""
    context = PullContext(
        client=client,
        settings=integration_settings,
        mappings=mappings,
        on_progress=on_progress,
    )
    people = PeoplePhase(context)
    deletes = DeletesPhase(context)
    accounts = (
        AccountsPhase(context) if integration_settings.account_sync == AccountSync.SYNC else None
    )
    opportunities = OpportunitiesPhase(context) if integration_settings.opportunity_sync else None
    tasks = (
        TasksPhase(context, crm_counts=crm_counts or CrmCounts())
        if integration_settings.task_sync_active
        else None
    )
    campaigns = CampaignsPhase(context)
    phases = [
        p for p in (people, deletes, accounts, opportunities, tasks, campaigns) if p is not None
    ]
    queried_at = timezone.now()
    pages = first_load_query_many(client, [query for phase in phases for query in phase.queries])
    results: dict[object, list[Pages]] = {}
    for phase in phases:
        results[phase], pages = pages[: len(phase.queries)], pages[len(phase.queries) :]
    # Deletes first: a merged-away record's contact follows the survivor before the
    # survivor's own change is read (else it would look like a second record with its email).
    deletes.apply(results[deletes], queried_at=queried_at)
    found = people.apply(results[people], queried_at=queried_at)
    found.accounts_moved(deletes.apply_to_followed())
    if accounts is not None:
        accounts.apply(results[accounts], people=found)
    if opportunities is not None:
        opportunities.apply(results[opportunities], people=found)
    if tasks is not None:
        tasks.apply(results[tasks], queried_at=queried_at)
    campaigns.apply(results[campaigns], queried_at=queried_at)
    return context.counts
