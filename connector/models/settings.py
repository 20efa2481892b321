"""The integration's settings row (one per Site) and the field mappings."""

from __future__ import annotations

from django.conf import settings
from django.contrib.sites.models import Site
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from marketing.json_fields import SYNC_WRITTEN_MAX_BYTES, BoundedJSONField
from marketing.models import ActivityType, Contact

from ..credentials.encryption import decrypt_secret, encrypt_secret
from ..validators import (
    INVALID_CHOICE,
    INVALID_LIST,
    WHOLE_NUMBER,
    validate_my_domain,
    validate_salesforce_field_name,
    validate_salesforce_username,
)

# A choice the field does not offer, in the words of the page's select (every writer).
CHOICE_MESSAGES = {"invalid_choice": INVALID_CHOICE}


class AccountSync(models.TextChoices):
    SYNC = "sync", _("Sync Accounts")
    DO_NOT_SYNC = "do_not_sync", _("Do Not Sync")


class ActivityStorage(models.TextChoices):
    TASKS = "tasks", _("Salesforce Tasks")
    CUSTOM_OBJECT = "custom_object", _("Custom object (HubSpot_Intelligence__c)")
    NONE = "none", _("Do not store activity data")


# hubsync's own API call limit: at least one call a day; Salesforce's own ceiling for a
# single org's daily API requests is well below the maximum.
API_CALL_LIMIT_MIN = 1
MAX_API_CALL_LIMIT = 10_000_000

# activity_types is a flat list of ActivityType values.
ACTIVITY_TYPES_MAX_DEPTH = 2
ACTIVITY_TYPES_MAX_BYTES = 4096


def default_activity_types() -> list[str]:
    return list(ActivityType.values)


class NewRecordType(models.TextChoices):
    LEAD = "Lead", _("Lead")
    CONTACT = "Contact", _("Contact")


class AuthMethod(models.TextChoices):
    """How hubsync logs in (SALESFORCE_API.md: SOAP login() is retired in Summer '27)."""

    WEB_SERVER = "web_server", _("Connect with Salesforce (OAuth 2.0 web server flow)")
    JWT = "jwt", _("JWT bearer (server to server)")
    CLIENT_CREDENTIALS = "client_credentials", _("Client credentials")
    PASSWORD = "password", _("Username, password and security token (legacy)")


# The secrets of the credentials: stored encrypted, never rendered, never in history.
SECRET_NAMES = ("password", "security_token", "consumer_secret", "private_key", "refresh_token")


class CredentialsStatus(models.TextChoices):
    UNKNOWN = "unknown", _("Not checked yet")
    VALID = "valid", _("Valid")
    INVALID = "invalid", _("Invalid")


