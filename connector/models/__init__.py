"""The connector's models, by concern (Django finds them through these imports).

- ``settings``: the integration's settings row and the field mappings
- ``sync_state``: the push queue, failures, runs, the cycle lock, watermarks, API usage
- ``records``: collisions, deletes (and held ones), task/activity links, sync history
- ``org_schema``: the org's own picklist values and record types (from describe)
- ``events``: the Change Data Capture subscription (replay id, state)
- ``owners``: the org's users and queues, user matches set by hand
- ``campaigns``: smart lists linked to Salesforce campaigns
"""

from .campaigns import CampaignLink, CampaignLinkMember
from .events import ChangeEventState, ChangeEventStream
from .org_schema import OrgSchema
from .owners import SalesforceUser, UserMapping
from .records import (
    ActivityLink,
    ContactSyncEvent,
    CrmTaskLink,
    DeletionAction,
    EmailCollision,
    HeldDeletion,
    SalesforceDeletion,
    SyncEventOutcome,
)
from .settings import (
    API_CALL_LIMIT_MIN,
    MAX_API_CALL_LIMIT,
    SECRET_NAMES,
    AccountSync,
    ActivityStorage,
    AuthMethod,
    CredentialsStatus,
    FieldMapping,
    IntegrationSettings,
    NewRecordType,
    SyncRule,
    default_activity_types,
)
from .sync_state import (
    ApiCallBucket,
    ContactSyncState,
    CycleLock,
    OrgUsageSample,
    SyncCursor,
    SyncDirection,
    SyncError,
    SyncRun,
    SyncRunStatus,
)

__all__ = [
    "API_CALL_LIMIT_MIN",
    "MAX_API_CALL_LIMIT",
    "CampaignLink",
    "CampaignLinkMember",
    "SalesforceUser",
    "UserMapping",
    "ChangeEventState",
    "ChangeEventStream",
    "OrgSchema",
    "SECRET_NAMES",
    "AccountSync",
    "AuthMethod",
    "ActivityLink",
    "ActivityStorage",
    "ApiCallBucket",
    "ContactSyncEvent",
    "ContactSyncState",
    "CredentialsStatus",
    "CrmTaskLink",
    "CycleLock",
    "DeletionAction",
    "EmailCollision",
    "FieldMapping",
    "HeldDeletion",
    "IntegrationSettings",
    "NewRecordType",
    "OrgUsageSample",
    "SalesforceDeletion",
    "SyncCursor",
    "SyncDirection",
    "SyncError",
    "SyncEventOutcome",
    "SyncRule",
    "SyncRun",
    "SyncRunStatus",
    "default_activity_types",
]
