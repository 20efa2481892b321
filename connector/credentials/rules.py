"""The rules of stored credentials, for every writer: the settings page's *Save credentials*,
the Django admin, a settings import and demo setup all clean and judge credentials here
before anything is stored or sent (connector.credentials.services calls it first).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..models import IntegrationSettings
from ..validators import my_domain_normalize, validate_private_key_pem
from .methods import NEEDS, credentials_from_settings

# The fields of Credentials that are stored as plain settings (secrets are encrypted).
PLAIN_FIELDS = {
    "username": "username",
    "sandbox": "sandbox",
    "my_domain": "my_domain",
    "consumer_key": "consumer_key",
    "method": "auth_method",
}
# Typed text: surrounding blanks are never part of it (a password's may be).
STRIPPED = ("username", "consumer_key", "private_key")
# Secrets typed into one line; a private key (PEM) is longer and judged as a key.
SECRET_MAX_LENGTH = 255
LINE_SECRETS = ("password", "security_token", "consumer_secret")
# What a method needs and lacks, in the words of the page's fields.
MISSING = {
    "username": _("This field is required."),
    "password": _("Enter the Salesforce password."),
}
NEEDED = _("This login method needs this.")


def integration_credentials_clean(
    *, integration_settings: IntegrationSettings, changes: dict[str, Any]
) -> dict[str, Any]:
    """``changes`` (fields of connector.credentials.methods.Credentials) as they are stored:
    text stripped, My Domain a bare host (``https://Acme.my.salesforce.com/`` is
    ``acme.my.salesforce.com``). Judges them (raises ValidationError keyed by the names in
    ``changes``): the login method one of the model's, a username that looks like an email
    address, My Domain a Salesforce host (connector.validators), secrets of at most 255
    characters, a private key in PEM, and what the method needs (stored or given; judged when
    ``changes`` names the method or one of them). Only what ``changes`` names is judged; a
    blank secret keeps the stored one.
    """
    cleaned = dict(changes)
    for name in STRIPPED:
        if isinstance(cleaned.get(name), str):
            cleaned[name] = cleaned[name].strip()
    if isinstance(cleaned.get("my_domain"), str):
        cleaned["my_domain"] = my_domain_normalize(cleaned["my_domain"])
    candidate = credentials_from_settings(integration_settings, **cleaned)
    errors: dict[str, list[Any]] = {}
    for name, column in PLAIN_FIELDS.items():
        if name not in cleaned:
            continue
        field = IntegrationSettings._meta.get_field(column)
        assert isinstance(field, models.Field)  # a column of the settings row
        try:
            field.clean(getattr(candidate, name), None)
        except ValidationError as error:
            errors[name] = error.messages
    for name in LINE_SECRETS:
        if cleaned.get(name):
            try:
                MaxLengthValidator(SECRET_MAX_LENGTH)(cleaned[name])
            except ValidationError as error:
                errors[name] = error.messages
    if cleaned.get("private_key"):
        try:
            validate_private_key_pem(cleaned["private_key"])
        except ValidationError as error:
            errors["private_key"] = error.messages
    needs = NEEDS.get(candidate.method, ())
    if "method" not in errors and {"method", *needs} & set(cleaned):
        for name in needs:
            if not getattr(candidate, name) and name not in errors:
                errors[name] = [MISSING.get(name, NEEDED)]
    if errors:
        raise ValidationError(errors)
    return cleaned


def integration_credentials_validate(
    *, integration_settings: IntegrationSettings, changes: dict[str, Any]
) -> None:
    """:func:`integration_credentials_clean`'s rules alone (the admin's form shows them)."""
    integration_credentials_clean(integration_settings=integration_settings, changes=changes)
