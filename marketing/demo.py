"""Deterministic demo data for the marketing database (``manage.py demo_seed``).

All demo contacts have email addresses under the reserved ``.example`` top-level
domain (RFC 2606), which real data never uses; their presence (or that of the
demo smart lists) marks the demo data as already seeded.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from marketing.choices import ActivityType, CrmTaskKind, CrmTaskStatus, LifecycleStage
from marketing.models import Activity, Company, Contact, CrmTask, SmartList
from marketing.services import smart_list_create

DEMO_EMAIL_SUFFIX = ".example"

FIRST_NAMES = (
    "Anna", "Ben", "Clara", "David", "Elena", "Felix", "Grace", "Hannah", "Ivan", "Julia",
    "Karim", "Laura", "Mateo", "Nina", "Oliver", "Priya", "Quentin", "Rosa", "Sven", "Tara",
    "Umar", "Valentina", "William", "Xenia", "Yusuf", "Zoe", "Lukas", "Sophie", "Jonas", "Mia",
    "Liam", "Emma", "Noah", "Chloé", "Léa", "Hiroshi", "Mei", "Aisha", "Carlos", "Ingrid",
)  # fmt: skip
LAST_NAMES = (
    "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Smith", "Johnson", "Williams",
    "Brown", "Jones", "Garcia", "Miller", "Davis", "Martin", "Bernard", "Dubois", "Tremblay",
    "Roy", "Taylor", "Wilson", "O'Brien", "Nguyen", "Kowalski", "Rossi", "Novak", "Hansen",
    "Becker", "Hoffmann", "Patel", "Kim", "Lefèvre", "Anderson", "Thompson", "White", "Clark",
)  # fmt: skip
JOB_TITLES = (
    "Marketing Manager", "Head of Marketing", "CMO", "Sales Director", "Account Executive",
    "Software Engineer", "CTO", "Product Manager", "Operations Lead", "Office Manager",
    "Geschäftsführer", "Vertriebsleiterin", "Chief Executive Officer", "Procurement Specialist",
    "Customer Success Manager", "Data Analyst", "", "",
)  # fmt: skip
COMPANY_NAMES = (
    "Northwind Traders", "Contoso", "Fabrikam", "Globex", "Initech", "Umbrella Analytics",
    "Stark Industrial", "Wayne Logistics", "Acme Corp", "Müller & Söhne GmbH",
    "Bavaria Motoren AG", "Maple Leaf Software", "Thames Consulting Ltd", "Le Petit Atelier SARL",
    "Pacific Bioworks", "Hudson Analytics", "Rheinland Energie", "Lakeside Health",
    "Blue Harbor Media", "Alpine Outdoor GmbH",
)  # fmt: skip
# (state, country) as people type them: varied spellings, codes and languages.
LOCATIONS = (
    ("California", "USA"), ("CA", "United States"), ("NY", "US"), ("New York", "USA"),
    ("Texas", "United States of America"), ("Kalifornien", "Vereinigte Staaten"),
    ("Massachusetts", "U.S.A."), ("WA", "USA"),
    ("Bavaria", "Germany"), ("Bayern", "Deutschland"), ("BY", "DE"), ("Berlin", "Deutschland"),
    ("Nordrhein-Westfalen", "Germany"), ("Hamburg", "DE"),
    ("England", "United Kingdom"), ("Scotland", "UK"), ("", "Great Britain"),
    ("Île-de-France", "France"), ("", "FR"),
    ("Ontario", "Canada"), ("ON", "CA"), ("Québec", "Kanada"), ("British Columbia", "Canada"),
    ("", ""), ("Atlantis", "Atlantis"), ("Nowhere", "Neverland"), ("", "Europe"),
)  # fmt: skip
PAGES = ("/", "/pricing", "/features", "/blog/salesforce-sync", "/contact", "/demo", "/docs")
FORMS = ("Newsletter signup", "Demo request", "Whitepaper download", "Contact us")
EMAIL_SUBJECTS = ("Welcome to hubsync", "Spring product update", "Webinar invitation", "Case study")
TASK_SUBJECTS = ("Follow up after demo", "Send proposal", "Check renewal", "Qualify lead")
CALL_SUBJECTS = ("Discovery call", "Pricing call", "Onboarding call", "Quarterly check-in")

DEMO_SMART_LISTS: dict[str, dict[str, Any]] = {
    "Marketing qualified leads": {
        "match": "all",
        "conditions": [
            {"property": "lifecycle_stage", "operator": "equals", "value": "marketingqualifiedlead"}
        ],
    },
    "Customers in Germany": {
        "match": "all",
        "conditions": [
            {"property": "lifecycle_stage", "operator": "equals", "value": "customer"},
            {"property": "country", "operator": "equals", "value": "Germany"},
        ],
    },
    "German-speaking countries": {
        "match": "any",
        "conditions": [
            {"property": "country", "operator": "equals", "value": "Germany"},
            {"property": "country", "operator": "equals", "value": "Deutschland"},
            {"property": "country", "operator": "equals", "value": "DE"},
        ],
    },
    "Known phone": {
        "match": "all",
        "conditions": [{"property": "phone", "operator": "is_known", "value": None}],
    },
}

# Funnel-shaped: most contacts near the top.
_STAGE_WEIGHTS = {
    LifecycleStage.SUBSCRIBER: 30,
    LifecycleStage.LEAD: 25,
    LifecycleStage.MARKETING_QUALIFIED_LEAD: 15,
    LifecycleStage.SALES_QUALIFIED_LEAD: 10,
    LifecycleStage.OPPORTUNITY: 8,
    LifecycleStage.CUSTOMER: 8,
    LifecycleStage.EVANGELIST: 2,
    LifecycleStage.OTHER: 2,
}


def demo_data_exists() -> bool:
    return (
        Contact.objects.filter(email__endswith=DEMO_EMAIL_SUFFIX).exists()
        or SmartList.objects.filter(name__in=DEMO_SMART_LISTS).exists()
    )


@transaction.atomic
def demo_seed(*, contacts: int = 300, seed: int = 7) -> dict[str, int]:
    """Create demo companies, contacts, smart lists, activities, CRM tasks and calls.

    Idempotent: does nothing when demo data exists (see :func:`demo_data_exists`).
    The same ``seed`` gives the same records (times are relative to now). Returns
    how many records of each kind were created, plus ``skipped`` (1 when nothing
    was done).
    """
    counts = dict.fromkeys(
        ("companies", "contacts", "smart_lists", "activities", "crm_tasks", "skipped"), 0
    )
    if demo_data_exists():
        counts["skipped"] = 1
        return counts
    rng = random.Random(seed)
    now = timezone.now()

    Company.objects.bulk_create(
        Company(
            name=name,
            domain=slugify(name) + DEMO_EMAIL_SUFFIX,
            properties={"Industry": rng.choice(("Technology", "Manufacturing", "Retail"))},
        )
        for name in COMPANY_NAMES
    )
    companies = list(Company.objects.filter(domain__endswith=DEMO_EMAIL_SUFFIX))

    stages, weights = zip(*_STAGE_WEIGHTS.items(), strict=True)
    new_contacts = []
    for number in range(contacts):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        company = rng.choice(companies) if rng.random() < 0.85 else None
        domain = company.domain if company else "mail" + DEMO_EMAIL_SUFFIX
        state, country = rng.choice(LOCATIONS)
        local = f"{slugify(first)}.{slugify(last)}{number}"
        new_contacts.append(
            Contact(
                email=f"{local}@{domain}",
                first_name=first,
                last_name=last,
                company=company,
                company_name=company.name if company else "",
                job_title=rng.choice(JOB_TITLES),
                phone=f"+1 555 {rng.randrange(1000000):07d}" if rng.random() < 0.6 else "",
                state=state,
                country=country,
                lifecycle_stage=rng.choices(stages, weights)[0],
            )
        )
    Contact.objects.bulk_create(new_contacts, batch_size=500)
    # Re-read for primary keys: not every backend returns them from bulk inserts.
    contact_ids = list(
        Contact.objects.filter(email__endswith=DEMO_EMAIL_SUFFIX).values_list("id", flat=True)
    )

    activities = []
    tasks = []
    for contact_id in contact_ids:
        for activity_type in ActivityType:
            for _ in range(rng.randint(1, 3)):
                activities.append(
                    Activity(
                        contact_id=contact_id,
                        type=activity_type,
                        occurred_at=now - _random_age(rng, days=180),
                        details=_activity_details(rng, activity_type),
                    )
                )
        if rng.random() < 0.3:
            done = rng.random() < 0.4
            tasks.append(
                CrmTask(
                    contact_id=contact_id,
                    kind=CrmTaskKind.TASK,
                    subject=rng.choice(TASK_SUBJECTS),
                    due_at=now + dt.timedelta(days=rng.randint(-10, 30)),
                    status=CrmTaskStatus.COMPLETED if done else CrmTaskStatus.OPEN,
                )
            )
        if rng.random() < 0.2:
            tasks.append(
                CrmTask(
                    contact_id=contact_id,
                    kind=CrmTaskKind.CALL,
                    subject=rng.choice(CALL_SUBJECTS),
                    notes="Talked about their Salesforce setup and next steps.",
                    occurred_at=now - _random_age(rng, days=60),
                    status=CrmTaskStatus.COMPLETED,
                )
            )
    Activity.objects.bulk_create(activities, batch_size=1000)
    CrmTask.objects.bulk_create(tasks, batch_size=1000)
    for name, criteria in DEMO_SMART_LISTS.items():
        smart_list_create(name=name, criteria=criteria)

    counts.update(
        companies=len(companies),
        contacts=len(contact_ids),
        smart_lists=len(DEMO_SMART_LISTS),
        activities=len(activities),
        crm_tasks=len(tasks),
    )
    return counts


def _random_age(rng: random.Random, *, days: int) -> dt.timedelta:
    return dt.timedelta(seconds=rng.randrange(days * 24 * 3600))


def _activity_details(rng: random.Random, activity_type: str) -> dict[str, str]:
    if activity_type == ActivityType.FORM_SUBMISSION:
        return {"form": rng.choice(FORMS), "page": rng.choice(PAGES)}
    if activity_type == ActivityType.PAGE_VIEW:
        return {"url": "https://hubsync.example" + rng.choice(PAGES)}
    details = {"email_subject": rng.choice(EMAIL_SUBJECTS)}
    if activity_type == ActivityType.EMAIL_CLICK:
        details["url"] = "https://hubsync.example" + rng.choice(PAGES)
    return details
