"""Rules on single stored values of the connector (model field validators), and how an
interface shows a rule's refusal on its form.

The models use these validators, so every writer that validates (the settings page, the
Django admin, a settings import, the services) refuses the same value with the same
message.
"""

from __future__ import annotations

import re

from cryptography.hazmat.primitives import serialization
from django import forms
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import EmailValidator
from django.utils.translation import gettext_lazy as _

from .salesforce_hosts import is_my_domain, operator_allows

# A Salesforce field's API name: a letter, then letters, digits and underscores
# (FirstName, Title, Region__c, ns__Score__c). Anything else (spaces, commas,
# parentheses, quotes) would become SOQL in every cycle's SELECT list.
SALESFORCE_FIELD_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,79}$")

# A bare host name: no scheme, port, path, user or anything after it.
HOST_NAME = re.compile(r"^[a-z0-9](?:[a-z0-9.-]{0,251}[a-z0-9])?$")

# The username rule of the settings row (the model's validator and the page's form field).
validate_salesforce_username = EmailValidator(
    message=_("A Salesforce username looks like an email address.")
)

# The words of Django's own form fields, so that a rule the model or a service holds refuses
# a value as the page's form field would (page, admin and import say the same).
INVALID_CHOICE = forms.ChoiceField.default_error_messages["invalid_choice"]
INVALID_LIST = forms.MultipleChoiceField.default_error_messages["invalid_list"]
WHOLE_NUMBER = forms.IntegerField.default_error_messages["invalid"]

MY_DOMAIN_MESSAGE = _("Enter a My Domain host such as acme.my.salesforce.com.")
FIELD_NAME_MESSAGE = _(
    "Enter a Salesforce field's API name (letters, digits and underscores, e.g. Title or "
    "Region__c)."
)


def validate_my_domain(value: str) -> None:
    """The org's My Domain: ``*.my.salesforce.com`` (sandbox: ``*.sandbox.my.salesforce.com``)
    or a host the operator lists in SALESFORCE_ALLOWED_HOSTS; a bare host, lower case."""
    if not value:
        return
    salesforce = is_my_domain(value) or operator_allows(value, settings.SALESFORCE_ALLOWED_HOSTS)
    if salesforce and HOST_NAME.match(value):
        return
    raise ValidationError(MY_DOMAIN_MESSAGE, code="my_domain")


def my_domain_normalize(value: str) -> str:
    """My Domain as people paste it (``https://Acme.my.salesforce.com/``) as the bare host
    :func:`validate_my_domain` judges."""
    host = value.strip().lower()
    return host.removeprefix("https://").removeprefix("http://").rstrip("/")


PRIVATE_KEY_MESSAGE = _("This is not a PEM private key (without a passphrase).")


def validate_private_key_pem(value: str) -> None:
    """The JWT bearer method's private key: PEM, without a passphrase (blank: none given)."""
    if not value:
        return
    try:
        serialization.load_pem_private_key(value.encode(), password=None)
    except (ValueError, TypeError):
        raise ValidationError(PRIVATE_KEY_MESSAGE, code="private_key") from None


def validate_salesforce_field_name(value: str) -> None:
    if value and not SALESFORCE_FIELD_NAME.match(value):
        raise ValidationError(FIELD_NAME_MESSAGE, code="salesforce_field_name")


def form_errors_add(form: forms.BaseForm, error: ValidationError) -> None:
    """Show a rule's ValidationError on ``form``: each message on its field when the form has
    that field, otherwise above the form (never Django's "has no field named" ValueError)."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        target = field if field in form.fields and field != NON_FIELD_ERRORS else None
        if target is not None and target not in form.cleaned_data and target in form.errors:
            # Already refused by the form itself: one message is enough.
            continue
        form.add_error(target, errors)
