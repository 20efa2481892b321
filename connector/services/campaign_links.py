"""Writes of the links between smart lists and Salesforce campaigns (the Campaigns page,
settings JSON ``campaign_links``): the one place a link is checked — a campaign hubsync
has read, a member status that campaign has — and saved (with who, for the settings
history)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from marketing.models import Campaign, SmartList

from ..models import CampaignLink
from .acting_user import ActingUser, history_user_set

LINK_KEYS = {"smart_list", "campaign_id", "member_status", "remove_when_leaving"}


def campaign_link_problems(*, campaign_id: str, member_status: str) -> dict[str, str]:
    """What refuses a link, by field: a campaign hubsync has not read from Salesforce, a
    status the campaign lacks (its statuses are named)."""
    campaign = Campaign.objects.filter(salesforce_id=campaign_id).first()
    if campaign is None:
        return {
            "campaign_id": _("Salesforce has no campaign %(id)s (as hubsync last read it).")
            % {"id": campaign_id}
        }
    if member_status not in campaign.status_labels:
        return {
            "member_status": _(
                "The campaign “%(campaign)s” has no member status “%(status)s”; its statuses: "
                "%(statuses)s."
            )
            % {
                "campaign": campaign.name,
                "status": member_status,
                "statuses": ", ".join(campaign.status_labels) or "—",
            }
        }
    return {}


def _save(link: CampaignLink, acting_user: ActingUser) -> None:
    history_user_set(link, acting_user)
    link.save()


@transaction.atomic
def campaign_link_save(
    *,
    smart_list: SmartList,
    campaign_id: str,
    member_status: str,
    remove_when_leaving: bool,
    acting_user: ActingUser,
    link: CampaignLink | None = None,
) -> CampaignLink:
    """Create or change a link (ValidationError by field when the org refuses it)."""
    problems = campaign_link_problems(campaign_id=campaign_id, member_status=member_status)
    taken = CampaignLink.objects.filter(smart_list=smart_list, campaign_id=campaign_id)
    if link is not None and link.pk:
        taken = taken.exclude(pk=link.pk)
    if taken.exists():
        problems["campaign_id"] = _("This smart list is already linked to this campaign.")
    if problems:
        raise ValidationError(problems)
    link = link or CampaignLink()
    link.smart_list = smart_list
    link.campaign_id = campaign_id
    link.member_status = member_status
    link.remove_when_leaving = remove_when_leaving
    _save(link, acting_user)
    return link


@transaction.atomic
def campaign_link_delete(*, link: CampaignLink, acting_user: ActingUser) -> None:
    history_user_set(link, acting_user)
    link.delete()


def campaign_links_parse(value: Any) -> list[dict[str, Any]]:
    """``campaign_links`` of the settings JSON, checked item by item (ValidationError names
    every problem); the smart lists come back as rows."""
    if not isinstance(value, list):
        raise ValidationError(_("campaign_links must be a list."))
    errors: list[str] = []
    out: list[dict[str, Any]] = []
    seen: set[tuple[int, str]] = set()
    for number, item in enumerate(value, start=1):
        where = _("campaign_links item %(number)s") % {"number": number}
        if not isinstance(item, dict) or set(item) != LINK_KEYS:
            errors.append(
                _("%(where)s: expected the keys %(keys)s.")
                % {"where": where, "keys": ", ".join(sorted(LINK_KEYS))}
            )
            continue
        smart_list = (
            SmartList.objects.filter(name=item["smart_list"]).first()
            if isinstance(item["smart_list"], str)
            else None
        )
        if smart_list is None:
            errors.append(
                _("%(where)s: hubsync has no smart list %(name)s.")
                % {"where": where, "name": repr(item["smart_list"])}
            )
            continue
        if not isinstance(item["remove_when_leaving"], bool):
            errors.append(
                _("%(where)s: remove_when_leaving must be true or false.") % {"where": where}
            )
            continue
        if not isinstance(item["campaign_id"], str) or not isinstance(item["member_status"], str):
            errors.append(
                _("%(where)s: campaign_id and member_status are text.") % {"where": where}
            )
            continue
        problems = campaign_link_problems(
            campaign_id=item["campaign_id"], member_status=item["member_status"]
        )
        errors.extend(f"{where}: {message}" for message in problems.values())
        key = (smart_list.pk, item["campaign_id"])
        if key in seen:
            errors.append(_("%(where)s: this link appears twice.") % {"where": where})
        seen.add(key)
        out.append({**item, "smart_list": smart_list})
    if errors:
        raise ValidationError(errors)
    return out


@transaction.atomic
def campaign_links_replace(parsed: list[dict[str, Any]], *, acting_user: ActingUser) -> None:
    """The links become exactly ``parsed`` (a settings import); unchanged ones are kept
    (with the members they made)."""
    wanted = {(item["smart_list"].pk, item["campaign_id"]): item for item in parsed}
    for link in CampaignLink.objects.all():
        item = wanted.pop((link.smart_list_id, link.campaign_id), None)
        if item is None:
            campaign_link_delete(link=link, acting_user=acting_user)
        elif (link.member_status, link.remove_when_leaving) != (
            item["member_status"],
            item["remove_when_leaving"],
        ):
            link.member_status = item["member_status"]
            link.remove_when_leaving = item["remove_when_leaving"]
            _save(link, acting_user)
    for item in wanted.values():
        _save(
            CampaignLink(
                smart_list=item["smart_list"],
                campaign_id=item["campaign_id"],
                member_status=item["member_status"],
                remove_when_leaving=item["remove_when_leaving"],
            ),
            acting_user,
        )


def campaign_links_export() -> list[dict[str, Any]]:
    return [
        {
            "smart_list": link.smart_list.name,
            "campaign_id": link.campaign_id,
            "member_status": link.member_status,
            "remove_when_leaving": link.remove_when_leaving,
        }
        for link in CampaignLink.objects.select_related("smart_list").order_by("id")
    ]
