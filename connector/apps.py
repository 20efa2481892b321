from __future__ import annotations

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _ensure_groups(sender, **kwargs) -> None:
    from .services import marketing_admins_group_ensure

    marketing_admins_group_ensure()


class ConnectorConfig(AppConfig):
    name = "connector"
    verbose_name = "Salesforce connector"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the system checks)

        # Like contrib.auth's own permissions: the group needs them to exist first.
        post_migrate.connect(_ensure_groups, sender=self)
