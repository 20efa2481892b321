"""Child relationships: the names a parent-to-child SOQL subquery selects from
(``SELECT Name, (SELECT LastName FROM Contacts) FROM Account``) and describe lists."""

from __future__ import annotations

from dataclasses import dataclass

from .objects import CASCADES


@dataclass(frozen=True)
class ChildRelationship:
    name: str  # relationshipName, e.g. "Contacts"
    child: str  # the child object, e.g. "Contact"
    field: str  # the child's lookup to the parent, e.g. "AccountId"
    parent: str  # e.g. "Account"

    @property
    def cascade_delete(self) -> bool:
        """Deleting the parent deletes these children (``CASCADES``)."""
        return (self.child, self.field) in CASCADES.get(self.parent, [])


def _rels(parent: str, *triples: tuple[str, str, str]) -> dict[str, ChildRelationship]:
    return {n.lower(): ChildRelationship(n, c, f, parent) for n, c, f in triples}


#: Parent object -> lower-cased relationship name -> relationship (Salesforce's names).
CHILD_RELATIONSHIPS: dict[str, dict[str, ChildRelationship]] = {
    "Account": _rels(
        "Account",
        ("Contacts", "Contact", "AccountId"),
        ("Opportunities", "Opportunity", "AccountId"),
        ("Tasks", "Task", "WhatId"),
    ),
    "Contact": _rels(
        "Contact",
        ("OpportunityContactRoles", "OpportunityContactRole", "ContactId"),
        ("Tasks", "Task", "WhoId"),
    ),
    "Lead": _rels("Lead", ("Tasks", "Task", "WhoId")),
    "Opportunity": _rels(
        "Opportunity",
        ("OpportunityContactRoles", "OpportunityContactRole", "OpportunityId"),
        ("Tasks", "Task", "WhatId"),
    ),
}


def child_relationship(parent: str, name: str) -> ChildRelationship | None:
    """The child relationship ``name`` (case-insensitive) of object ``parent``."""
    return CHILD_RELATIONSHIPS.get(parent, {}).get(name.lower())
