"""What the people phase found that the accounts and opportunities phases read, and the
Accounts it still owes its contacts.

A Contact's Account is read after the Contacts page that names it has been applied, and
that page's watermark is saved at once. A cycle that ends in between (the API limit, a
read that fails, a worker killed) would never read that Contact again, so its contact
would never get its company. Each contact whose Contact names an Account other than its
company is therefore marked to have its record read again by Id
(``ContactSyncState.reread_when_included``) before the page's watermark moves; the
accounts phase unmarks it once the Account is stored and the contact linked to it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from marketing.models import Contact

from ...models import ContactSyncState
from ..queue import contacts_reread


@dataclass
class PeopleRead:
    account_ids: set[str] = field(default_factory=set)  # every changed Contact's Account
    contacts_by_account: dict[str, set[int]] = field(default_factory=dict)
    newly_linked_contacts: set[str] = field(default_factory=set)  # Salesforce Contact ids
    # Contacts marked to be read again until their Account is stored (see the module).
    accounts_pending: set[int] = field(default_factory=set)
    _unmarked: dict[int, str] = field(default_factory=dict, init=False, repr=False)

    def account_found(self, contact_id: int, account_id: str) -> None:
        """The contact's Contact names this Account: the accounts phase links them."""
        self.contacts_by_account.setdefault(account_id, set()).add(contact_id)
        self._unmarked[contact_id] = account_id

    def accounts_mark_pending(self, *, account_sync: bool) -> None:
        """The page's contacts whose company is not their Contact's Account yet are read
        again by a later pull unless this cycle's accounts phase links them (call before the
        page's watermark moves)."""
        found, self._unmarked = self._unmarked, {}
        if not found or not account_sync:
            return
        companies = dict(
            Contact.objects.filter(pk__in=list(found)).values_list("pk", "company__salesforce_id")
        )
        pending = {
            pk for pk, account in found.items() if pk in companies and companies[pk] != account
        }
        contacts_reread(pending - self.accounts_pending)
        self.accounts_pending |= pending

    def accounts_moved(self, contact_ids: Iterable[int]) -> None:
        """These contacts followed another record since their Contact was read: they stay
        marked (that record is read next cycle, and its Account)."""
        self.accounts_pending -= set(contact_ids)

    def accounts_stored(self) -> None:
        """The accounts phase stored the Accounts and linked the contacts: no re-read."""
        if self.accounts_pending:
            ContactSyncState.objects.filter(contact_id__in=list(self.accounts_pending)).update(
                reread_when_included=False
            )
        self.accounts_pending = set()
