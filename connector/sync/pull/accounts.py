"""Accounts → companies (account sync on): changed known Accounts, and the Accounts of
Contacts read this cycle; their contacts are linked to the company."""

from __future__ import annotations

from django.core.cache import cache

from marketing.models import Company, Contact

from ...soql import chunks, in_list
from .common import Pages, PullContext, Query
from .people_read import PeopleRead
from .watermark import Watermark

IDS_PER_QUERY = 200  # Id IN (...) lists stay far below URL and SOQL length limits
DESCRIBE_CACHE_S = 24 * 60 * 60
# Compound fields cannot be written to a flat property; their parts are read instead.
COMPOUND_TYPES = {"address", "location"}


class AccountsPhase:
    def __init__(self, context: PullContext) -> None:
        self.context = context
        self.known_companies = set(
            Company.objects.exclude(salesforce_id="").values_list("salesforce_id", flat=True)
        )
        self.watermark = Watermark("Account")
        self.queries: list[Query] = []
        if self.watermark.since is not None and self.known_companies:
            soql = f"SELECT {', '.join(self._fields())} FROM Account{self.watermark.where()}"
            self.queries.append((soql, False))

    def _fields(self) -> list[str]:
        """Every Account field, from describe (custom ones too); cached for a day."""

        def describe() -> list[str]:
            fields = self.context.client.describe("Account")["fields"]
            return [f["name"] for f in fields if f.get("type") not in COMPOUND_TYPES]

        return list(
            cache.get_or_set("connector:describe:Account", describe, DESCRIBE_CACHE_S) or ()
        )

    def apply(self, results: list[Pages], *, people: PeopleRead) -> None:
        watermark = self.watermark
        records: list[dict] = []
        for pages in results:
            for page in pages:
                records += [r for r in page if r["Id"] in self.known_companies]
                for record in page:
                    watermark.saw(record)
        needed = sorted(people.account_ids - self.known_companies)
        if needed:
            fields = ", ".join(self._fields())
            queries = [
                (f"SELECT {fields} FROM Account WHERE Id IN ({in_list(chunk)})", False)
                for chunk in chunks(needed, IDS_PER_QUERY)
            ]
            for pages in self.context.client.query_many(queries):
                for page in pages:
                    records += page
                    for record in page:
                        watermark.saw(record)
        watermark.started_if_new()
        self._store_companies(records, people.contacts_by_account)
        people.accounts_stored()
        watermark.save()

    def _store_companies(
        self, records: list[dict], contacts_by_account: dict[str, set[int]]
    ) -> None:
        for record in records:
            properties = {k: v for k, v in record.items() if k != "attributes"}
            website = (record.get("Website") or "").strip()
            domain = website.split("//")[-1].split("/")[0].removeprefix("www.")
            company, _ = Company.objects.update_or_create(
                salesforce_id=record["Id"],
                defaults={
                    "name": record.get("Name") or "",
                    "domain": domain,
                    "properties": properties,
                },
            )
            self.context.counts.companies += 1
            _link(contacts_by_account.get(record["Id"], set()), company)
        # Contacts whose Account was already known: link them too.
        for account_id, contact_ids in contacts_by_account.items():
            known = Company.objects.filter(salesforce_id=account_id).first()
            if known:
                _link(contact_ids, known)


def _link(contact_ids: set[int], company: Company) -> None:
    if contact_ids:
        Contact.objects.filter(pk__in=contact_ids).exclude(company=company).update(company=company)
