from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from simple_history.admin import SimpleHistoryAdmin

from marketing.admin import ContactAdmin
from marketing.models import Contact

from .admin_forms import (
    CREDENTIAL_FIELDS,
    FieldMappingAdminForm,
    IntegrationSettingsAdminForm,
    field_mapping_changelist_form,
)
from .credentials.services import integration_credentials_update
from .messages import in_language
from .models import (
    ApiCallBucket,
    ContactSyncEvent,
    ContactSyncState,
    EmailCollision,
    FieldMapping,
    IntegrationSettings,
    SyncError,
    SyncRun,
)
from .selectors import integration_settings_get
from .services.mappings import field_mapping_save
from .services.settings import (
    SETTINGS_FIELDS,
    integration_crm_set,
    integration_settings_update,
    integration_sync_set,
)


class NoAddAdmin(admin.ModelAdmin):
    """Rows hubsync writes itself (the one settings row per installation, what the sync
    records): staff read, correct or delete them, but an added one would be made up."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(IntegrationSettings)
class IntegrationSettingsAdmin(NoAddAdmin, SimpleHistoryAdmin):
    """Staff edit the installation flags here; secrets are never shown (only whether one is set).
    The form holds every value to the services' rules (a refused value is a field error)."""

    form = IntegrationSettingsAdminForm

    list_display = (
        "site",
        "sync_enabled",
        "crm_enabled",
        "username",
        "sandbox",
        "credentials_status",
        "new_record_type",
        "inclusion_list",
        "updated_at",
    )
    list_filter = ("sync_enabled", "crm_enabled", "sandbox", "credentials_status")
    search_fields = ("username", "site__domain")
    list_select_related = ("site", "inclusion_list")
    readonly_fields = (
        "has_password",
        "has_security_token",
        "credentials_status",
        "credentials_error_code",
        "credentials_error_message",
        "credentials_checked_at",
        "installed_connector_version",
        "connector_version_checked_at",
        "updated_at",
        "updated_by",
    )
    fieldsets = (
        (None, {"fields": ("site", "sync_enabled", "crm_enabled")}),
        (
            "Credentials",
            {
                "fields": (
                    "auth_method",
                    "username",
                    "my_domain",
                    "consumer_key",
                    "has_password",
                    "has_security_token",
                    "sandbox",
                    "credentials_status",
                    "credentials_error_code",
                    "credentials_error_message",
                    "credentials_checked_at",
                )
            },
        ),
        (
            "Sync",
            {"fields": SETTINGS_FIELDS},
        ),
        (
            "Connector",
            {
                "fields": (
                    "installed_connector_version",
                    "connector_version_checked_at",
                    "updated_at",
                    "updated_by",
                )
            },
        ),
    )

    def get_readonly_fields(self, request: HttpRequest, obj: IntegrationSettings | None = None):
        # A row belongs to its site for good: there is no service that moves it.
        return (*self.readonly_fields, "site") if obj else self.readonly_fields

    def save_model(
        self,
        request: HttpRequest,
        obj: IntegrationSettings,
        form: forms.ModelForm,
        change: bool,
    ) -> None:
        """Write through the services, as the settings page does, so that a change made
        here unparks, backfills and enqueues alike. Only what changed is written."""
        # ``obj`` holds the posted values already; the services compare with the stored row
        # (for a new site's row: its defaults).
        stored = integration_settings_get(site=obj.site)
        changed, values = set(form.changed_data), form.cleaned_data
        user = request.user
        if "crm_enabled" in changed:
            integration_crm_set(
                integration_settings=stored, enabled=values["crm_enabled"], acting_user=user
            )
        credentials = {
            CREDENTIAL_FIELDS[name]: values[name] for name in CREDENTIAL_FIELDS if name in changed
        }
        if credentials:  # the secrets are never in this form: the stored ones stay
            integration_credentials_update(
                integration_settings=stored, acting_user=user, **credentials
            )
        settings_changed = {name: values[name] for name in SETTINGS_FIELDS if name in changed}
        if settings_changed:
            integration_settings_update(
                integration_settings=stored, data=settings_changed, acting_user=user
            )
        if "sync_enabled" in changed:
            integration_sync_set(
                integration_settings=stored, enabled=values["sync_enabled"], acting_user=user
            )
        # The admin goes on with ``obj`` (the log entry, the redirect): make it the saved row.
        obj.pk, obj._state.adding = stored.pk, False
        obj.refresh_from_db()

    @admin.display(boolean=True, description="Password stored")
    def has_password(self, obj: IntegrationSettings) -> bool:
        return obj.has_password

    @admin.display(boolean=True, description="Security token stored")
    def has_security_token(self, obj: IntegrationSettings) -> bool:
        return obj.has_security_token


