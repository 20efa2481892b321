"""``{{ error.code|explain }}``: what an error code means and what to do, in the page's
language. Salesforce's own message stays as Salesforce wrote it; this says it in the
admin's words."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext_lazy as _

from connector.messages import in_language as _in_language

register = template.Library()

EXPLANATIONS = {
    "FIELD_CUSTOM_VALIDATION_EXCEPTION": _(
        "A validation rule in your org refused the record. Fix the contact's value, or ask "
        "your Salesforce admin about the rule."
    ),
    "REQUIRED_FIELD_MISSING": _(
        "Your org requires a field hubsync does not fill. Map a property to it under Field "
        "mappings, or make the field optional in Salesforce."
    ),
    "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST": _(
        "The value is not one of the picklist's values in your org."
    ),
    "INVALID_EMAIL_ADDRESS": _("The email address is not valid."),
    "STRING_TOO_LONG": _("The value is longer than the field allows. Shorten it."),
    "INVALID_FIELD_FOR_INSERT_UPDATE": _(
        "The integration user may not write this field (field-level security). Give it edit "
        "access, or map the property with “Always use Salesforce”."
    ),
    "INVALID_FIELD": _("The field is not visible to the integration user (field-level security)."),
    "DUPLICATES_DETECTED": _(
        "A duplicate rule in your org blocked the record: it matches the records named in "
        "the message."
    ),
    "DUPLICATE_VALUE": _("Another record already has this unique value."),
    "INVALID_COUNTRY": _("The country is not in your org's country picklist."),
    "INVALID_STATE": _("The state is not in your org's state picklist for that country."),
    "STATE_WITHOUT_COUNTRY": _("A state needs a country in your org's picklists."),
    "INVALID_RECORD_TYPE": _(
        "The record type chosen for new records is not active in your org any more."
    ),
    "CANNOT_UPDATE_CONVERTED_LEAD": _("The Lead was converted in Salesforce."),
    "UNABLE_TO_LOCK_ROW": _("Salesforce was busy with the record: hubsync tries again by itself."),
    "INVALID_CROSS_REFERENCE_KEY": _("The record refers to something your org does not have."),
    "INACTIVE_OWNER_OR_USER": _(
        "The contact's owner is an inactive Salesforce user: activate the user or change the "
        "match under Users."
    ),
}


@register.filter
def explain(code: str) -> str:
    """The explanation of a Salesforce (or hubsync) error code, or nothing."""
    return str(EXPLANATIONS.get(code, ""))


@register.filter
def in_language(message: str) -> str:
    """hubsync's own message (a run's reason, a record's error, read back with its key by
    the model's ``…_read``) in the page's language; Salesforce's stay as it wrote them."""
    return _in_language(message)


@register.filter
def stopless(text: str) -> str:
    """Text that a sentence's own full stop follows: a date ending in "a.m." loses its last
    stop, so the sentence has one ("… at 6:13 a.m." not "… at 6:13 a.m..")."""
    return str(text).rstrip(".")
