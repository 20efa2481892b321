"""`manage.py demo_setup`: the demo `make run` starts with. Idempotent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand

from connector.models import AuthMethod
from connector.selectors import integration_settings_get
from connector.services.bootstrap import MARKETING_ADMINS_GROUP, marketing_admins_group_ensure
from connector.services.credentials import integration_credentials_update
from connector.services.settings import integration_crm_set, integration_sync_set
from marketing.demo import demo_seed

DEMO_USERNAME = "demo"
DEMO_PASSWORD = "demo-password-2024"
# The demo org's External Client App (salesforce_emulator.seed registers it with this
# certificate): the demo connects by JWT bearer, as an org created today must.
DEMO_CERTIFICATE = Path(settings.BASE_DIR) / "var" / "demo" / "jwt-certificate.pem"


def _certificate_for(private_key_pem: str) -> bytes:
    """A self-signed certificate of the demo key (what an admin uploads to the app)."""
    key = serialization.load_pem_private_key(private_key_pem.encode(), password=None)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "hubsync demo")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=3650))
        .sign(key, hashes.SHA256())
    )
    return certificate.public_bytes(serialization.Encoding.PEM)


def _new_private_key() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


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
            from salesforce_emulator.seed import DEMO_CONSUMER_KEY, DEMO_USER

            integration_credentials_update(
                integration_settings=integration_settings,
                method=AuthMethod.JWT,
                username=DEMO_USER["username"],
                consumer_key=DEMO_CONSUMER_KEY,
                private_key=_new_private_key(),
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
            DEMO_CERTIFICATE.write_bytes(
                _certificate_for(integration_settings.get_secret("private_key"))
            )
        self.stdout.write(self.style.SUCCESS(f"demo login: {DEMO_USERNAME} / {DEMO_PASSWORD}"))
