"""factory_boy factories for the test suite, grouped by app."""

from __future__ import annotations

import datetime as dt

import factory
from django.conf import settings
from django.utils import timezone

from marketing.models import (
    Activity,
    ActivityType,
    Company,
    Contact,
    CrmTask,
    CrmTaskKind,
    CrmTaskStatus,
    LifecycleStage,
    SmartList,
)

# --- auth -------------------------------------------------------------------------------


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = settings.AUTH_USER_MODEL
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    password = factory.django.Password("password")


# --- marketing --------------------------------------------------------------------------


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Company

    name = factory.Sequence(lambda n: f"Company {n}")
    domain = factory.Sequence(lambda n: f"company{n}.example.com")


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    email = factory.Sequence(lambda n: f"contact{n}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    company_name = ""
    job_title = ""
    phone = ""
    state = ""
    country = ""
    lifecycle_stage = LifecycleStage.SUBSCRIBER


class SmartListFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SmartList

    name = factory.Sequence(lambda n: f"Smart list {n}")
    active = True
    criteria = factory.LazyFunction(
        lambda: {
            "match": "all",
            "conditions": [{"property": "email", "operator": "is_known", "value": None}],
        }
    )


class ActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Activity

    contact = factory.SubFactory(ContactFactory)
    type = ActivityType.PAGE_VIEW
    occurred_at = factory.LazyFunction(timezone.now)
    details = factory.LazyFunction(lambda: {"url": "https://hubsync.example/pricing"})


class CrmTaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CrmTask

    contact = factory.SubFactory(ContactFactory)
    kind = CrmTaskKind.TASK
    subject = factory.Sequence(lambda n: f"Follow up {n}")
    status = CrmTaskStatus.OPEN
    due_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=3))

    class Params:
        logged_call = factory.Trait(
            kind=CrmTaskKind.CALL,
            due_at=None,
            occurred_at=factory.LazyFunction(timezone.now),
            status=CrmTaskStatus.COMPLETED,
        )
