"""Lifecycle stage rules (marketing): opportunities move a contact's stage on, never back."""

from __future__ import annotations

from marketing.choices import LifecycleStage
from marketing.lifecycle import lifecycle_stage_for


def test_open_opportunity_makes_an_opportunity_won_makes_a_customer():
    assert (
        lifecycle_stage_for(current=LifecycleStage.LEAD, has_won=False, has_open=True)
        == LifecycleStage.OPPORTUNITY
    )
    assert (
        lifecycle_stage_for(current=LifecycleStage.OPPORTUNITY, has_won=True, has_open=False)
        == LifecycleStage.CUSTOMER
    )


def test_never_backwards_and_nothing_without_opportunities():
    assert (
        lifecycle_stage_for(current=LifecycleStage.CUSTOMER, has_won=False, has_open=True) is None
    )
    assert lifecycle_stage_for(current=LifecycleStage.LEAD, has_won=False, has_open=False) is None
