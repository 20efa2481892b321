"""Lifecycle stage rules: what a contact's opportunities make of its stage.

An open opportunity makes a contact an *opportunity*, a Closed Won one a
*customer*; a stage never moves backwards. The Salesforce connector calls this
after it stored the contacts' opportunities (the page's lifecycle checkbox).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from marketing.choices import LifecycleStage
from marketing.models import Contact, OpportunityContactRole


def lifecycle_stage_for(*, current: str, has_won: bool, has_open: bool) -> str | None:
    """The stage a contact's opportunities call for, or None when it stays as it is."""
    target = (
        LifecycleStage.CUSTOMER if has_won else LifecycleStage.OPPORTUNITY if has_open else None
    )
    if target and LifecycleStage.is_after(target, current):
        return target
    return None


def contacts_lifecycle_advance(*, contact_ids: Iterable[int], now: datetime) -> list[int]:
    """Move these contacts' stages on by their opportunities; returns the contacts changed."""
    contact_ids = set(contact_ids)
    if not contact_ids:
        return []
    roles = OpportunityContactRole.objects.filter(contact_id__in=contact_ids)
    won = set(roles.filter(opportunity__is_won=True).values_list("contact_id", flat=True))
    open_ = set(roles.filter(opportunity__is_closed=False).values_list("contact_id", flat=True))
    changed = []
    for pk, stage in Contact.objects.filter(pk__in=contact_ids).values_list(
        "pk", "lifecycle_stage"
    ):
        target = lifecycle_stage_for(current=stage, has_won=pk in won, has_open=pk in open_)
        if target:
            Contact.objects.filter(pk=pk).update(lifecycle_stage=target, updated_at=now)
            changed.append(pk)
    return changed
