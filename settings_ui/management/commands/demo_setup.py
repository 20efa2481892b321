"""`manage.py demo_setup`: the demo `make run` starts with. Idempotent."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand

from connector.selectors import integration_settings_get
from connector.services.bootstrap import MARKETING_ADMINS_GROUP, marketing_admins_group_ensure
from connector.services.settings import (
    integration_credentials_update,
    integration_crm_set,
    integration_sync_set,
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
            # Imported only here: the app never depends on the emulator, the demo does.
            from salesforce_emulator.seed import DEMO_USER

            integration_credentials_update(
                integration_settings=integration_settings,
                username=DEMO_USER["username"],
                password=DEMO_USER["password"],
                security_token=DEMO_USER["security_token"],
                sandbox=False,
                acting_user=user,
            )
            integration_crm_set(
                integration_settings=integration_settings, enabled=True, acting_user=user
            )
            # Turning the sync on queues the first cycle: it runs as soon as the worker starts.
            integration_sync_set(
                integration_settings=integration_settings, enabled=True, acting_user=user
            )
            self.stdout.write("Salesforce credentials of the emulator's demo org stored.")
        self.stdout.write(self.style.SUCCESS(f"demo login: {DEMO_USERNAME} / {DEMO_PASSWORD}"))
