"""The rules of the stored settings and credentials, in the services every writer calls
(connector.services.settings.integration_settings_clean, connector.credentials.rules):
what they make of a value, what they refuse, and that they judge only what they are given.
The writers' agreement is tests/settings_ui/test_one_write_path.py."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError

from connector.credentials.rules import integration_credentials_clean
from connector.models import ActivityStorage, AuthMethod
from connector.services.settings import integration_settings_clean
from connector.services.settings_io import SettingsImportError, settings_import
from marketing.models import ActivityType
from salesforce_emulator.testing import jwt_key_pair
from tests.factories import SmartListFactory

pytestmark = pytest.mark.django_db


def refused(clean, **kwargs) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as error:
        clean(**kwargs)
    return error.value.message_dict


# -- the main settings -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "stored"),
    [(250, 250), ("250", 250), (" 250 ", 250), (250.0, 250), ("", None), (None, None)],
)
def test_the_api_call_limit_is_stored_as_a_whole_number(integration_settings, given, stored):
    cleaned = integration_settings_clean(
        integration_settings=integration_settings, data={"api_call_limit": given}
    )
    assert cleaned == {"api_call_limit": stored}


@pytest.mark.parametrize("given", [True, 1.5, "lots", "1.5", [5]])
def test_an_api_call_limit_that_is_no_whole_number_is_refused(integration_settings, given):
    errors = refused(
        integration_settings_clean,
        integration_settings=integration_settings,
        data={"api_call_limit": given},
    )
    assert errors == {"api_call_limit": ["Enter a whole number."]}


def test_activity_types_are_stored_in_the_pages_order_once_each(integration_settings):
    given = ["page_view", "email_open", "page_view"]
    cleaned = integration_settings_clean(
        integration_settings=integration_settings, data={"activity_types": given}
    )
    assert cleaned["activity_types"] == [t for t in ActivityType.values if t in given]


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("email_open", "Enter a list of values."),
        ([1], "Enter a list of values."),
        (["fax"], "Select a valid choice. fax is not one of the available choices."),
    ],
)
def test_activity_types_not_a_list_of_known_types_are_refused(integration_settings, given, message):
    errors = refused(
        integration_settings_clean,
        integration_settings=integration_settings,
        data={"activity_types": given},
    )
    assert errors == {"activity_types": [message]}


def test_no_activity_type_is_judged_only_when_storage_or_types_are_given(integration_settings):
    # A row stored before the rule reached every writer: a Save of something else passes.
    integration_settings.activity_types = []
    integration_settings.activity_storage = ActivityStorage.TASKS
    integration_settings.save()
    integration_settings_clean(integration_settings=integration_settings, data={"task_sync": True})
    for data in ({"activity_storage": ActivityStorage.CUSTOM_OBJECT}, {"activity_types": []}):
        errors = refused(
            integration_settings_clean, integration_settings=integration_settings, data=data
        )
        assert list(errors) == ["activity_types"]
    integration_settings_clean(
        integration_settings=integration_settings,
        data={"activity_storage": ActivityStorage.NONE, "activity_types": []},
    )


def test_an_inactive_inclusion_list_is_refused_unless_already_chosen(integration_settings):
    old = SmartListFactory(name="Old campaign", active=False)
    errors = refused(
        integration_settings_clean,
        integration_settings=integration_settings,
        data={"inclusion_list": old},
    )
    assert errors == {
        "inclusion_list": ["The smart list “Old campaign” is not active: choose an active one."]
    }
    integration_settings.inclusion_list = old
    integration_settings.save()
    cleaned = integration_settings_clean(
        integration_settings=integration_settings, data={"inclusion_list": old}
    )
    assert cleaned == {"inclusion_list": old}  # a Save keeps the list it has


def test_the_choice_fields_refuse_in_the_words_of_the_page(integration_settings):
    errors = refused(
        integration_settings_clean,
        integration_settings=integration_settings,
        data={"account_sync": "sometimes", "new_record_type": "Account"},
    )
    assert errors == {
        "account_sync": ["Select a valid choice. sometimes is not one of the available choices."],
        "new_record_type": ["Select a valid choice. Account is not one of the available choices."],
    }


# -- credentials -----------------------------------------------------------------------------


def test_credentials_are_stored_as_typed_without_blanks(integration_settings):
    cleaned = integration_credentials_clean(
        integration_settings=integration_settings,
        changes={
            "method": AuthMethod.PASSWORD,
            "username": "  ops@acme.example ",
            "password": " pass word ",  # a password's blanks are its own
            "my_domain": " https://Acme.My.Salesforce.com/ ",
        },
    )
    assert cleaned["username"] == "ops@acme.example"
    assert cleaned["password"] == " pass word "
    assert cleaned["my_domain"] == "acme.my.salesforce.com"


@pytest.mark.parametrize(
    ("method", "missing"),
    [
        (AuthMethod.PASSWORD, {"username": "This field is required."}),
        (AuthMethod.JWT, {"consumer_key": "This login method needs this."}),
        (AuthMethod.CLIENT_CREDENTIALS, {"consumer_secret": "This login method needs this."}),
        (AuthMethod.WEB_SERVER, {"consumer_key": "This login method needs this."}),
    ],
)
def test_a_method_without_what_it_needs_is_refused(integration_settings, method, missing):
    integration_settings.username = ""
    integration_settings.save()
    errors = refused(
        integration_credentials_clean,
        integration_settings=integration_settings,
        changes={"method": method},
    )
    for name, message in missing.items():
        assert errors[name] == [message]


def test_what_a_method_needs_is_judged_only_when_the_method_or_a_need_is_given(
    integration_settings,
):
    integration_settings.username = ""
    integration_settings.save()
    # The sandbox flag alone: nothing it does not name is judged.
    integration_credentials_clean(
        integration_settings=integration_settings, changes={"sandbox": True}
    )
    errors = refused(
        integration_credentials_clean,
        integration_settings=integration_settings,
        changes={"username": ""},
    )
    assert errors["username"] == ["This field is required."]


def test_a_stored_secret_counts_as_given(integration_settings):
    integration_settings.username = "ops@acme.example"
    integration_settings.set_password("stored")
    integration_settings.save()
    integration_credentials_clean(
        integration_settings=integration_settings,
        changes={"method": AuthMethod.PASSWORD, "password": ""},  # blank keeps the stored one
    )


def test_a_private_key_must_be_pem(integration_settings):
    pem, _certificate = jwt_key_pair()
    changes = {"method": AuthMethod.JWT, "consumer_key": "3MVG9-key", "username": "a@b.example"}
    cleaned = integration_credentials_clean(
        integration_settings=integration_settings,
        changes={**changes, "private_key": f"\n{pem}\n"},
    )
    assert cleaned["private_key"] == pem.strip()
    errors = refused(
        integration_credentials_clean,
        integration_settings=integration_settings,
        changes={**changes, "private_key": "not a key"},
    )
    assert errors == {"private_key": ["This is not a PEM private key (without a passphrase)."]}


# -- the import, through the same rules ------------------------------------------------------


def test_the_import_stores_what_the_rules_make_of_its_values(integration_settings):
    integration_settings.username = "ops@acme.example"
    integration_settings.set_password("stored")
    integration_settings.save()
    settings_import(
        integration_settings=integration_settings,
        data={
            "api_call_limit": "250",
            "activity_types": ["page_view", "email_open"],
            "credentials": {"my_domain": "https://Acme.my.salesforce.com/"},
        },
    )
    integration_settings.refresh_from_db()
    assert integration_settings.api_call_limit == 250
    assert integration_settings.activity_types == ["email_open", "page_view"]
    assert integration_settings.my_domain == "acme.my.salesforce.com"


def test_the_import_says_every_problem_keyed_by_the_document(integration_settings):
    with pytest.raises(SettingsImportError) as raised:
        settings_import(
            integration_settings=integration_settings,
            data={
                "api_call_limit": 0,
                "activity_types": [],
                "credentials": {"method": "jwt", "private_key": "not a key"},
            },
        )
    assert set(raised.value.errors) >= {
        "api_call_limit: Ensure this value is greater than or equal to 1.",
        "activity_types: Choose at least one activity type, or choose not to store activity data.",
        "credentials.private_key: This is not a PEM private key (without a passphrase).",
        "credentials.consumer_key: This login method needs this.",
    }


def test_the_connector_never_imports_the_settings_page():
    """The import (and every rule it applies) lives below the interface: no module of the
    connector imports settings_ui."""
    root = Path(django_settings.BASE_DIR) / "connector"
    importers = []
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = (
                [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            if any(name.split(".")[0] == "settings_ui" for name in names):
                importers.append(str(path.relative_to(root)))
    assert importers == []
