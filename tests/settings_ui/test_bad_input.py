"""Any input to the settings forms and the JSON import: a clear error or a valid save.

Property-based (hypothesis): random posts to the settings page, the credentials form and
the sync toggle as a marketing admin, and random documents to the settings import (the
service and the management command). Never a 500, never a half-saved state: on an error
the database is exactly as before.
"""

from __future__ import annotations

import json
import tempfile
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.forms.models import model_to_dict
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connector.models import AccountSync, ActivityStorage, IntegrationSettings, NewRecordType
from connector.services.settings import SETTINGS_FIELDS
from connector.services.settings_io import SettingsImportError, settings_import
from marketing.models import ActivityType, SmartList
from tests.factories import SmartListFactory

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

EXAMPLES = 60
HYPOTHESIS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
TRIED: dict[str, int] = {}

# Text a browser can send (no lone surrogates), with the awkward characters included.
text = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
noise = st.one_of(
    text,
    st.integers(min_value=-(10**12), max_value=10**12).map(str),
    st.sampled_from(["", " ", "True", "False", "on", "off", "1", "0", "None", "null", "\x00"]),
)


def field_values(name: str) -> st.SearchStrategy:
    valid: dict[str, list[Any]] = {
        "api_call_limit": ["", "1", "100000", "10000000", "10000001", "-5", "1.5"],
        "account_sync": AccountSync.values,
        "activity_storage": ActivityStorage.values,
        "new_record_type": NewRecordType.values,
        "inclusion_list": ["", "1", "999999"],
    }
    choices = valid.get(name, ["True", "False", "on", ""])
    return st.one_of(st.sampled_from(choices), noise)


settings_posts = st.fixed_dictionaries(
    {},
    optional={
        **{name: field_values(name) for name in SETTINGS_FIELDS if name != "activity_types"},
        "activity_types": st.lists(st.one_of(st.sampled_from(ActivityType.values), noise)),
        "create_inclusion_list": st.just("1"),
        "unexpected": noise,
    },
)


def snapshot() -> dict[str, Any]:
    """Everything a save may change, secrets decrypted (ciphertexts differ each time)."""
    row = IntegrationSettings.objects.get()
    data = model_to_dict(row, exclude=["id", "updated_at"])
    data.update(
        password=row.get_password() if row.password_encrypted else "",
        token=row.get_security_token() if row.security_token_encrypted else "",
        smart_lists=list(SmartList.objects.values_list("pk", "name")),
    )
    return data


def assert_valid_saved() -> None:
    IntegrationSettings.objects.get().full_clean(exclude=["site"])


def tried(name: str) -> None:
    TRIED[name] = TRIED.get(name, 0) + 1


def outcome(name: str, saved: bool) -> None:
    key = f"{name}: {'saved' if saved else 'refused'}"
    TRIED[key] = TRIED.get(key, 0) + 1


@pytest.fixture
def configured(integration_settings):
    """Credentials stored, so that a document without any validates."""
    integration_settings.username = "integration@acme.example"
    integration_settings.set_password("stored-password")
    integration_settings.save()
    return integration_settings


@pytest.fixture
def page(admin_browser, integration_settings):
    SmartListFactory(name="Customers")
    return admin_browser


@HYPOTHESIS
@given(data=settings_posts)
def test_any_post_to_the_settings_page(page, data):
    tried("settings page")
    before = snapshot()
    response = page.post(reverse("settings_ui:salesforce_settings"), data)
    assert response.status_code in (200, 302)
    outcome("settings page", response.status_code == 302)
    if response.status_code == 200:  # the form with its errors
        assert snapshot() == before
        assert b"invalid-feedback" in response.content or b"alert" in response.content
    else:
        assert_valid_saved()


@HYPOTHESIS
@given(
    username=st.one_of(text, st.emails().map(str)),
    password=st.one_of(st.just(""), text),
    token=st.one_of(st.just(""), text),
    sandbox=st.sampled_from([None, "on", "", "x"]),
)
def test_any_post_to_the_credentials_form(
    salesforce, page, integration_settings, username, password, token, sandbox
):
    tried("credentials form")
    before = snapshot()
    data = {"username": username, "password": password, "security_token": token}
    if sandbox is not None:
        data["sandbox"] = sandbox
    response = page.post(reverse("settings_ui:salesforce_credentials"), data)
    assert response.status_code in (200, 302)
    after = snapshot()
    outcome("credentials form", response.status_code == 302)
    if response.status_code == 200:
        assert after == before
        return
    assert_valid_saved()
    assert after["username"] == username.strip()
    assert after["password"] == (password or before["password"])
    assert after["token"] == (token or before["token"])
    assert after["credentials_status"] in ("valid", "invalid")


