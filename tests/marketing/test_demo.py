from __future__ import annotations

import pytest

from marketing.demo import demo_seed
from marketing.models import Activity, Company, Contact, CrmTask, CrmTaskKind, SmartList
from marketing.selectors import smart_list_member_count


@pytest.mark.django_db
def test_demo_seed_is_idempotent_and_varied() -> None:
    counts = demo_seed(contacts=120, seed=3)
    assert counts["skipped"] == 0
    assert counts["contacts"] == Contact.objects.count() == 120
    assert counts["companies"] == Company.objects.count() == 20
    assert counts["smart_lists"] == SmartList.objects.count() == 4
    assert counts["activities"] == Activity.objects.count() >= 120 * 4
    assert counts["crm_tasks"] == CrmTask.objects.count() > 0
    assert CrmTask.objects.filter(kind=CrmTaskKind.CALL).exists()
    assert Contact.objects.values("lifecycle_stage").distinct().count() >= 6
    assert Contact.objects.values("country").distinct().count() >= 10
    for smart_list in SmartList.objects.all():
        assert smart_list_member_count(smart_list=smart_list) > 0, smart_list.name

    again = demo_seed(contacts=120, seed=3)
    assert again["skipped"] == 1
    assert again["contacts"] == 0
    assert Contact.objects.count() == 120
    assert Activity.objects.count() == counts["activities"]


@pytest.mark.django_db
def test_demo_seed_is_deterministic() -> None:
    demo_seed(contacts=30, seed=11)
    first = list(Contact.objects.order_by("email").values_list("email", "country", "job_title"))
    Contact.objects.all().delete()
    SmartList.objects.all().delete()
    Company.objects.all().delete()
    demo_seed(contacts=30, seed=11)
    second = list(Contact.objects.order_by("email").values_list("email", "country", "job_title"))
    assert first == second
