"""`manage.py demo_setup`: the demo `make run` starts with. Idempotent. Development only: with
DEBUG off it refuses (one line, exit 2) unless told ``--allow-production``."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError, CommandParser

from connector.credentials.services import integration_credentials_update
from connector.models import AuthMethod
from connector.selectors import integration_settings_get
from connector.services.bootstrap import MARKETING_ADMINS_GROUP, marketing_admins_group_ensure
from connector.services.settings import integration_crm_set, integration_sync_set
from marketing.demo import demo_seed

DEMO_USERNAME = "demo"
DEMO_PASSWORD = "demo-password-2024"
# The demo org's External Client App (the emulator registers it with this certificate,
# --demo-certificate): the demo connects by JWT bearer, as an org created today must.
DEMO_CERTIFICATE = Path(settings.BASE_DIR) / "var" / "demo" / "jwt-certificate.pem"
# hubsync's org in the emulator: its [demo] user and External Client App.
EMULATOR_CONFIG = Path(settings.BASE_DIR) / "salesforce" / "emulator.toml"


def emulator_demo_org():
    """The emulator's demo org as hubsync configures it (``[demo]`` of EMULATOR_CONFIG).
    Imported here: the app never depends on the emulator (the demo extra), the demo does."""
    from salesforce_emulator.config import load_config

    return load_config(EMULATOR_CONFIG).demo


class Command(BaseCommand):
    help = "Create the demo admin, demo marketing data and, with the emulator, its credentials."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="run even with DEBUG off (it creates a superuser with a published password)",
        )

    def handle(self, *args, allow_production: bool = False, **options) -> None:
        if not settings.DEBUG and not allow_production:
            # The demo superuser's password is in the README: never on a production site.
            raise CommandError(
                "demo_setup creates the superuser demo / demo-password-2024 and is for "
                "development only (DEBUG is off); pass --allow-production to run it anyway.",
                returncode=2,
            )
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
            from salesforce_emulator.testing import jwt_key_pair

            demo_org = emulator_demo_org()
            private_key, _certificate = jwt_key_pair("hubsync demo")

            integration_credentials_update(
                integration_settings=integration_settings,
                method=AuthMethod.JWT,
                username=demo_org.username,
                consumer_key=demo_org.consumer_key,
                private_key=private_key,
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
            self.stdout.write("JWT credentials for the emulator's demo org stored.")
        if settings.SALESFORCE_EMULATOR_URL and integration_settings.has_secret("private_key"):
            # The emulator reads it when it seeds its demo org (and after a clean of var/).
            DEMO_CERTIFICATE.parent.mkdir(parents=True, exist_ok=True)
            # Imported here, like the seed above: only the demo depends on the emulator.
            from salesforce_emulator.testing import certificate_for

            DEMO_CERTIFICATE.write_text(
                certificate_for(integration_settings.get_secret("private_key"))
            )
        self.stdout.write(self.style.SUCCESS(f"demo login: {DEMO_USERNAME} / {DEMO_PASSWORD}"))