@admin.register(ApiCallBucket)
class ApiCallBucketAdmin(NoAddAdmin):
    list_display = ("minute", "calls")
    date_hierarchy = "minute"


@admin.register(FieldMapping)
class FieldMappingAdmin(admin.ModelAdmin):
    form = FieldMappingAdminForm
    list_display = ("hubsync_property", "lead_field", "contact_field", "sync_rule")
    list_editable = ("sync_rule",)
    list_filter = ("sync_rule",)
    search_fields = ("hubsync_property", "lead_field", "contact_field")

    def get_changelist_form(self, request: HttpRequest, **kwargs: Any) -> type[forms.ModelForm]:
        # The list's editable sync rule is held to the same rules as the change form.
        return field_mapping_changelist_form(**kwargs)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        field_mapping_save(mapping=obj, acting_user=request.user)


@admin.register(SyncRun)
class SyncRunAdmin(NoAddAdmin):
    list_display = ("started_at", "trigger", "status", "api_calls", "errors", "finished_at")
    list_filter = ("status", "trigger")
    readonly_fields = [f.name for f in SyncRun._meta.fields]
    date_hierarchy = "started_at"


@admin.register(SyncError)
class SyncErrorAdmin(NoAddAdmin):
    list_display = (
        "updated_at",
        "direction",
        "object_type",
        "contact",
        "code",
        "message",
        "attempts",
        "next_retry_at",
        "parked",
        "resolved_at",
    )
    list_filter = (
        "direction",
        "object_type",
        "code",
        "parked",
        ("resolved_at", admin.EmptyFieldListFilter),
    )
    search_fields = ("code", "message", "salesforce_id", "contact__email")
    list_select_related = ("contact",)
    raw_id_fields = ("contact",)


@admin.register(ContactSyncState)
class ContactSyncStateAdmin(NoAddAdmin):
    list_display = (
        "contact",
        "due",
        "attempts",
        "parked",
        "not_before",
        "claimed_at",
        "last_pushed_at",
    )
    list_filter = ("due", "parked")
    search_fields = ("contact__email",)
    list_select_related = ("contact",)
    raw_id_fields = ("contact",)


@admin.register(ContactSyncEvent)
class ContactSyncEventAdmin(NoAddAdmin):
    list_display = ("at", "contact", "direction", "object_type", "outcome", "detail")
    list_filter = ("direction", "outcome", "object_type")
    search_fields = ("contact__email", "salesforce_id")
    list_select_related = ("contact",)
    raw_id_fields = ("contact",)


@admin.register(EmailCollision)
class EmailCollisionAdmin(NoAddAdmin):
    list_display = ("detected_at", "email", "chosen_id", "other_ids")
    search_fields = ("email", "chosen_id")


# The contact's admin page shows its sync history. Registered from here (not from
# marketing/admin.py) so that the marketing app never depends on the connector.
admin.site.unregister(Contact)


@admin.register(Contact)
class ContactWithSyncHistoryAdmin(ContactAdmin):
    HISTORY_LENGTH = 25

    def get_readonly_fields(self, request, obj=None):
        return (*super().get_readonly_fields(request, obj), "sync_history")

    def get_fieldsets(self, request, obj=None):
        return (
            *super().get_fieldsets(request, obj),
            ("Salesforce sync history", {"fields": ("sync_history",)}),
        )

    @admin.display(description="Sync history")
    def sync_history(self, obj: Contact) -> str:
        events = list(obj.sync_events.all()[: self.HISTORY_LENGTH]) if obj.pk else []
        if not events:
            return "No sync yet."
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{} {}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    date_format(timezone.localtime(e.at), "DATETIME_FORMAT"),
                    e.get_direction_display(),
                    e.object_type,
                    e.salesforce_id,
                    ", ".join(e.fields) or "—",
                    e.get_outcome_display(),
                    in_language(e.detail_read),
                )
                for e in events
            ),
        )
        return format_html(
            '<table id="sync-history"><thead><tr><th>When</th><th>Direction</th>'
            "<th>Salesforce record</th><th>Fields</th><th>Outcome</th><th>Detail</th></tr>"
            "</thead><tbody>{}</tbody></table>",
            rows,
        )
