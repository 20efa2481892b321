"""Account menu → Integrations: the list of integrations."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin
from django.views.generic import TemplateView

from connector.selectors import (
    integration_settings_get,
)
from connector.status import sync_status_get


class IntegrationsView(LoginRequiredMixin, TemplateView):
    """Account menu → Integrations: the list of integrations (Salesforce)."""

    template_name = "settings_ui/integrations.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        integration_settings = integration_settings_get()
        return super().get_context_data(
            integration_settings=integration_settings,
            status=sync_status_get(integration_settings=integration_settings),
            **kwargs,
        )
