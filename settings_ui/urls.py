from __future__ import annotations

from django.urls import path

from . import views, views_campaigns, views_contact, views_credentials, views_mappings, views_owners

app_name = "settings_ui"
urlpatterns = [
    path("integrations/", views.IntegrationsView.as_view(), name="integrations"),
    path(
        "integrations/salesforce/settings/",
        views.SalesforceSettingsView.as_view(),
        name="salesforce_settings",
    ),
    path(
        "integrations/salesforce/credentials/",
        views_credentials.CredentialsView.as_view(),
        name="salesforce_credentials",
    ),
    path(
        "integrations/salesforce/sync/",
        views.SyncToggleView.as_view(),
        name="salesforce_sync_toggle",
    ),
    path(
        "integrations/salesforce/inclusion-list/new/",
        views.InclusionListCreateView.as_view(),
        name="inclusion_list_create",
    ),
    path(
        "integrations/salesforce/status/",
        views.SyncStatusView.as_view(),
        name="salesforce_status",
    ),
    path(
        "integrations/salesforce/test-connection/",
        views_credentials.TestConnectionView.as_view(),
        name="salesforce_test_connection",
    ),
    path(
        "integrations/salesforce/oauth/callback/",
        views_credentials.OAuthCallbackView.as_view(),
        name="salesforce_oauth_callback",
    ),
    path(
        "integrations/salesforce/oauth/disconnect/",
        views_credentials.OAuthDisconnectView.as_view(),
        name="salesforce_oauth_disconnect",
    ),
    path(
        "integrations/salesforce/setup-check/",
        views_credentials.SetupCheckView.as_view(),
        name="salesforce_setup_check",
    ),
    path("integrations/salesforce/errors/", views.SyncErrorsView.as_view(), name="sync_errors"),
    path(
        "integrations/salesforce/contacts/<int:pk>/",
        views_contact.ContactSyncView.as_view(),
        name="contact_sync",
    ),
    path(
        "integrations/salesforce/field-mappings/",
        views_mappings.FieldMappingsView.as_view(),
        name="field_mappings",
    ),
    path(
        "integrations/salesforce/users/",
        views_owners.UsersView.as_view(),
        name="salesforce_users",
    ),
    path(
        "integrations/salesforce/campaigns/",
        views_campaigns.CampaignsView.as_view(),
        name="salesforce_campaigns",
    ),
    path(
        "integrations/salesforce/held-deletions/",
        views.HeldDeletionsView.as_view(),
        name="held_deletions",
    ),
    path(
        "integrations/salesforce/held-deletions/approve/",
        views.HeldDeletionsApproveView.as_view(),
        name="held_deletions_approve",
    ),
    path(
        "integrations/salesforce/held-deletions/discard/",
        views.HeldDeletionsDiscardView.as_view(),
        name="held_deletions_discard",
    ),
    path(
        "integrations/salesforce/errors/retry/",
        views.SyncErrorsRetryView.as_view(),
        name="sync_errors_retry",
    ),
    path(
        "integrations/salesforce/errors.csv",
        views.SyncErrorsCsvView.as_view(),
        name="sync_errors_csv",
    ),
]
