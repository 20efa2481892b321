"""The org's own values (issue 13): state and country picklists and record types come from
describe, are cached, and are what hubsync sends."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from connector.models import ContactSyncState, OrgSchema, SyncError
from connector.services.setup_check import setup_check_run
from connector.sync.cycle import sync_cycle_run
from tests.factories import ContactFactory
from tests.settings_ui.posts import settings_form_data

pytestmark = pytest.mark.django_db

ORG_PLACES = [
    {
        "code": "US",
        "label": "United States",
        "states": [{"code": "CA", "label": "California"}, {"code": "NY", "label": "New York"}],
    },
    {"code": "DE", "label": "Deutschland"},  # renamed by the admins, no states
    {"code": "IE", "label": "Éire"},
]


@pytest.fixture
def picklists(salesforce, integration_settings):
    salesforce.control.configure_org(state_country_picklists=True)
    salesforce.control.set_state_country(ORG_PLACES)
    integration_settings.state_country_picklists = True
    integration_settings.save()
    setup_check_run(integration_settings=integration_settings)
    return salesforce


def lead_of(salesforce, email):
    return next(r for r in salesforce.control.records("Lead") if r["Email"] == email)


class TestStateAndCountryPicklists:
    def test_the_orgs_values_are_read_once_and_cached(self, picklists, integration_settings):
        schema = OrgSchema.objects.get(integration_settings=integration_settings)
        assert schema.picklists["countries"] == {
            "US": "United States",
            "DE": "Deutschland",
            "IE": "Éire",
        }
        assert schema.picklists["states"] == {"US": {"CA": "California", "NY": "New York"}}
        picklists.control.reset_stats()
        sync_cycle_run(trigger="test")
        assert not any("describe" in p for p in picklists.control.stats()["requests"])

    def test_free_text_in_english_or_german_maps_to_the_orgs_codes(self, picklists):
        ContactFactory(email="a@x.example", country="Vereinigte Staaten", state="Kalifornien")
        ContactFactory(email="b@x.example", country="Ireland")
        ContactFactory(email="c@x.example", country="Germany", state="Bayern")
        run = sync_cycle_run(trigger="test")
        assert run.errors == 0
        a = lead_of(picklists, "a@x.example")
        assert (a["CountryCode"], a["StateCode"]) == ("US", "CA")
        assert lead_of(picklists, "b@x.example")["CountryCode"] == "IE"
        c = lead_of(picklists, "c@x.example")  # the org has no German states: none is sent
        assert (c["CountryCode"], c["StateCode"]) == ("DE", None)

    def test_a_value_the_org_lacks_is_a_per_record_error_naming_it(self, picklists):
        bad = ContactFactory(country="France")
        good = ContactFactory(country="USA", state="NY")
        sync_cycle_run(trigger="test")
        error = SyncError.objects.get(contact=bad)
        assert error.code == "INVALID_COUNTRY" and "France" in error.message and error.needs_fix
        assert lead_of(picklists, good.email)["StateCode"] == "NY"

    def test_the_org_adding_the_value_retries_the_records_that_needed_it(
        self, picklists, integration_settings
    ):
        bad = ContactFactory(country="France")
        sync_cycle_run(trigger="test")
        assert ContactSyncState.objects.get(contact=bad).needs_fix
        picklists.control.patch_state_country([{"code": "FR", "label": "France"}])
        setup_check_run(integration_settings=integration_settings)  # the schema changed
        assert not ContactSyncState.objects.get(contact=bad).needs_fix
        sync_cycle_run(trigger="test")
        assert lead_of(picklists, bad.email)["CountryCode"] == "FR"


class TestRecordTypes:
    @pytest.fixture
    def record_types(self, salesforce, integration_settings):
        ids = {
            "Partner_Lead": salesforce.control.add_record_type(
                "Lead", "Partner_Lead", "Partner Lead"
            ),
            "Web_Lead": salesforce.control.add_record_type(
                "Lead", "Web_Lead", "Web Lead", default=True
            ),
        }
        setup_check_run(integration_settings=integration_settings)
        return ids

    def test_the_page_offers_the_orgs_record_types_default_the_users(
        self, salesforce, record_types, admin_browser
    ):
        page = admin_browser.get(reverse("settings_ui:salesforce_settings")).content.decode()
        assert "The integration user&#x27;s default (Web Lead)" in page
        assert 'value="Partner_Lead"' in page and "Partner Lead" in page
        ContactFactory(email="default@x.example")
        sync_cycle_run(trigger="test")
        assert lead_of(salesforce, "default@x.example")["RecordTypeId"] == record_types["Web_Lead"]

    def test_a_chosen_record_type_goes_on_new_records(
        self, salesforce, record_types, admin_browser, integration_settings
    ):
        response = admin_browser.post(
            reverse("settings_ui:salesforce_settings"),
            settings_form_data(integration_settings, lead_record_type="Partner_Lead"),
        )
        assert response.status_code == 302
        integration_settings.refresh_from_db()
        assert integration_settings.lead_record_type == "Partner_Lead"
        ContactFactory(email="partner@x.example")
        sync_cycle_run(trigger="test")
        lead = lead_of(salesforce, "partner@x.example")
        assert lead["RecordTypeId"] == record_types["Partner_Lead"]

    def test_one_the_org_lacks_is_refused_where_the_admin_looks(
        self, salesforce, record_types, admin_browser, integration_settings
    ):
        response = admin_browser.post(
            reverse("settings_ui:salesforce_settings"),
            settings_form_data(integration_settings, lead_record_type="Nope"),
        )
        assert response.status_code == 200
        assert "is not an active record type of your org" in response.content.decode()

    def test_settings_json_keys(self, salesforce, record_types, integration_settings, tmp_path):
        from io import StringIO

        from django.core.management import call_command

        def export() -> dict:
            out = StringIO()
            call_command("salesforce_settings", "export", stdout=out)
            return json.loads(out.getvalue())

        exported = export()
        assert exported["lead_record_type"] is None and exported["contact_record_type"] is None
        path = tmp_path / "settings.json"
        path.write_text(json.dumps({"lead_record_type": "Partner_Lead"}))
        call_command("salesforce_settings", "import", str(path))
        integration_settings.refresh_from_db()
        assert integration_settings.lead_record_type == "Partner_Lead"
        assert export()["lead_record_type"] == "Partner_Lead"
        path.write_text(json.dumps({"contact_record_type": "Nope"}))
        from django.core.management.base import CommandError

        with pytest.raises(CommandError, match="contact_record_type"):
            call_command("salesforce_settings", "import", str(path))
