"""*Integrations → Salesforce → Field mappings*: marketing admins map each hubsync property
to the org's Lead and Contact fields (from its describe) with a sync rule."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import View

from connector.org_schema import org_schema_get
from connector.selectors import field_mappings_list, integration_settings_get
from connector.services.mappings import field_mappings_save

from ..forms_mappings import FieldMappingForm
from .base import MANAGE_PERMISSION

TEMPLATE = "settings_ui/field_mappings.html"


class FieldMappingsView(LoginRequiredMixin, View):
    """Every logged-in user may look; saving needs the change permission (Marketing admins)."""

    def _forms(self, request: HttpRequest, data: Any = None) -> list[FieldMappingForm]:
        integration_settings = integration_settings_get()
        return [
            FieldMappingForm(data, mapping=mapping, integration_settings=integration_settings)
            for mapping in field_mappings_list()
        ]

    def _render(self, request: HttpRequest, forms: list[FieldMappingForm]) -> HttpResponse:
        schema = org_schema_get(integration_settings_get())
        can_manage = request.user.has_perm(MANAGE_PERMISSION)
        if not can_manage:
            for form in forms:
                for field in form.fields.values():
                    field.disabled = True
        return render(
            request,
            TEMPLATE,
            {
                "forms": forms,
                "can_manage": can_manage,
                "describe_read_at": schema.fetched_at if schema.fields else None,
            },
        )

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._render(request, self._forms(request))

    def post(self, request: HttpRequest) -> HttpResponse:
        if not request.user.has_perm(MANAGE_PERMISSION):
            raise PermissionDenied
        forms = self._forms(request, request.POST)
        if not all([form.is_valid() for form in forms]):
            messages.error(request, _("Nothing was saved: fix the mappings marked below."))
            return self._render(request, forms)
        changes = {form.mapping: form.changes() for form in forms if form.changes()}
        try:
            count = field_mappings_save(
                integration_settings=integration_settings_get(),
                changes=changes,
                acting_user=request.user,
            )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
            return self._render(request, forms)
        messages.success(
            request,
            ngettext("%(count)s mapping saved.", "%(count)s mappings saved.", count)
            % {"count": count},
        )
        return HttpResponseRedirect(reverse("settings_ui:field_mappings"))
