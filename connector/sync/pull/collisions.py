"""Email collisions a linked record left behind: records that were not matched because
another record had their address, read again once that record has taken another one.

Several Salesforce records with one email: the oldest keeps the contact and the others are
recorded as a collision (EmailCollision). When the chosen record's address then changes
(the rep corrected it, or hubsync's contact took another address and pushed it), the other
records no longer collide with anything: they are read again by Id, so they match a contact
or create one as any record created in Salesforce does. The same when the chosen record's
contact holds another address in hubsync: it may have had the address only in hubsync (a
marketer gave it to the contact and took it back before any push), so the chosen record
never changes and is never read again. A contact deleted in hubsync releases nothing (its
record is not read), so a deleted person is not created again.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import F, OuterRef, Subquery

from marketing.models import Contact

from ...models import EmailCollision

#: Salesforce's key prefixes of the people objects.
PEOPLE_PREFIXES = {"00Q": "Lead", "003": "Contact"}


def collisions_released(records: Iterable[dict]) -> dict[str, set[str]]:
    """Of the collisions whose chosen record is one of these linked ``records`` (as read
    now), those on an address the record no longer has: their rows go (the collision is
    over) and their other records come back, by object type, to be read again."""
    emails = {r["Id"]: (r.get("Email") or "").strip().lower() for r in records}
    if not emails:
        return {}
    rows = EmailCollision.objects.filter(chosen_id__in=list(emails)).values_list(
        "pk", "email", "chosen_id", "other_ids"
    )
    return _released(
        [(pk, others) for pk, email, chosen, others in rows if email.lower() != emails[chosen]]
    )


def collisions_released_in_hubsync() -> dict[str, set[str]]:
    """The collisions whose chosen record's contact holds another address in hubsync now:
    their rows go and their other records come back, by object type, to be read again (one
    query; no row when nothing was released)."""
    holder = Contact.objects.filter(salesforce_id=OuterRef("chosen_id")).values("email")[:1]
    rows = (
        EmailCollision.objects.annotate(holder=Subquery(holder))
        .filter(holder__isnull=False)
        .exclude(holder__iexact=F("email"))
        .values_list("pk", "other_ids")
    )
    return _released(list(rows))


def _released(released: list[tuple[int, list[str]]]) -> dict[str, set[str]]:
    if not released:
        return {}
    EmailCollision.objects.filter(pk__in=[pk for pk, _ in released]).delete()
    out: dict[str, set[str]] = {}
    for _, others in released:
        for sf_id in others:
            object_type = PEOPLE_PREFIXES.get(str(sf_id)[:3])
            if object_type:
                out.setdefault(object_type, set()).add(sf_id)
    return out
