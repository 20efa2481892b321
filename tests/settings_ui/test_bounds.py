"""Bounded input on the settings side: the JSON settings import and the inclusion list.

The import reads at most 1 MB nested at most 10 levels (exit 2, one line, nothing saved);
an inclusion list is refused on the page when it has more conditions than a smart list
may have.
"""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from connector.models import IntegrationSettings
from connector.services.settings_io import IMPORT_MAX_BYTES, IMPORT_MAX_DEPTH, settings_export
from marketing.models import SmartList
from marketing.smart_list_criteria import MAX_SMART_LIST_CONDITIONS
from tests.settings_ui.posts import inclusion_list_post, settings_form_data
from tests.settings_ui.test_bad_input import snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def configured(integration_settings):
    integration_settings.username = "integration@acme.example"
    integration_settings.set_password("stored-password")
    integration_settings.save()
    return integration_settings


def import_file(tmp_path, content: bytes) -> CommandError | None:
    path = tmp_path / "settings.json"
    path.write_bytes(content)
    try:
        call_command("salesforce_settings", "import", str(path), stdout=io.StringIO())
    except CommandError as error:
        return error
    return None


def assert_refused(error: CommandError | None, words: str) -> None:
    assert error is not None and error.returncode == 2
    assert words in str(error)
    assert "\n" not in str(error)  # one line


def test_a_document_nested_200000_deep_is_refused(configured, tmp_path):
    before = snapshot()
    error = import_file(tmp_path, b"[" * 200_000 + b"]" * 200_000)
    assert_refused(error, "nested deeper than 10 levels")
    assert snapshot() == before


def test_a_document_just_deeper_than_the_limit_is_refused(configured, tmp_path):
    before = snapshot()
    nested: object = True
    for _ in range(IMPORT_MAX_DEPTH):
        nested = {"credentials": nested}
    error = import_file(tmp_path, json.dumps(nested).encode())  # 10 levels: read, then refused
    assert error is not None and "nested deeper" not in str(error)
    error = import_file(tmp_path, json.dumps({"credentials": nested}).encode())
    assert_refused(error, "nested deeper than 10 levels")
    assert snapshot() == before


def test_a_file_over_1_mb_is_refused(configured, tmp_path):
    before = snapshot()
    document = settings_export(configured)
    text = json.dumps(document)
    padded = text[:-1] + " " * (IMPORT_MAX_BYTES - len(text) + 1) + "}"
    error = import_file(tmp_path, padded.encode())
    assert_refused(error, "larger than 1 MB")
    assert snapshot() == before


def test_a_file_of_exactly_1_mb_is_read(configured, tmp_path):
    document = {**settings_export(configured), "api_call_limit": 12345}
    text = json.dumps(document)
    padded = text[:-1] + " " * (IMPORT_MAX_BYTES - len(text)) + "}"
    assert len(padded.encode()) == IMPORT_MAX_BYTES
    assert import_file(tmp_path, padded.encode()) is None
    assert IntegrationSettings.objects.get().api_call_limit == 12345


@pytest.mark.parametrize(
    ("content", "words"),
    [(b"\xff\xfe{}", "not a JSON document"), (b"{", "not a JSON document"), (b"", "not a JSON")],
)
def test_a_file_that_is_not_json_is_refused_in_one_line(configured, tmp_path, content, words):
    before = snapshot()
    assert_refused(import_file(tmp_path, content), words)
    assert snapshot() == before


def test_standard_input_is_bounded_too(configured, monkeypatch):
    class Stdin:
        buffer = io.BytesIO(b"[" * 100_000)

    monkeypatch.setattr("sys.stdin", Stdin)
    before = snapshot()
    with pytest.raises(CommandError) as error:
        call_command("salesforce_settings", "import", "-", stdout=io.StringIO())
    assert_refused(error.value, "Cannot read -:")
    assert snapshot() == before


# -- the inclusion list ------------------------------------------------------------------


def test_create_inclusion_list_refuses_more_rows_than_the_limit(admin_browser):
    rows = [("country", "equals", f"C{index}") for index in range(MAX_SMART_LIST_CONDITIONS + 1)]
    response = admin_browser.post(
        reverse("settings_ui:inclusion_list_create"), inclusion_list_post("Too many", *rows)
    )
    assert response.status_code == 200
    assert "Please submit at most 100 forms." in response.text
    assert not SmartList.objects.exists()


def test_create_inclusion_list_accepts_the_limit(admin_browser):
    rows = [("country", "equals", f"C{index}") for index in range(MAX_SMART_LIST_CONDITIONS)]
    response = admin_browser.post(
        reverse("settings_ui:inclusion_list_create"), inclusion_list_post("Many", *rows)
    )
    assert response.status_code == 302
    assert len(SmartList.objects.get().criteria["conditions"]) == MAX_SMART_LIST_CONDITIONS


@pytest.mark.slow
def test_a_forged_form_count_builds_no_more_forms_than_the_limit(admin_browser):
    data = inclusion_list_post("Forged", ("country", "equals", "DE"))
    data["conditions-TOTAL_FORMS"] = "100000000"
    response = admin_browser.post(reverse("settings_ui:inclusion_list_create"), data)
    assert response.status_code == 200
    assert not SmartList.objects.exists()


def test_an_inclusion_list_over_the_limit_cannot_be_chosen(admin_browser, integration_settings):
    [too_big] = SmartList.objects.bulk_create(
        [
            SmartList(
                name="Too big",
                criteria={
                    "match": "any",
                    "conditions": [
                        {"property": "country", "operator": "equals", "value": str(i)}
                        for i in range(1500)
                    ],
                },
            )
        ]
    )
    before = snapshot()
    data = settings_form_data(integration_settings, inclusion_list=too_big.pk)
    response = admin_browser.post(reverse("settings_ui:salesforce_settings"), data)
    assert response.status_code == 200
    assert "A smart list has at most 100 conditions; this one has 1500." in response.text
    assert snapshot() == before
