"""Salesforce Tasks on linked Leads/Contacts, not written by hubsync (task sync on)."""

from __future__ import annotations

from datetime import datetime

from ...mappers import EXTERNAL_ID_FIELD
from ..crm import CrmCounts, crm_tasks_from_salesforce
from .common import Pages, PullContext, Query
from .watermark import IN_ORDER, Watermark

TASK_FIELDS = (
    f"Id, WhoId, Subject, Description, Status, ActivityDate, TaskSubtype, {EXTERNAL_ID_FIELD}, "
    "SystemModstamp"
)


class TasksPhase:
    def __init__(self, context: PullContext, *, crm_counts: CrmCounts) -> None:
        self.crm_counts = crm_counts
        self.watermark = Watermark("Task")
        where = self.watermark.where(f"{EXTERNAL_ID_FIELD} = null AND WhoId != null")
        self.queries: list[Query] = [(f"SELECT {TASK_FIELDS} FROM Task{where}{IN_ORDER}", False)]

    def apply(self, results: list[Pages], *, queried_at: datetime) -> None:
        for page in results[0]:
            crm_tasks_from_salesforce(records=self.watermark.fresh(page), counts=self.crm_counts)
            self.watermark.advance(page)
        self.watermark.caught_up(queried_at)
