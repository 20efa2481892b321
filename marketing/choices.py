"""Choice enums of the marketing database.

Kept apart from ``models.py`` so that pure modules (smart-list criteria, mappers)
can use them without importing models; ``marketing.models`` re-exports them.
"""

from __future__ import annotations

import functools

from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _


class LifecycleStage(models.TextChoices):
    """Where a contact stands in the funnel.

    The declaration order of the ordered stages *is* the funnel order
    (subscriber < lead < ... < evangelist). ``other`` sits outside the funnel:
    it has no rank and is neither before nor after any stage.
    """

    SUBSCRIBER = "subscriber", _("Subscriber")
    LEAD = "lead", _("Lead")
    MARKETING_QUALIFIED_LEAD = "marketingqualifiedlead", _("Marketing qualified lead")
    SALES_QUALIFIED_LEAD = "salesqualifiedlead", _("Sales qualified lead")
    OPPORTUNITY = "opportunity", _("Opportunity")
    CUSTOMER = "customer", _("Customer")
    EVANGELIST = "evangelist", _("Evangelist")
    OTHER = "other", _("Other")

    @classmethod
    def rank(cls, value: str) -> int | None:
        """Return the 0-based funnel position of ``value``; ``None`` for ``other``.

        Raises ``ValueError`` for a value that is not a stage at all.
        """
        stage = cls(value)
        if stage == cls.OTHER:
            return None
        return _FUNNEL.index(stage)

    @classmethod
    def is_after(cls, value: str, other: str) -> bool:
        """True when ``value`` is strictly further down the funnel than ``other``.

        Used to make stage changes forward-only ("stages never move backwards").
        Comparisons involving ``other`` are always False.
        """
        a, b = cls.rank(value), cls.rank(other)
        return a is not None and b is not None and a > b

    @classmethod
    def parse(cls, text: str) -> LifecycleStage | None:
        """Match ``text`` against a stage value or label, case-insensitively.

        Spaces, dashes and underscores are ignored, so "Marketing Qualified Lead",
        "marketing-qualified-lead" and "marketingqualifiedlead" all match.
        Returns ``None`` when nothing matches (including blank text).
        """
        return _stages_by_key().get(_stage_key(text))


def _stage_key(text: str) -> str:
    return "".join(ch for ch in text.casefold() if ch.isalnum())


_FUNNEL: tuple[LifecycleStage, ...] = tuple(s for s in LifecycleStage if s != LifecycleStage.OTHER)


@functools.cache
def _stages_by_key() -> dict[str, LifecycleStage]:
    # The English (source) labels, whatever the active language: what parses must not
    # depend on who is logged in. Built on first use: labels are lazy translations.
    with translation.override(None):
        return {
            _stage_key(text): stage
            for stage in LifecycleStage
            for text in (stage.value, str(stage.label))
        }


class SalesforceObject(models.TextChoices):
    """Which Salesforce object a hubsync contact is linked to."""

    LEAD = "Lead", _("Lead")
    CONTACT = "Contact", _("Contact")


class ActivityType(models.TextChoices):
    FORM_SUBMISSION = "form_submission", _("Form submission")
    EMAIL_OPEN = "email_open", _("Email open")
    EMAIL_CLICK = "email_click", _("Email click")
    PAGE_VIEW = "page_view", _("Page view")


class CrmTaskKind(models.TextChoices):
    TASK = "task", _("Task")
    CALL = "call", _("Logged call")


class CrmTaskStatus(models.TextChoices):
    OPEN = "open", _("Open")
    COMPLETED = "completed", _("Completed")
