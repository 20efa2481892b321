"""*Create Inclusion List*: a new smart list built from conditions (the settings page's
inclusion list section links here)."""

from __future__ import annotations

from typing import Any

from crispy_forms.helper import FormHelper
from django import forms
from django.utils.translation import gettext_lazy as _

from marketing.models import SmartList
from marketing.smart_list_criteria import (
    MAX_SMART_LIST_CONDITIONS,
    SMART_LIST_PROPERTIES,
    SmartListMatch,
    SmartListOperator,
    validate_criteria,
)


class SmartListConditionForm(forms.Form):
    """One row of a smart list's criteria: property, operator, value."""

    property = forms.ChoiceField(label=_("Property"), required=False)
    operator = forms.ChoiceField(label=_("Operator"), choices=SmartListOperator.choices)
    value = forms.CharField(label=_("Value"), required=False, max_length=255)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        prop = self.fields["property"]
        assert isinstance(prop, forms.ChoiceField)
        prop.choices = [("", "---------")] + [
            (name, prop.label) for name, prop in SMART_LIST_PROPERTIES.items()
        ]


# absolute_max too: a forged TOTAL_FORMS builds no more forms than the limit.
SmartListConditionFormSet = forms.formset_factory(
    SmartListConditionForm,
    extra=3,
    max_num=MAX_SMART_LIST_CONDITIONS,
    absolute_max=MAX_SMART_LIST_CONDITIONS,
    validate_max=True,
)


class InclusionListForm(forms.Form):
    """*Create Inclusion List*: a new smart list built from conditions."""

    name = forms.CharField(label=_("Name"), max_length=255)
    match = forms.ChoiceField(
        label=_("Contacts must match"), choices=SmartListMatch.choices, initial="all"
    )

    def __init__(self, data: Any = None, **kwargs: Any):
        kwargs.pop("prefix", None)
        super().__init__(data, **kwargs)
        self.conditions = SmartListConditionFormSet(data, prefix="conditions")
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if SmartList.objects.filter(name__iexact=name).exists():
            raise forms.ValidationError(_("A smart list with this name exists already."))
        return name

    def is_valid(self) -> bool:
        # Both must run so that every error shows at once.
        return all([super().is_valid(), self.conditions.is_valid()])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not self.conditions.is_valid():
            return cleaned
        rows = [
            {
                "property": row["property"],
                "operator": row["operator"],
                "value": row["value"] or None,
            }
            for row in self.conditions.cleaned_data
            if row and row.get("property")
        ]
        if not rows:
            self.add_error(None, _("Add at least one condition."))
            return cleaned
        criteria = {"match": cleaned.get("match", "all"), "conditions": rows}
        try:
            validate_criteria(criteria)
        except forms.ValidationError as error:
            for message in error.messages:
                self.add_error(None, message)
        cleaned["criteria"] = criteria
        return cleaned
