"""Forms of the Salesforce settings page. They validate and present; services save.

(*Create Inclusion List* has its own module: forms_inclusion.py.)"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Div, Field, Fieldset, Layout, Submit
from django import forms
from django.core.exceptions import ValidationError
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from connector.models import (
    API_CALL_LIMIT_MIN,
    MAX_API_CALL_LIMIT,
    AccountSync,
    ActivityStorage,
    IntegrationSettings,
    NewRecordType,
)
from connector.org_schema import record_types
from connector.services.settings import SETTINGS_FIELDS, integration_settings_clean
from connector.validators import form_errors_add
from marketing.models import ActivityType, SmartList

from .forms_help import (
    HELP_ACCOUNT_SYNC,
    HELP_CHANGE_EVENTS,
    HELP_OPPORTUNITY_SYNC,
    HELP_TASK_SYNC,
)
from .widgets import ManyOptionsSelect

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

YES_NO = ((True, _("Yes")), (False, _("No")))
ON_OFF = ((True, _("On")), (False, _("Off")))
API_USAGE_DOCS_URL = (
    "https://developer.salesforce.com/docs/atlas.en-us.salesforce_app_limits_cheatsheet.meta/"
    "salesforce_app_limits_cheatsheet/salesforce_app_limits_platform_api.htm"
)
SHARING_SETTINGS_DOCS_URL = "https://help.salesforce.com/s/articleView?id=sf.admin_sharing.htm"


def _bool_choice(
    label: StrOrPromise, choices: Any = YES_NO, help_text: StrOrPromise = ""
) -> forms.TypedChoiceField:

    return forms.TypedChoiceField(
        label=label,
        choices=choices,
        coerce=lambda value: value in (True, "True", "true", "1", 1),
        help_text=help_text,
    )


class SyncToggleForm(forms.Form):
    """The big on/off button: a form of its own that acts at once."""

    sync_enabled = forms.TypedChoiceField(
        choices=((True, "on"), (False, "off")),
        coerce=lambda value: value == "True",
        widget=forms.HiddenInput,
    )


class InclusionListField(forms.ModelChoiceField):
    """Offers the active smart lists (and the one selected), but reads any list posted: whether
    it may be the inclusion list is the service's rule (an inactive one is refused there, in
    the words the import and the admin use too)."""

    def to_python(self, value: Any) -> SmartList | None:
        if value in self.empty_values:
            return None
        try:
            return SmartList.objects.get(pk=value)
        except (ValueError, TypeError, SmartList.DoesNotExist):
            raise ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": value},
            ) from None


class IntegrationSettingsForm(forms.Form):
    """Sections 4–14 of the page, saved at once by the blue Save button.

    A plain Form (not a ModelForm) so that validating never touches the model
    instance: the service compares old and new values to decide which sync
    jobs a change calls for. The fields read what a browser posts; the rules of the
    values are the service's (connector.services.settings.integration_settings_clean),
    shown on the fields.
    """

    api_call_limit = forms.IntegerField(
        label=_("API call limit"),
        required=False,
        help_text=_("Leave blank for no limit of hubsync's own."),
        # The model's bounds, for the browser; the service judges them.
        widget=forms.NumberInput(
            attrs={
                "aria-describedby": "api-usage",
                "min": API_CALL_LIMIT_MIN,
                "max": MAX_API_CALL_LIMIT,
            }
        ),
    )
    change_events = forms.BooleanField(
        label=_("Receive changes as they happen (Change Data Capture)"),
        required=False,
        help_text=HELP_CHANGE_EVENTS,
    )
    account_sync = forms.ChoiceField(
        label=_("Account sync"),
        choices=AccountSync.choices,
        help_text=HELP_ACCOUNT_SYNC,
    )
    opportunity_sync = _bool_choice(
        _("Opportunity sync"),
        ON_OFF,
        help_text=HELP_OPPORTUNITY_SYNC,
    )
    task_sync = _bool_choice(
        _("Task sync"),
        ON_OFF,
        help_text=HELP_TASK_SYNC,
    )
    inclusion_list = InclusionListField(
        label=_("Inclusion list"),
        queryset=SmartList.objects.none(),
        required=False,
        empty_label=_("-- No Inclusion List --"),
        widget=ManyOptionsSelect,
        help_text=_(
            "Limits which contacts sync from hubsync to Salesforce. Not every contact who fills "
            "in a form is a qualified lead: only contacts in this smart list are sent, so "
            "Salesforce is not cluttered with leads your sales team does not want yet. "
            "Contacts outside the list receive no updates from Salesforce until they match "
            "again. No inclusion list: every contact syncs. Create Inclusion List builds a "
            "new smart list and brings you back here with it selected."
        ),
    )
    activity_storage = forms.ChoiceField(
        label=_("Store activity data in Salesforce as"),
        choices=ActivityStorage.choices,
        widget=forms.RadioSelect,
    )
    activity_types = forms.MultipleChoiceField(
        label=_("Activity types"),
        choices=ActivityType.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    create_contact_from_lead = forms.BooleanField(
        label=_("Create a contact in hubsync when a Lead is created in Salesforce"),
        required=False,
    )
    create_contact_from_contact = forms.BooleanField(
        label=_("Create a contact in hubsync when a Contact is created in Salesforce"),
        required=False,
    )
    new_record_type = forms.ChoiceField(
        label=_("New record type"),
        choices=NewRecordType.choices,
        help_text=_(
            "By default, Contacts are visible only to their owner and users above the owner in "
            "the role hierarchy. If hubsync creates Contacts, your org's sharing settings may "
            "need to change."
        ),
    )
    lead_assignment_rules = forms.BooleanField(
        label=_("Run Salesforce lead assignment rules for new Leads"),
        required=False,
        help_text=_(
            "Off: new Leads keep the integration user as owner. Updates never run assignment "
            "rules, so an owner your sales team set is never re-routed."
        ),
    )
    lead_record_type = forms.CharField(
        label=_("Record type of new Leads"), required=False, widget=forms.Select
    )
    contact_record_type = forms.CharField(
        label=_("Record type of new Contacts"), required=False, widget=forms.Select
    )
    lifecycle_transitions = _bool_choice(_("Automatic lifecycle stage transitions"))
    state_country_picklists = _bool_choice(
        _("State and country picklists in Salesforce"),
        help_text=_("Must match your Salesforce org's setting."),
    )
    delete_when_lead_deleted = forms.BooleanField(
        label=_("Delete the contact in hubsync when a Lead is deleted in Salesforce"),
        required=False,
    )
    delete_when_contact_deleted = forms.BooleanField(
        label=_("Delete the contact in hubsync when a Contact is deleted in Salesforce"),
        required=False,
    )

    def __init__(
        self,
        data: Mapping[str, Any] | None = None,
        *,
        integration_settings: IntegrationSettings,
        read_only: bool = False,
        api_calls_used: int = 0,
        crm_enabled: bool | None = None,
        **kwargs: Any,
    ):
        self.instance = integration_settings
        initial = {name: getattr(integration_settings, name) for name in SETTINGS_FIELDS}
        initial["inclusion_list"] = integration_settings.inclusion_list_id
        initial.update(kwargs.pop("initial", None) or {})
        super().__init__(data, initial=initial, **kwargs)
        current = self.instance.inclusion_list_id
        smart_lists = SmartList.objects.filter(active=True)
        if current:
            # Keep an inactive list that is already selected, so a save does not drop it.
            smart_lists = SmartList.objects.filter(active=True) | SmartList.objects.filter(
                pk=current
            )
        inclusion_list = self.fields["inclusion_list"]
        assert isinstance(inclusion_list, forms.ModelChoiceField)
        # The options need only each list's id and name (not its criteria).
        inclusion_list.queryset = smart_lists.order_by("name").only("pk", "name")
        if not (self.instance.crm_enabled if crm_enabled is None else crm_enabled):
            del self.fields["task_sync"]
        for object_type in ("Lead", "Contact"):
            self._record_type_choices(object_type)
        if read_only:
            for field in self.fields.values():
                field.disabled = True
        self.helper = FormHelper()
        self.helper.form_id = "settings-form"
        self.helper.form_tag = False
        self.helper.layout = self._layout(read_only=read_only, api_calls_used=api_calls_used)

    def _layout(self, *, read_only: bool, api_calls_used: int) -> Layout:
        limit = self.instance.api_call_limit
        if limit:
            usage_text = _("%(used)s of %(limit)s calls used in the last 24 hours") % {
                "used": number_format(api_calls_used, force_grouping=True),
                "limit": number_format(limit, force_grouping=True),
            }
        else:
            usage_text = _(
                "%(used)s calls used in the last 24 hours (no limit of hubsync's own)"
            ) % {"used": number_format(api_calls_used, force_grouping=True)}
        org_text = ""
        if self.instance.org_api_max:
            org_text = str(
                _("Salesforce reports %(used)s of %(max)s API requests used by the whole org.")
                % {
                    "used": number_format(self.instance.org_api_used or 0, force_grouping=True),
                    "max": number_format(self.instance.org_api_max, force_grouping=True),
                }
            )
        docs_label = _("Salesforce API usage limits")
        usage = HTML(
            '{% include "settings_ui/_usage_chart.html" %}'
            f'<p id="api-usage" class="form-text">{usage_text} · '
            f'<a href="{API_USAGE_DOCS_URL}" target="_blank" rel="noopener">'
            f"{docs_label}</a>"
            f'<br><span id="org-api-usage">{org_text}</span></p>'
        )

        def section(key: str, title, *fields) -> Fieldset:
            # A field labelled like its section: the legend is the heading, the label is
            # kept for screen readers only (static/css/hubsync.css).
            fields = tuple(
                Field(f, wrapper_class="label-in-legend")
                if isinstance(f, str) and str(self.fields[f].label).lower() == str(title).lower()
                else f
                for f in fields
            )
            return Fieldset(title, *fields, css_id=f"section-{key}", css_class="mb-4")

        inclusion_button = HTML(
            ""
            if read_only
            else '<button type="submit" name="create_inclusion_list" value="1" '
            'class="btn btn-outline-secondary btn-sm mb-3" formnovalidate>'
            + str(_("Create Inclusion List"))
            + "</button>"
        )
        sections = [
            section("api-limit", _("API Call Limit"), "api_call_limit", usage),
            section("change-events", _("Changes from Salesforce"), "change_events"),
            section("account-sync", _("Account Sync"), "account_sync"),
            section("opportunity-sync", _("Opportunity Sync"), "opportunity_sync"),
        ]
        if "task_sync" in self.fields:
            sections.append(section("task-sync", _("Task Sync"), "task_sync"))
        sections += [
            section("inclusion-list", _("Inclusion List"), "inclusion_list", inclusion_button),
            section(
                "activity-data",
                _("Store activity data in Salesforce"),
                "activity_storage",
                "activity_types",
            ),
            section(
                "records-created",
                _("Records created in Salesforce"),
                "create_contact_from_lead",
                "create_contact_from_contact",
            ),
            section(
                "new-record-type",
                _("New record type"),
                "new_record_type",
                "lead_assignment_rules",
                "lead_record_type",
                "contact_record_type",
            ),
            section(
                "lifecycle", _("Automatic lifecycle stage transitions"), "lifecycle_transitions"
            ),
            section(
                "picklists",
                _("State and country picklists in Salesforce"),
                "state_country_picklists",
            ),
            section(
                "deletes",
                _("Delete in hubsync what was deleted in Salesforce"),
                "delete_when_lead_deleted",
                "delete_when_contact_deleted",
            ),
        ]
        if not read_only:
            sections.append(
                Div(Submit("save", _("Save"), css_class="btn-primary btn-lg"), css_class="mt-3")
            )
        return Layout(*sections)

    def _record_type_choices(self, object_type: str) -> None:
        """The org's record types (as the setup check last read them) for new records."""
        name = f"{object_type.lower()}_record_type"
        read = record_types(self.instance, object_type)
        known = read or []
        default = next((t["name"] for t in known if t["default"]), None)
        label = (
            _("The integration user's default (%(name)s)") % {"name": default}
            if default
            else _("The integration user's default")
        )
        choices = [("", label)] + [(t["developer_name"], t["name"]) for t in known]
        current = getattr(self.instance, name)
        if current and current not in {value for value, _ in choices}:
            choices.append((current, current))
        self.fields[name].widget.choices = choices
        self.fields[name].help_text = (
            _("The org's record types show here once the setup check has read them.")
            if read is None
            else ""
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        # Every rule of the stored values (the model's, the org's record types and picklists,
        # the inclusion list, activity types): the service's, shown on the fields (no network
        # call). What it returns is what is saved.
        given = {name: cleaned[name] for name in self.fields if name in cleaned}
        try:
            cleaned.update(
                integration_settings_clean(integration_settings=self.instance, data=given)
            )
        except ValidationError as error:
            form_errors_add(self, error)
        return cleaned

    def settings_data(self) -> dict[str, Any]:
        """The cleaned values, keyed like the service expects."""
        return {name: self.cleaned_data[name] for name in self.fields}
