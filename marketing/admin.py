"""Django admin for the marketing database (staff manage every record here)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from marketing.models import (
    Activity,
    Campaign,
    CampaignMember,
    Company,
    Contact,
    CrmTask,
    Opportunity,
    OpportunityContactRole,
    SmartList,
)
from marketing.selectors import smart_list_member_count
from marketing.smart_list_criteria import (
    MAX_SMART_LIST_CONDITIONS,
    SMART_LIST_PROPERTIES,
    SmartListOperator,
)

# The changelist shows this many conditions of a list's criteria, then how many more.
SUMMARY_CONDITIONS = 10


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ("name", "domain", "salesforce_id", "updated_at")
    search_fields = ("name", "domain", "salesforce_id")
    list_filter = ("updated_at",)
    readonly_fields = ("created_at", "updated_at")


class OpportunityRoleInline(admin.TabularInline):
    """The contact's opportunities (copied from Salesforce: read-only here)."""

    model = OpportunityContactRole
    fk_name = "contact"
    extra = 0
    can_delete = False
    fields = ("opportunity", "stage", "amount", "close_date", "role", "is_primary")
    readonly_fields = fields
    verbose_name = "opportunity"
    verbose_name_plural = "Opportunities (from Salesforce)"

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="Stage")
    def stage(self, role: OpportunityContactRole) -> str:
        return role.opportunity.stage

    @admin.display(description="Amount")
    def amount(self, role: OpportunityContactRole) -> str:
        return role.opportunity.amount_with_currency or "—"

    @admin.display(description="Close date")
    def close_date(self, role: OpportunityContactRole) -> date | None:
        return role.opportunity.close_date


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    inlines = (OpportunityRoleInline,)
    list_display = (
        "email",
        "first_name",
        "last_name",
        "company_name",
        "company",
        "country",
        "lifecycle_stage",
        "salesforce_object",
        "updated_at",
    )
    list_filter = ("lifecycle_stage", "salesforce_object", "country")
    search_fields = ("email", "first_name", "last_name", "company_name", "salesforce_id")
    list_select_related = ("company",)
    raw_id_fields = ("owner", "company")
    readonly_fields = ("created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("email", "first_name", "last_name", "phone", "job_title")}),
        ("Company", {"fields": ("company_name", "company")}),
        ("Location", {"fields": ("state", "country")}),
        ("Marketing", {"fields": ("lifecycle_stage", "owner")}),
        ("Salesforce", {"fields": ("salesforce_id", "salesforce_object")}),
        ("History", {"fields": ("created_at", "updated_at")}),
    )


class SmartListAdminForm(forms.ModelForm):
    """The criteria are checked by the model's validators (``validate_criteria``, which caps
    the number of conditions; the JSON bounds of marketing.json_fields, which also parse
    what was typed within them): the page shows the error instead of saving."""

    class Meta:
        model = SmartList
        fields = ("name", "active", "criteria")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["criteria"].help_text = gettext("At most %(max)s conditions.") % {
            "max": MAX_SMART_LIST_CONDITIONS
        }


@admin.register(SmartList)
class SmartListAdmin(admin.ModelAdmin):
    form = SmartListAdminForm
    list_display = ("name", "active", "criteria_summary", "updated_at")
    list_filter = ("active",)
    search_fields = ("name",)
    readonly_fields = ("member_count", "created_at", "updated_at")

    @admin.display(description="Criteria")
    def criteria_summary(self, smart_list: SmartList) -> str:
        """Readable criteria, e.g. ``Country/Region is equal to "Germany" AND ...``."""
        criteria = smart_list.criteria if isinstance(smart_list.criteria, dict) else {}
        joiner = " OR " if criteria.get("match") == "any" else " AND "
        parts = []
        conditions = criteria.get("conditions")
        conditions = conditions if isinstance(conditions, list) else []
        for condition in conditions[:SUMMARY_CONDITIONS]:
            if not isinstance(condition, dict):
                continue
            prop = SMART_LIST_PROPERTIES.get(condition.get("property", ""))
            label = prop.label if prop else str(condition.get("property"))
            operator = condition.get("operator")
            op_label = (
                SmartListOperator(operator).label
                if operator in SmartListOperator.values
                else str(operator)
            )
            value = condition.get("value")
            parts.append(f"{label} {op_label}" + (f' "{value}"' if value else ""))
        more = len(conditions) - SUMMARY_CONDITIONS
        return joiner.join(parts) + (f" … (+{more})" if more > 0 else "")

    @admin.display(description="Contacts in list")
    def member_count(self, smart_list: SmartList) -> int | str:
        # Counted only on the change page: one COUNT query, never per changelist row.
        if smart_list.pk is None:
            return "-"
        try:
            return smart_list_member_count(smart_list=smart_list)
        except ValidationError:
            return "- (invalid criteria)"


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = ("occurred_at", "type", "contact")
    list_filter = ("type", "occurred_at")
    search_fields = ("contact__email", "contact__first_name", "contact__last_name")
    list_select_related = ("contact",)
    raw_id_fields = ("contact",)
    date_hierarchy = "occurred_at"
    readonly_fields = ("created_at",)


@admin.register(CrmTask)
class CrmTaskAdmin(admin.ModelAdmin):
    list_display = ("subject", "kind", "status", "contact", "due_at", "occurred_at", "updated_at")
    list_filter = ("kind", "status")
    search_fields = ("subject", "notes", "contact__email")
    list_select_related = ("contact",)
    raw_id_fields = ("contact",)
    readonly_fields = ("created_at", "updated_at")


class ContactRoleInline(admin.TabularInline):
    model = OpportunityContactRole
    fk_name = "opportunity"
    extra = 0
    can_delete = False
    fields = ("contact", "role", "is_primary")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Opportunity)
class OpportunityAdmin(admin.ModelAdmin):
    """Opportunities the sync copied from Salesforce: to look at, not to edit (Salesforce owns
    them; an edit here would be overwritten by the next sync)."""

    list_display = (
        "name",
        "stage",
        "amount_with_currency",
        "close_date",
        "is_won",
        "owner_name",
        "updated_at",
    )
    list_filter = ("stage", "is_closed", "is_won", "currency")
    search_fields = ("name", "salesforce_id", "contacts__email")
    date_hierarchy = "close_date"
    inlines = (ContactRoleInline,)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("Amount"), ordering="amount")
    def amount_with_currency(self, opportunity: Opportunity) -> str:
        return opportunity.amount_with_currency or "—"

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class CampaignMemberInline(admin.TabularInline):
    model = CampaignMember
    fields = ("contact", "salesforce_person_id", "status", "has_responded", "created_date")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    """Campaigns the sync copied from Salesforce: read-only (Salesforce owns them; hubsync
    writes only members, through smart lists linked on the Campaigns page)."""

    list_display = (
        "name",
        "type",
        "status",
        "is_active",
        "start_date",
        "end_date",
        "salesforce_id",
    )
    list_filter = ("type", "status", "is_active")
    search_fields = ("name", "salesforce_id")
    inlines = (CampaignMemberInline,)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
