"""`manage.py salesforce_settings export|import` (connector/services/settings_io.py),
`salesforce_sync` and `contacts_export`."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

from connector.models import IntegrationSettings
from connector.services.settings_io import settings_import
from salesforce_emulator.testing import jwt_key_pair
from tests.factories import ContactFactory, SmartListFactory

pytestmark = pytest.mark.django_db

KEYS = {
    "sync_enabled",
    "crm_enabled",
    "credentials",
    "api_call_limit",
    "change_events",
    "account_sync",
    "opportunity_sync",
    "task_sync",
    "inclusion_list",
    "activity_storage",
    "activity_types",
    "create_contact_from_lead",
    "create_contact_from_contact",
    "lead_record_type",
    "contact_record_type",
    "new_record_type",
    "lead_assignment_rules",
    "lifecycle_transitions",
    "state_country_picklists",
    "delete_when_lead_deleted",
    "delete_when_contact_deleted",
    "user_mappings",
    "campaign_links",
}


def export() -> dict:
    out = io.StringIO()
    call_command("salesforce_settings", "export", stdout=out)
    return json.loads(out.getvalue())


def import_(tmp_path, data) -> None:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps(data))
    call_command("salesforce_settings", "import", str(path), stdout=io.StringIO())


def test_export_has_every_key_and_never_the_secrets(integration_settings):
    integration_settings.username = "ops@acme.example"
    integration_settings.set_password("very-secret-pw")
    integration_settings.set_security_token("very-secret-token")
    integration_settings.save()
    data = export()
    assert set(data) == KEYS
    assert data["credentials"] == {
        "method": "password",
        "username": "ops@acme.example",
        "password": None,
        "security_token": None,
        "sandbox": False,
        "my_domain": None,
        "consumer_key": "",
        "consumer_secret": None,
        "private_key": None,
    }
    assert "very-secret" not in json.dumps(data)


def test_an_export_from_before_the_login_methods_imports_unchanged(integration_settings):
    old = export()
    old["credentials"] = {
        "username": "ops@acme.example",
        "password": None,
        "security_token": None,
        "sandbox": True,
    }
    integration_settings.set_password("kept-pw")
    integration_settings.save()
    settings_import(integration_settings=integration_settings, data=old)
    integration_settings.refresh_from_db()
    assert integration_settings.auth_method == "password"
    assert integration_settings.username == "ops@acme.example"
    assert integration_settings.sandbox is True
    assert integration_settings.get_password() == "kept-pw"


def test_import_takes_jwt_credentials_and_null_keeps_the_key(integration_settings, tmp_path):
    pem, _certificate = jwt_key_pair()
    data = export()
    data["credentials"].update(
        method="jwt",
        username="int@acme.example",
        consumer_key="3MVG9-key",
        private_key=pem,
        my_domain="acme.my.salesforce.com",
    )
    settings_import(integration_settings=integration_settings, data=data)
    integration_settings.refresh_from_db()
    assert integration_settings.auth_method == "jwt"
    assert integration_settings.my_domain == "acme.my.salesforce.com"
    assert integration_settings.get_secret("private_key") == pem.strip()
    again = export()
    assert again["credentials"]["private_key"] is None  # never exported
    settings_import(integration_settings=integration_settings, data=again)
    integration_settings.refresh_from_db()
    assert integration_settings.get_secret("private_key") == pem.strip()  # null keeps it
    history = list(integration_settings.history.values())
    assert all("BEGIN PRIVATE KEY" not in str(row) for row in history)


def test_round_trip_copies_a_sandbox_configuration(tmp_path, integration_settings):
    smart_list = SmartListFactory(name="Sales ready")
    data = export()
    data.update(
        sync_enabled=True,
        crm_enabled=True,
        api_call_limit=12_000,
        account_sync="do_not_sync",
        opportunity_sync=False,
        task_sync=True,
        inclusion_list="Sales ready",
        activity_storage="custom_object",
        activity_types=["email_open", "page_view"],
        create_contact_from_lead=False,
        create_contact_from_contact=True,
        new_record_type="Contact",
        lifecycle_transitions=False,
        state_country_picklists=True,
        delete_when_lead_deleted=True,
        delete_when_contact_deleted=True,
    )
    data["credentials"] = {
        "username": "prod@acme.example",
        "password": "new-pw",
        "security_token": "new-token",
        "sandbox": True,
    }
    import_(tmp_path, data)
    integration_settings.refresh_from_db()
    exported = export()
    assert exported["inclusion_list"] == "Sales ready"
    for key in KEYS - {"credentials"}:
        assert exported[key] == data[key], key
    assert integration_settings.inclusion_list == smart_list
    assert integration_settings.get_password() == "new-pw"
    assert integration_settings.get_security_token() == "new-token"
    assert integration_settings.sandbox is True


def test_null_secrets_keep_the_stored_ones(tmp_path, integration_settings):
    integration_settings.username = "ops@acme.example"
    integration_settings.set_password("keep-me")
    integration_settings.set_security_token("keep-token")
    integration_settings.save()
    data = export()
    data["api_call_limit"] = 500
    import_(tmp_path, data)
    integration_settings.refresh_from_db()
    assert integration_settings.get_password() == "keep-me"
    assert integration_settings.get_security_token() == "keep-token"
    assert integration_settings.api_call_limit == 500


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"api_call_limit": "lots"}, "api_call_limit: Enter a whole number."),
        ({"account_sync": "sometimes"}, "account_sync: Select a valid choice."),
        ({"inclusion_list": "No such list"}, "no smart list named 'No such list'"),
        ({"activity_types": ["fax"]}, "activity_types: Select a valid choice."),
        ({"new_record_type": "Account"}, "new_record_type: Select a valid choice."),
        ({"sync_enabled": "yes"}, "“sync_enabled” must be true or false."),
        ({"delete_when_lead_deleted": 1}, "must be true or false"),
        ({"surprise": 1}, "Unknown key “surprise”."),
        ({"credentials": {"username": "not-an-email"}}, "credentials.username"),
        ({"credentials": "x"}, "credentials: must be an object."),
    ],
)
def test_invalid_import_exits_2_with_a_clear_message_and_applies_nothing(
    tmp_path, integration_settings, change, message
):
    before = IntegrationSettings.objects.values().get()
    data = {**export(), "new_record_type": "Contact", "api_call_limit": 999, **change}
    with pytest.raises(CommandError) as raised:
        import_(tmp_path, data)
    assert raised.value.returncode == 2
    assert "Nothing was applied" in str(raised.value)
    assert message in str(raised.value)
    assert IntegrationSettings.objects.values().get() == before


def test_unreadable_file_exits_2(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text("{not json")
    with pytest.raises(CommandError) as raised:
        call_command("salesforce_settings", "import", str(path))
    assert raised.value.returncode == 2


def test_salesforce_sync_prints_one_json_object(salesforce):
    ContactFactory.create_batch(3)
    out = io.StringIO()
    call_command("salesforce_sync", stdout=out)
    result = json.loads(out.getvalue())
    assert result["status"] == "succeeded"
    assert result["errors"] == 0
    assert result["api_calls"] == 4  # login, the pull, the lookup, one collection upsert
    assert result["push_created"] == 3


def test_salesforce_sync_errors_is_the_true_total_and_each_part_has_its_own_key(salesforce):
    ContactFactory(job_title="T" * 200)  # Lead.Title takes 128 characters: rejected
    ContactFactory()
    out = io.StringIO()
    call_command("salesforce_sync", stdout=out)
    result = json.loads(out.getvalue())
    assert result["errors"] == 1
    assert result["push_failed"] == 1 and result["pull_errors"] == 0
    assert result["crm_errors"] == 0


def test_contacts_export_fills_the_salesforce_link(salesforce):
    from connector.sync.cycle import sync_cycle_run

    contact = ContactFactory(email="linked@example.com")
    sync_cycle_run(trigger="test")
    ContactFactory(email="unlinked@example.com")  # not synced yet
    contact.refresh_from_db()
    out = io.StringIO()
    call_command("contacts_export", stdout=out)
    rows = {line.split(",")[0]: line.split(",") for line in out.getvalue().splitlines()[1:]}
    assert rows["linked@example.com"][-2:] == [contact.salesforce_id, "Lead"]
    assert rows["unlinked@example.com"][-2:] == ["", ""]
