from __future__ import annotations

from django.apps import AppConfig
from django.db import transaction
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate, post_save

# The services below import models: they are imported inside the handlers, which run once
# the app registry is ready (an app module's top level runs before it is).


def _ensure_groups(sender, using: str = "default", **kwargs) -> None:
    from .services.bootstrap import field_mappings_ensure_defaults, marketing_admins_group_ensure

    if not _fully_migrated(using):
        # `migrate connector 0006` (a rollback, or an older release's state): today's models
        # do not match those tables yet; the final `migrate` runs this.
        return
    marketing_admins_group_ensure()
    field_mappings_ensure_defaults()


def _fully_migrated(using: str) -> bool:
    from django.db import connections
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connections[using])
    targets = [
        node
        for node in executor.loader.graph.leaf_nodes()
        if node[0] in ("auth", "connector", "marketing")
    ]
    return not executor.migration_plan(targets)


def _contact_saved(sender, **kwargs) -> None:
    # Enqueueing is what signals are for (STYLE.md 3): the push itself reads the queue.
    from .services.jobs import contact_edited_enqueue

    transaction.on_commit(contact_edited_enqueue)


class ConnectorConfig(AppConfig):
    name = "connector"
    verbose_name = "Salesforce connector"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the system checks)
        from .db_loaders import timestamptz_loader_register
        from .db_lookups import array_in_register

        array_in_register()
        connection_created.connect(
            timestamptz_loader_register, dispatch_uid="connector-timestamptz-loader"
        )

        # Like contrib.auth's own permissions: the group needs them to exist first.
        post_migrate.connect(_ensure_groups, sender=self)
        post_save.connect(
            _contact_saved, sender="marketing.Contact", dispatch_uid="connector-contact-saved"
        )