class IntegrationSettings(models.Model):
    """Every control of the Salesforce settings page, one row per installation (Site).

    Password and security token are stored encrypted (connector.credentials.encryption) and are
    only ever read through :meth:`get_password` / :meth:`get_security_token`.
    """

    site = models.OneToOneField(Site, on_delete=models.CASCADE, related_name="integration_settings")

    # 1. Sync on/off
    sync_enabled = models.BooleanField(_("sync enabled"), default=False)
    # Installation feature flag: decides whether the Task sync section is shown.
    crm_enabled = models.BooleanField(
        _("CRM enabled"),
        default=False,
        help_text=_("Whether this installation uses hubsync's CRM (shows the Task sync section)."),
    )

    # 2. Integration version (read from the org by the connector)
    # Stored whole (a custom label's value may be up to 1,000 characters): what the org
    # says is never cut, and never fails a Save on a value nobody typed.
    installed_connector_version = models.TextField(blank=True)
    connector_version_checked_at = models.DateTimeField(null=True, blank=True)

    # 3. Credentials
    auth_method = models.CharField(
        _("login method"),
        max_length=20,
        choices=AuthMethod.choices,
        default=AuthMethod.PASSWORD,
        error_messages=CHOICE_MESSAGES,
    )
    username = models.CharField(
        _("username"),
        max_length=255,
        blank=True,
        validators=[validate_salesforce_username],
    )
    password_encrypted = models.TextField(blank=True, editable=False)
    security_token_encrypted = models.TextField(blank=True, editable=False)
    sandbox = models.BooleanField(_("sandbox"), default=False)
    # The org's My Domain host (acme.my.salesforce.com); blank: login or test.salesforce.com.
    my_domain = models.CharField(
        _("My Domain"), max_length=255, blank=True, validators=[validate_my_domain]
    )
    consumer_key = models.CharField(_("consumer key"), max_length=255, blank=True)
    consumer_secret_encrypted = models.TextField(blank=True, editable=False)
    private_key_encrypted = models.TextField(blank=True, editable=False)
    refresh_token_encrypted = models.TextField(blank=True, editable=False)
    # Who "Connect with Salesforce" connected as (shown on the page).
    connected_username = models.CharField(max_length=255, blank=True)
    connected_org_name = models.CharField(max_length=255, blank=True)
    # The org's instance URL as the last login answered (https://acme.my.salesforce.com):
    # where the page's links to records go.
    instance_url = models.URLField(max_length=255, blank=True)
    # Any secret changed (history shows "changed" from this, never the secret itself).
    secrets_changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    credentials_status = models.CharField(
        max_length=16, choices=CredentialsStatus.choices, default=CredentialsStatus.UNKNOWN
    )
    credentials_error_code = models.CharField(max_length=64, blank=True)
    credentials_error_message = models.TextField(blank=True)
    credentials_checked_at = models.DateTimeField(null=True, blank=True)

    # 4. API call limit (blank = no limit of our own)
    api_call_limit = models.PositiveIntegerField(
        _("API call limit"),
        null=True,
        blank=True,
        validators=[MinValueValidator(API_CALL_LIMIT_MIN), MaxValueValidator(MAX_API_CALL_LIMIT)],
        error_messages={"invalid": WHOLE_NUMBER},
    )
    # Changes from Salesforce as they happen (Change Data Capture through the Pub/Sub API,
    # connector/listener.py), polling only as the safety net. On by default: the listener
    # falls back to polling by itself where the org does not offer it.
    change_events = models.BooleanField(_("receive changes as they happen"), default=True)

    # The org's own daily usage, as Salesforce last reported it (Sforce-Limit-Info).
    org_api_used = models.PositiveIntegerField(null=True, blank=True)
    org_api_max = models.PositiveIntegerField(null=True, blank=True)
    org_api_checked_at = models.DateTimeField(null=True, blank=True)

    # 5.–7. Object sync
    account_sync = models.CharField(
        _("account sync"),
        max_length=16,
        choices=AccountSync.choices,
        default=AccountSync.SYNC,
        error_messages=CHOICE_MESSAGES,
    )
    opportunity_sync = models.BooleanField(_("opportunity sync"), default=True)
    task_sync = models.BooleanField(_("task sync"), default=False)

    # 8. Inclusion list. PROTECT: deleting the list must not silently widen the
    # sync to every contact.
    inclusion_list = models.ForeignKey(
        "marketing.SmartList",
        verbose_name=_("inclusion list"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    # 9. Activity data in Salesforce
    activity_storage = models.CharField(
        _("activity storage"),
        max_length=16,
        choices=ActivityStorage.choices,
        default=ActivityStorage.TASKS,
        error_messages=CHOICE_MESSAGES,
    )
    activity_types = BoundedJSONField(
        _("activity types"),
        default=default_activity_types,
        blank=True,
        max_depth=ACTIVITY_TYPES_MAX_DEPTH,
        max_bytes=ACTIVITY_TYPES_MAX_BYTES,
    )

    # 10. Records created in Salesforce
    create_contact_from_lead = models.BooleanField(default=True)
    create_contact_from_contact = models.BooleanField(default=True)

    # 11. New record type
    new_record_type = models.CharField(
        _("new record type"),
        max_length=8,
        choices=NewRecordType.choices,
        default=NewRecordType.LEAD,
        error_messages=CHOICE_MESSAGES,
    )

    # Salesforce's lead assignment rules for the Leads hubsync creates (Sforce-Auto-Assign);
    # updates never run them.
    lead_assignment_rules = models.BooleanField(default=False)
    # The record type of the Leads / Contacts hubsync creates (a developer name, one of the
    # org's: connector.org_schema); blank (null in settings JSON): the integration user's
    # default record type.
    lead_record_type = models.CharField(max_length=80, blank=True)
    contact_record_type = models.CharField(max_length=80, blank=True)

    # 12. Automatic lifecycle stage transitions
    lifecycle_transitions = models.BooleanField(default=True)

    # 13. State and country picklists
    state_country_picklists = models.BooleanField(default=False)

    # What the last setup check found in the org (connector.services.setup_check).
    org_state_country_picklists = models.BooleanField(null=True, blank=True)
    setup_check = BoundedJSONField(default=dict, blank=True, max_bytes=SYNC_WRITTEN_MAX_BYTES)
    setup_checked_at = models.DateTimeField(null=True, blank=True)

    # 14. Deletes
    delete_when_lead_deleted = models.BooleanField(default=False)
    delete_when_contact_deleted = models.BooleanField(default=False)

    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    # Every change, with who and when (django-simple-history). The sync's own
    # bookkeeping (org usage, version checks) is left out: it is not a setting.
    history = HistoricalRecords(
        excluded_fields=[
            "org_api_used",
            "org_api_max",
            "org_api_checked_at",
            "installed_connector_version",
            "connector_version_checked_at",
            "credentials_checked_at",
            "org_state_country_picklists",
            "setup_check",
            "setup_checked_at",
            "updated_at",
            # Secrets never enter the history; secrets_changed_at records that one changed.
            *(f"{name}_encrypted" for name in SECRET_NAMES),
        ]
    )

    class Meta:
        verbose_name = _("Salesforce integration settings")
        verbose_name_plural = _("Salesforce integration settings")

    def __str__(self) -> str:
        return f"Salesforce integration settings ({self.site.domain})"

    def clean(self) -> None:
        types = self.activity_types
        # Words of the page's checkboxes (a list of ActivityType values), for every writer.
        if not isinstance(types, list) or not all(isinstance(value, str) for value in types):
            raise ValidationError(
                {"activity_types": ValidationError(INVALID_LIST, code="invalid_list")}
            )
        unknown = [value for value in types if value not in ActivityType.values]
        if unknown:
            raise ValidationError(
                {
                    "activity_types": ValidationError(
                        INVALID_CHOICE, code="invalid_choice", params={"value": unknown[0]}
                    )
                }
            )

    # Secrets: stored encrypted, readable only through these accessors.
    def set_secret(self, name: str, raw: str) -> None:
        """Store a secret of SECRET_NAMES (blank clears it)."""
        if name not in SECRET_NAMES:
            raise ValueError(f"not a secret: {name}")
        setattr(self, f"{name}_encrypted", encrypt_secret(raw) if raw else "")
        self.secrets_changed_at = timezone.now()

    def get_secret(self, name: str) -> str:
        if name not in SECRET_NAMES:
            raise ValueError(f"not a secret: {name}")
        return decrypt_secret(getattr(self, f"{name}_encrypted"))

    def has_secret(self, name: str) -> bool:
        return bool(getattr(self, f"{name}_encrypted"))

    def set_password(self, raw: str) -> None:
        self.set_secret("password", raw)

    def get_password(self) -> str:
        return self.get_secret("password")

    def set_security_token(self, raw: str) -> None:
        self.set_secret("security_token", raw)

    def get_security_token(self) -> str:
        return self.get_secret("security_token")

    @property
    def has_password(self) -> bool:
        return self.has_secret("password")

    @property
    def has_security_token(self) -> bool:
        return self.has_secret("security_token")

    @property
    def has_refresh_token(self) -> bool:
        return self.has_secret("refresh_token")

    @property
    def task_sync_active(self) -> bool:
        """Task sync only exists with the CRM feature."""
        return self.crm_enabled and self.task_sync


class SyncRule(models.TextChoices):
    PREFER_SALESFORCE = "prefer_salesforce", _("Prefer Salesforce unless blank")
    ALWAYS_SALESFORCE = "always_salesforce", _("Always use Salesforce")
    TWO_WAY = "two_way", _("Two-way (most recent value wins)")
    DONT_SYNC = "dont_sync", _("Don't sync")


class FieldMapping(models.Model):
    """A hubsync contact property ↔ a Salesforce Lead field and Contact field, with a rule.

    Data, not code: seeded with defaults by a migration, editable in the admin.
    A blank Lead or Contact field means the property does not exist there.
    """

    hubsync_property = models.CharField(max_length=64, unique=True)
    # A Salesforce field's API name: it goes into the SELECT list of every cycle's query.
    lead_field = models.CharField(
        max_length=80, blank=True, validators=[validate_salesforce_field_name]
    )
    contact_field = models.CharField(
        max_length=80, blank=True, validators=[validate_salesforce_field_name]
    )
    sync_rule = models.CharField(max_length=20, choices=SyncRule.choices, default=SyncRule.TWO_WAY)

    # Every change, with who and when: shown in the settings history.
    history = HistoricalRecords()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.hubsync_property} ↔ {self.lead_field or '-'}/{self.contact_field or '-'}"

    def clean(self) -> None:
        names = {field.name for field in Contact._meta.get_fields()}
        if self.hubsync_property not in names:
            raise ValidationError({"hubsync_property": _("Not a contact property.")})
        if not self.lead_field and not self.contact_field:
            raise ValidationError(_("Map the property to a Lead field, a Contact field or both."))
        if self.hubsync_property == "owner" and {self.lead_field, self.contact_field} - {
            "",
            "OwnerId",
        }:
            raise ValidationError(_("The contact owner maps only to OwnerId."))