@HYPOTHESIS
@given(value=st.one_of(st.none(), st.sampled_from(["True", "False"]), noise))
def test_any_post_to_the_sync_toggle(page, integration_settings, value):
    tried("sync toggle")
    before = snapshot()
    data = {} if value is None else {"sync_enabled": value}
    response = page.post(reverse("settings_ui:salesforce_sync_toggle"), data)
    assert response.status_code == 302
    expected, after = {**before}, snapshot()
    if value in ("True", "False"):
        expected.update(sync_enabled=value == "True", updated_by=after["updated_by"])
    assert after == expected


json_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(10**15), max_value=10**15),
        st.floats(allow_nan=False, allow_infinity=False),
        text,
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(text, children, max_size=4)
    ),
    max_leaves=8,
)
good_values: dict[str, st.SearchStrategy] = {
    "sync_enabled": st.booleans(),
    "crm_enabled": st.booleans(),
    "api_call_limit": st.one_of(st.none(), st.integers(min_value=-5, max_value=10**8)),
    "account_sync": st.sampled_from(AccountSync.values),
    "activity_storage": st.sampled_from(ActivityStorage.values),
    "activity_types": st.lists(st.sampled_from(ActivityType.values), unique=True),
    "new_record_type": st.sampled_from(NewRecordType.values),
    "inclusion_list": st.sampled_from([None, "Customers", "No such list"]),
    "credentials": st.fixed_dictionaries(
        {},
        optional={
            "username": st.one_of(st.none(), st.emails().map(str), text),
            "password": st.one_of(st.none(), text),
            "security_token": st.one_of(st.none(), text),
            "sandbox": st.one_of(st.booleans(), json_values),
        },
    ),
}
documents = st.one_of(
    json_values,
    st.fixed_dictionaries(
        {},
        optional={
            key: st.one_of(good_values.get(key, st.booleans()), json_values)
            for key in ("sync_enabled", "crm_enabled", "credentials", *SETTINGS_FIELDS)
        },
    ),
)


@HYPOTHESIS
@given(document=documents)
def test_any_document_to_the_settings_import(configured, document):
    tried("settings import")
    SmartList.objects.get_or_create(name="Customers", defaults={"criteria": {}})
    before = snapshot()
    try:
        settings_import(integration_settings=IntegrationSettings.objects.get(), data=document)
    except SettingsImportError as error:
        outcome("settings import", False)
        assert error.errors and all(isinstance(e, str) and e for e in error.errors)
        assert snapshot() == before
        return
    outcome("settings import", True)
    assert_valid_saved()
    after = snapshot()
    assert after["password"] == before["password"] or isinstance(
        (document.get("credentials") or {}).get("password"), str
    )


@HYPOTHESIS
@given(
    content=st.one_of(
        documents.map(lambda d: json.dumps(d).encode()),
        st.binary(max_size=200),
        text.map(str.encode),
    )
)
def test_any_file_to_the_import_command(configured, content):
    tried("settings import command")
    before = snapshot()
    with tempfile.NamedTemporaryFile(suffix=".json") as handle:
        handle.write(content)
        handle.flush()
        try:
            call_command("salesforce_settings", "import", handle.name)
        except CommandError as error:
            outcome("settings import command", False)
            assert error.returncode == 2
            assert str(error)
            assert snapshot() == before
            return
    outcome("settings import command", True)
    assert_valid_saved()


def test_a_secret_that_is_not_a_string_is_an_error(configured):
    before = snapshot()
    with pytest.raises(SettingsImportError):
        settings_import(integration_settings=configured, data={"credentials": {"password": ["x"]}})
    assert snapshot() == before


PROPERTIES = (
    "settings page",
    "credentials form",
    "sync toggle",
    "settings import",
    "settings import command",
)
ENDING_SAVED_OR_REFUSED = (
    "settings page",
    "credentials form",
    "settings import",
    "settings import command",
)


def test_report_examples_tried():
    """Runs last in this module: each property above tried EXAMPLES inputs, and every input
    to a form or an import ended saved or refused (none slipped past both)."""
    print(f"\nbad inputs tried: {TRIED}")
    ran = [name for name in PROPERTIES if name in TRIED]  # those -k or a node id selected
    assert {name: TRIED[name] for name in ran} == dict.fromkeys(ran, EXAMPLES)
    for name in set(ran) & set(ENDING_SAVED_OR_REFUSED):
        ended = TRIED.get(f"{name}: saved", 0) + TRIED.get(f"{name}: refused", 0)
        assert ended == EXAMPLES, name
