"""`manage.py demo_setup`: the demo `make run` starts with. Idempotent."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand

from connector.selectors import integration_settings_get
from connector.services import (
    MARKETING_ADMINS_GROUP,
    integration_credentials_update,
    marketing_admins_group_ensure,
    sync_enqueue,
)
from marketing.demo import demo_seed

DEMO_USERNAME = "demo"
DEMO_PASSWORD = "demo-password-2024"


class Command(BaseCommand):
    help = "Create the demo admin, demo marketing data and, with the emulator, its credentials."

    def handle(self, *args, **options) -> None:
        user_model = get_user_model()
        user = user_model.objects.filter(username=DEMO_USERNAME).first()
        if user is None:
            user = user_model.objects.create_superuser(
                username=DEMO_USERNAME, email="demo@hubsync.example", password=DEMO_PASSWORD
            )
        marketing_admins_group_ensure()
        user.groups.add(Group.objects.get(name=MARKETING_ADMINS_GROUP))
        counts = demo_seed()
        self.stdout.write(f"demo data: {counts}")

        integration_settings = integration_settings_get()
        if settings.SALESFORCE_EMULATOR_URL and not integration_settings.username:
            # The emulator's demo org: a working integration without a Salesforce account.
            from salesforce_emulator.seed import DEMO_USER

            integration_credentials_update(
                integration_settings=integration_settings,
                username=DEMO_USER["username"],
                password=DEMO_USER["password"],
                security_token=DEMO_USER["security_token"],
                sandbox=False,
                acting_user=user,
            )
            integration_settings.crm_enabled = True
            integration_settings.sync_enabled = True
            integration_settings.save(update_fields=["crm_enabled", "sync_enabled"])
            # The first cycle runs as soon as the worker starts.
            sync_enqueue(trigger="demo_setup")
            self.stdout.write("Salesforce credentials of the emulator's demo org stored.")
        self.stdout.write(self.style.SUCCESS(f"demo login: {DEMO_USERNAME} / {DEMO_PASSWORD}"))
