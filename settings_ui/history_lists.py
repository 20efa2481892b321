"""The settings history's entries for user matches (Users page, ``user_mappings``) and
campaign links (Campaigns page, ``campaign_links``): who set, changed or removed one."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext

from connector.models import CampaignLink, UserMapping

from .history import HISTORY_READ_MAX


def _records(model: Any) -> list[Any]:
    return list(
        model.history.select_related("history_user").order_by("-history_date", "-history_id")[
            :HISTORY_READ_MAX
        ]
    )


def _entry(record: Any, field: str, old: str | None, new: str) -> dict[str, Any]:
    return {
        "at": record.history_date,
        "user": record.history_user,
        "changes": [{"field": field, "old": old, "new": new, "secret": False}],
    }


def user_match_entries() -> list[dict[str, Any]]:
    from django.contrib.auth import get_user_model

    names = dict(get_user_model().objects.values_list("pk", "username")[:HISTORY_READ_MAX])
    entries = []
    for record in _records(UserMapping):
        field = gettext("User match of Salesforce user %(id)s") % {"id": record.salesforce_user_id}
        if record.history_type == "-":
            entries.append(_entry(record, field, None, gettext("by email")))
            continue
        new = (
            names.get(record.user_id, str(record.user_id)) if record.user_id else gettext("nobody")
        )
        entries.append(_entry(record, field, None, new))
    return entries


def campaign_link_entries() -> list[dict[str, Any]]:
    from marketing.models import SmartList

    lists = dict(SmartList.objects.values_list("pk", "name")[:HISTORY_READ_MAX])
    entries = []
    for record in _records(CampaignLink):
        field = gettext("Campaign link of %(list)s to %(campaign)s") % {
            "list": lists.get(record.smart_list_id, record.smart_list_id),
            "campaign": record.campaign_id,
        }
        if record.history_type == "-":
            new = gettext("removed")
        else:
            remove = (
                gettext("removes leavers")
                if record.remove_when_leaving
                else gettext("keeps leavers")
            )
            new = f"{record.member_status} ({remove})"
        entries.append(_entry(record, field, None, new))
    return entries
