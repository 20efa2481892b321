"""``--seed demo``: a demo user and a small, realistic, deterministic org (the user, the
installed package and the demo's External Client App: the configuration's ``[demo]``)."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from .schema import INDUSTRIES, LEAD_SOURCES, LEAD_STATUSES, OPPORTUNITY_STAGES
from .store import Store, WriteResult

FIRST = [
    "Ada",
    "Grace",
    "Alan",
    "Linus",
    "Margaret",
    "Ken",
    "Barbara",
    "Dennis",
    "Frances",
    "Edsger",
    "Radia",
    "Tim",
    "Katherine",
    "Guido",
    "Sophie",
    "Bjarne",
    "Hedy",
    "John",
    "Anita",
    "Donald",
]
LAST = [
    "Lovelace",
    "Hopper",
    "Turing",
    "Torvalds",
    "Hamilton",
    "Thompson",
    "Liskov",
    "Ritchie",
    "Allen",
    "Dijkstra",
    "Perlman",
    "Berners-Lee",
    "Johnson",
    "van Rossum",
    "Wilson",
    "Stroustrup",
    "Lamarr",
    "Backus",
    "Borg",
    "Knuth",
]
COMPANY_A = [
    "Acme",
    "Globex",
    "Initech",
    "Umbrella",
    "Hooli",
    "Vandelay",
    "Stark",
    "Wayne",
    "Tyrell",
    "Cyberdyne",
    "Soylent",
    "Wonka",
    "Oscorp",
    "Gringotts",
    "Pied Piper",
]
COMPANY_B = ["Industries", "Labs", "Systems", "Corp", "Partners", "Analytics", "Group"]
TITLES = [
    "CEO",
    "CTO",
    "VP Marketing",
    "Marketing Manager",
    "Sales Director",
    "Engineer",
    "Head of Growth",
    "Operations Lead",
    "CFO",
    "Product Manager",
]
PLACES = [
    ("US", "CA", "San Francisco"),
    ("US", "NY", "New York"),
    ("US", "TX", "Austin"),
    ("CA", "ON", "Toronto"),
    ("DE", "BE", "Berlin"),
    ("AU", "NSW", "Sydney"),
    ("GB", None, "London"),
    ("FR", None, "Paris"),
]


def demo_connected_app(store: Store, certificate: str, *, callback_url: str | None = None) -> None:
    """Register the demo's External Client App (``[demo] consumer_key``) with
    ``certificate`` (and ``callback_url``, the web server flow's redirect URI: the demo app's
    callback on the port it runs on) and turn SOAP login off, like a new org: the demo then
    connects with JWT bearer, as an org created today must (``--demo-certificate``)."""
    demo = store.config.demo
    store.add_app(
        demo.consumer_key,
        demo.consumer_secret,
        None,
        certificate=certificate,
        callback_url=callback_url,
    )
    store.configure(soap_login_enabled=False)


def seed_on_start(store: Store, seed: str) -> dict[str, Any] | None:
    """The org a server starts with: ``demo`` seeds it (once: a file database keeps the demo
    org across restarts), ``empty`` leaves it as it is. Returns the demo credentials."""
    if seed != "demo":
        return None
    credentials = store.config.demo.credentials
    existing = store.user_by_username(credentials["username"])
    return dict(credentials, user_id=existing["user_id"]) if existing else seed_demo(store)


def _ids(results: list[WriteResult]) -> list[str]:
    """The new records' ids (the demo's records are valid: every insert succeeds)."""
    failed = [r.errors for r in results if r.id is None]
    if failed:
        raise RuntimeError(f"the demo seed failed to insert: {failed[0]}")
    return [r.id for r in results if r.id is not None]


def seed_demo(store: Store, seed: int = 42) -> dict[str, Any]:
    """Create the demo user and org data; returns the demo credentials."""
    rng = random.Random(seed)
    demo = store.config.demo
    if demo.connector_version:  # the demo org has the package installed
        store.configure(connector_version=demo.connector_version)
    user = store.create_user(
        username=demo.username,
        password=demo.password,
        security_token=demo.security_token,
        first_name=demo.first_name,
        last_name=demo.last_name,
    )
    uid = user["id"]
    picklists = store.picklists_on

    def place(prefix: str) -> dict[str, Any]:
        cc, sc, city = rng.choice(PLACES)
        out: dict[str, Any] = {f"{prefix}City": city}
        if picklists:
            out[f"{prefix}CountryCode"] = cc
            if sc:
                out[f"{prefix}StateCode"] = sc
        else:
            out[f"{prefix}Country"] = cc
            if sc:
                out[f"{prefix}State"] = sc
        return out

    accounts = []
    names = rng.sample([f"{a} {b}" for a in COMPANY_A for b in COMPANY_B], 15)
    for name in names:
        accounts.append(
            {
                "Name": name,
                "Website": f"https://www.{name.split()[0].lower()}.example",
                "Industry": rng.choice(INDUSTRIES),
                "NumberOfEmployees": rng.choice([12, 50, 120, 480, 2500, 12000]),
                "AnnualRevenue": float(rng.randrange(1, 500) * 100_000),
                "Tier__c": rng.choice(["Gold", "Silver", "Bronze"]),
                **place("Billing"),
            }
        )
    account_ids = _ids(store.insert("Account", accounts, user_id=uid))

    def person(i: int) -> tuple[str, str, str]:
        first, last = rng.choice(FIRST), rng.choice(LAST)
        email = f"{first}.{last}.{i}@example.com".lower().replace(" ", "")
        return first, last, email

    contacts = []
    for i in range(50):
        first, last, email = person(i)
        contacts.append(
            {
                "FirstName": first,
                "LastName": last,
                "Email": email,
                "Title": rng.choice(TITLES),
                "Phone": f"+1 555 {rng.randrange(1000, 9999)}",
                "AccountId": rng.choice(account_ids),
                "LeadSource": rng.choice(LEAD_SOURCES),
                **place("Mailing"),
            }
        )
    contact_ids = _ids(store.insert("Contact", contacts, user_id=uid))

    leads = []
    for i in range(50):
        first, last, email = person(100 + i)
        leads.append(
            {
                "FirstName": first,
                "LastName": last,
                "Email": email,
                "Company": f"{rng.choice(COMPANY_A)} {rng.choice(COMPANY_B)}",
                "Title": rng.choice(TITLES),
                "Status": rng.choice(LEAD_STATUSES[:2]),
                "LeadSource": rng.choice(LEAD_SOURCES),
                **place(""),
            }
        )
    lead_ids = _ids(store.insert("Lead", leads, user_id=uid))

    stages = [s[0] for s in OPPORTUNITY_STAGES]
    opps = []
    today = date.today()
    for i in range(20):
        stage = "Closed Won" if i % 4 == 0 else rng.choice(stages)
        acct = rng.randrange(len(account_ids))
        opps.append(
            {
                "Name": f"{names[acct]} - Deal {i + 1}",
                "StageName": stage,
                "CloseDate": (today + timedelta(days=rng.randrange(-90, 120))).isoformat(),
                "Amount": float(rng.randrange(5, 250) * 1000),
                "AccountId": account_ids[acct],
            }
        )
    opp_ids = _ids(store.insert("Opportunity", opps, user_id=uid))

    roles = []
    for opp_id in opp_ids:
        for n, cid in enumerate(rng.sample(contact_ids, rng.randrange(1, 4))):
            roles.append(
                {
                    "OpportunityId": opp_id,
                    "ContactId": cid,
                    "IsPrimary": n == 0,
                    "Role": rng.choice(
                        ["Decision Maker", "Economic Buyer", "Influencer", "Evaluator"]
                    ),
                }
            )
    store.insert("OpportunityContactRole", roles, user_id=uid)

    tasks = []
    for _ in range(40):
        who = rng.choice(contact_ids + lead_ids)
        subtype = rng.choice(["Task", "Call", "Email"])
        tasks.append(
            {
                "WhoId": who,
                "WhatId": rng.choice(opp_ids)
                if who.startswith("003") and rng.random() < 0.5
                else None,
                "Subject": {"Task": "Follow up", "Call": "Discovery call", "Email": "Sent pricing"}[
                    subtype
                ],
                "TaskSubtype": subtype,
                "Status": rng.choice(["Not Started", "Completed"]),
                "ActivityDate": (today + timedelta(days=rng.randrange(-30, 30))).isoformat(),
            }
        )
    store.insert("Task", tasks, user_id=uid)
    return dict(demo.credentials, user_id=uid)
