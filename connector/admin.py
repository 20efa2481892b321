from __future__ import annotations

from django.contrib import admin

from .models import ApiCallBucket, IntegrationSettings


@admin.register(IntegrationSettings)
class IntegrationSettingsAdmin(admin.ModelAdmin):
    """Staff edit the installation flags here; secrets are never shown (only whether one is set)."""

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
                    "username",
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
            {
                "fields": (
                    "api_call_limit",
                    "account_sync",
                    "opportunity_sync",
                    "task_sync",
                    "inclusion_list",
                    "activity_storage",
                    "activity_types",
                    "create_contact_from_lead",
                    "create_contact_from_contact",
                    "new_record_type",
                    "lifecycle_transitions",
                    "state_country_picklists",
                    "delete_when_lead_deleted",
                    "delete_when_contact_deleted",
                )
            },
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

    @admin.display(boolean=True, description="Password stored")
    def has_password(self, obj: IntegrationSettings) -> bool:
        return obj.has_password

    @admin.display(boolean=True, description="Security token stored")
    def has_security_token(self, obj: IntegrationSettings) -> bool:
        return obj.has_security_token


@admin.register(ApiCallBucket)
class ApiCallBucketAdmin(admin.ModelAdmin):
    list_display = ("minute", "calls")
    date_hierarchy = "minute"
