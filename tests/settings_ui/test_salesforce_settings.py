"""The Salesforce settings page over HTTP: every section's round trip and its invalid input."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from connector.models import IntegrationSettings
from marketing.models import SmartList
from tests.factories import SmartListFactory
from tests.settings_ui.posts import BLANK_ROW, inclusion_list_post, settings_form_data

SETTINGS_URL = reverse("settings_ui:salesforce_settings")
CREDENTIALS_URL = reverse("settings_ui:salesforce_credentials")
TOGGLE_URL = reverse("settings_ui:salesforce_sync_toggle")

pytestmark = pytest.mark.django_db


def selected_option(html: str, name: str) -> str:
    """The value of the selected option of the ``<select name=...>`` in ``html``."""
    select = re.search(rf'<select name="{name}".*?</select>', html, re.S).group(0)
    return re.search(r'<option value="([^"]*)" selected>', select).group(1)


def test_page_shows_every_section_in_the_seed_order(admin_browser, integration_settings):
    integration_settings.crm_enabled = True
    integration_settings.save()
    html = admin_browser.get(SETTINGS_URL).content.decode()
    order = [
        "section-sync",
        "section-version",
        "section-credentials",
        "section-api-limit",
        "section-account-sync",
        "section-opportunity-sync",
        "section-task-sync",
        "section-inclusion-list",
        "section-activity-data",
        "section-records-created",
        "section-new-record-type",
        "section-lifecycle",
        "section-picklists",
        "section-deletes",
    ]
    positions = [html.index(f'id="{section}"') for section in order]
    assert positions == sorted(positions)
    assert html.index('id="section-deletes"') < html.index('value="Save"')
    for label in [
        "Save credentials",
        "-- No Inclusion List --",
        "Create Inclusion List",
        "Sync Accounts",
        "Do Not Sync",
        "calls used in the last 24 hours",
        "sharing settings",
        "Not connected yet",
    ]:
        assert label in html, label


def section_html(html: str, key: str) -> str:
    return html.split(f'id="section-{key}"')[1].split("</fieldset>")[0]


@pytest.mark.parametrize(
    ("key", "field", "explains", "link"),
    [
        (
            "account-sync",
            "account_sync",
            "every field of that Account",
            "sforce_api_objects_account",
        ),
        (
            "opportunity-sync",
            "opportunity_sync",
            "smart lists can filter contacts on them",
            "sforce_api_objects_opportunity",
        ),
        ("task-sync", "task_sync", "a logged call", "sforce_api_objects_task"),
        (
            "inclusion-list",
            "inclusion_list",
            "Not every contact",
            "receive no updates from Salesforce until they match again",
        ),
    ],
)
def test_sections_explain_themselves_under_one_heading(
    admin_browser, integration_settings, key, field, explains, link
):
    """Issue 18: no help text on these four, and each heading repeated its field's label."""
    integration_settings.crm_enabled = True
    integration_settings.save()
    section = section_html(admin_browser.get(SETTINGS_URL).content.decode(), key)
    assert f'id="id_{field}_helptext"' in section
    assert explains in section and link in section
    # The legend is the heading; the field's own label is kept for screen readers only.
    assert 'class="mb-3 label-in-legend"' in section


def test_sandbox_help_names_both_login_hosts(admin_browser, integration_settings):
    """Issue 18: it ended "production orgs at login."."""
    html = admin_browser.get(SETTINGS_URL).content.decode()
    assert "production orgs at login.salesforce.com" in html
    assert "production orgs at login.<" not in html


def test_task_sync_is_shown_only_with_the_crm_enabled(admin_browser, integration_settings):
    assert 'id="section-task-sync"' not in admin_browser.get(SETTINGS_URL).content.decode()
    integration_settings.crm_enabled = True
    integration_settings.save()
    assert 'id="section-task-sync"' in admin_browser.get(SETTINGS_URL).content.decode()


@pytest.mark.parametrize(
    ("field", "posted", "stored"),
    [
        ("api_call_limit", "5000", 5000),
        ("api_call_limit", "", None),
        ("account_sync", "do_not_sync", "do_not_sync"),
        ("opportunity_sync", "False", False),
        ("activity_storage", "custom_object", "custom_object"),
        ("activity_storage", "none", "none"),
        ("activity_types", ["email_click", "form_submission"], ["form_submission", "email_click"]),
        ("create_contact_from_lead", False, False),
        ("create_contact_from_contact", False, False),
        ("new_record_type", "Contact", "Contact"),
        ("lifecycle_transitions", "False", False),
        ("state_country_picklists", "True", True),
        ("delete_when_lead_deleted", True, True),
        ("delete_when_contact_deleted", True, True),
    ],
)
@pytest.mark.slow
def test_each_section_saves_and_survives_a_reload(
    admin_browser, integration_settings, field, posted, stored
):
    response = admin_browser.post(
        SETTINGS_URL, settings_form_data(integration_settings, **{field: posted})
    )
    assert response.status_code == 302
    page = admin_browser.get(response["Location"]).content.decode()
    assert "Your Salesforce settings were saved." in page
    integration_settings.refresh_from_db()
    assert getattr(integration_settings, field) == stored


def test_task_sync_round_trip_with_crm(admin_browser, integration_settings):
    integration_settings.crm_enabled = True
    integration_settings.save()
    admin_browser.post(SETTINGS_URL, settings_form_data(integration_settings, task_sync="True"))
    integration_settings.refresh_from_db()
    assert integration_settings.task_sync is True
    html = admin_browser.get(SETTINGS_URL).content.decode()
    assert selected_option(html, "task_sync") == "True"


def test_inclusion_list_round_trip(admin_browser, integration_settings):
    smart_list = SmartListFactory(name="Qualified leads")
    admin_browser.post(
        SETTINGS_URL, settings_form_data(integration_settings, inclusion_list=smart_list.pk)
    )
    integration_settings.refresh_from_db()
    assert integration_settings.inclusion_list == smart_list
    html = admin_browser.get(SETTINGS_URL).content.decode()
    assert f'<option value="{smart_list.pk}" selected>Qualified leads</option>' in html
    admin_browser.post(SETTINGS_URL, settings_form_data(integration_settings, inclusion_list=""))
    integration_settings.refresh_from_db()
    assert integration_settings.inclusion_list is None


def test_inactive_smart_lists_are_not_offered(admin_browser):
    SmartListFactory(name="Old campaign", active=False)
    SmartListFactory(name="Current campaign", active=True)
    html = admin_browser.get(SETTINGS_URL).content.decode()
    assert "Current campaign" in html
    assert "Old campaign" not in html


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"api_call_limit": "lots"}, "api_call_limit", "Enter a whole number."),
        ({"api_call_limit": "0"}, "api_call_limit", "greater than or equal to 1"),
        ({"api_call_limit": "-5"}, "api_call_limit", "greater than or equal to 1"),
        ({"api_call_limit": "99999999999"}, "api_call_limit", "less than or equal to"),
        ({"account_sync": "sometimes"}, "account_sync", "Select a valid choice."),
        ({"opportunity_sync": "maybe"}, "opportunity_sync", "Select a valid choice."),
        ({"inclusion_list": "999999"}, "inclusion_list", "Select a valid choice."),
        ({"activity_storage": "email"}, "activity_storage", "Select a valid choice."),
        ({"activity_types": ["phone_call"]}, "activity_types", "Select a valid choice."),
        ({"activity_types": []}, "activity_types", "Choose at least one activity type"),
        ({"new_record_type": "Account"}, "new_record_type", "Select a valid choice."),
        ({"lifecycle_transitions": "perhaps"}, "lifecycle_transitions", "Select a valid choice."),
        ({"state_country_picklists": ""}, "state_country_picklists", "This field is required."),
    ],
)
def test_invalid_input_shows_the_error_and_saves_nothing(
    admin_browser, integration_settings, changes, field, message
):
    before = IntegrationSettings.objects.values().get(pk=integration_settings.pk)
    # Change a valid field too: an invalid form must not save it either.
    data = settings_form_data(integration_settings, **{"new_record_type": "Contact", **changes})
    response = admin_browser.post(SETTINGS_URL, data)
    assert response.status_code == 200
    form = response.context["settings_form"]
    assert field in form.errors
    assert message in " ".join(form.errors[field])
    assert message in response.content.decode().replace("&#x27;", "'")
    assert IntegrationSettings.objects.values().get(pk=integration_settings.pk) == before


def test_sync_toggle_acts_at_once(admin_browser, integration_settings):
    assert integration_settings.sync_enabled is False
    response = admin_browser.post(TOGGLE_URL, {"sync_enabled": "True"})
    assert response.status_code == 302
    integration_settings.refresh_from_db()
    assert integration_settings.sync_enabled is True
    assert "Salesforce sync is ON" in admin_browser.get(SETTINGS_URL).content.decode()
    admin_browser.post(TOGGLE_URL, {"sync_enabled": "False"})
    integration_settings.refresh_from_db()
    assert integration_settings.sync_enabled is False


def test_toggle_with_garbage_changes_nothing(admin_browser, integration_settings):
    admin_browser.post(TOGGLE_URL, {"sync_enabled": "sideways"})
    integration_settings.refresh_from_db()
    assert integration_settings.sync_enabled is False


class TestCredentials:
    SECRET_PASSWORD = "Pa55-w0rd-that-must-never-show"
    SECRET_TOKEN = "T0KEN-that-must-never-show"

    @pytest.fixture(autouse=True)
    def sandbox_users(self, request):
        """Credentials are saved only once they log in: the sandbox org knows these users."""
        if "salesforce" not in request.fixturenames:
            return
        salesforce = request.getfixturevalue("salesforce")
        for username in ("marketing@acme.example", "new@acme.example"):
            salesforce.control.create_user(
                username, self.SECRET_PASSWORD, self.SECRET_TOKEN, sandbox=True
            )

    def post(self, client, **overrides):
        data = {
            "username": "marketing@acme.example",
            "password": self.SECRET_PASSWORD,
            "security_token": self.SECRET_TOKEN,
            "sandbox": "on",
        }
        data.update(overrides)
        return client.post(CREDENTIALS_URL, {k: v for k, v in data.items() if v is not None})

    def test_saved_encrypted_and_never_rendered_back(
        self, admin_browser, integration_settings, salesforce
    ):
        response = self.post(admin_browser)
        assert response.status_code == 302
        integration_settings.refresh_from_db()
        assert integration_settings.username == "marketing@acme.example"
        assert integration_settings.sandbox is True
        assert integration_settings.get_password() == self.SECRET_PASSWORD
        assert integration_settings.get_security_token() == self.SECRET_TOKEN
        raw = IntegrationSettings.objects.values_list(
            "password_encrypted", "security_token_encrypted"
        ).get()
        assert self.SECRET_PASSWORD not in "".join(raw)
        assert self.SECRET_TOKEN not in "".join(raw)
        html = admin_browser.get(SETTINGS_URL).content.decode()
        assert self.SECRET_PASSWORD not in html
        assert self.SECRET_TOKEN not in html
        assert "Leave blank to keep it." in html

    def test_blank_password_and_token_keep_the_stored_ones(
        self, admin_browser, integration_settings, salesforce
    ):
        self.post(admin_browser)
        self.post(admin_browser, username="new@acme.example", password="", security_token="")
        integration_settings.refresh_from_db()
        assert integration_settings.username == "new@acme.example"
        assert integration_settings.get_password() == self.SECRET_PASSWORD
        assert integration_settings.get_security_token() == self.SECRET_TOKEN

    @pytest.mark.parametrize(
        ("overrides", "field", "message"),
        [
            ({"username": ""}, "username", "This field is required."),
            ({"username": "not an email"}, "username", "looks like an email address"),
            ({"username": "a" * 250 + "@x.example"}, "username", "at most 255 characters"),
            ({"password": ""}, "password", "Enter the Salesforce password."),
        ],
    )
    def test_invalid_credentials_input(
        self, admin_browser, integration_settings, overrides, field, message
    ):
        response = self.post(admin_browser, **overrides)
        assert response.status_code == 200
        assert message in " ".join(response.context["credentials_form"].errors[field])
        html = response.content.decode()
        assert self.SECRET_PASSWORD not in html
        assert self.SECRET_TOKEN not in html
        integration_settings.refresh_from_db()
        assert integration_settings.username == ""
        assert not integration_settings.has_password


class TestCreateInclusionList:
    CREATE_URL = reverse("settings_ui:inclusion_list_create")

    def test_create_and_come_back_with_it_selected_and_nothing_lost(
        self, admin_browser, integration_settings
    ):
        # Typed but not saved yet: the draft must survive the detour.
        data = settings_form_data(
            integration_settings, new_record_type="Contact", api_call_limit="777"
        )
        data["create_inclusion_list"] = "1"
        response = admin_browser.post(SETTINGS_URL, data)
        assert response.status_code == 302
        assert response["Location"] == self.CREATE_URL
        assert admin_browser.get(self.CREATE_URL).status_code == 200

        response = admin_browser.post(
            self.CREATE_URL,
            inclusion_list_post(
                "Germany MQLs",
                ("country", "equals", "Germany"),
                ("lifecycle_stage", "equals", "marketingqualifiedlead"),
                BLANK_ROW,
            ),
        )
        assert response.status_code == 302
        page = admin_browser.get(response["Location"])
        html = page.content.decode()
        smart_list = page.context["settings_form"].fields["inclusion_list"].queryset.get()
        assert smart_list.name == "Germany MQLs"
        assert len(smart_list.criteria["conditions"]) == 2
        assert f'<option value="{smart_list.pk}" selected>Germany MQLs</option>' in html
        assert 'value="777"' in html
        assert '<option value="Contact" selected>' in html
        # Nothing is saved until the blue Save button.
        integration_settings.refresh_from_db()
        assert integration_settings.inclusion_list is None
        admin_browser.post(
            SETTINGS_URL,
            settings_form_data(
                integration_settings,
                inclusion_list=smart_list.pk,
                new_record_type="Contact",
                api_call_limit="777",
            ),
        )
        integration_settings.refresh_from_db()
        assert integration_settings.inclusion_list == smart_list
        assert integration_settings.api_call_limit == 777

    def test_invalid_smart_list_shows_errors_and_creates_nothing(self, admin_browser):
        response = admin_browser.post(
            self.CREATE_URL, inclusion_list_post("", ("created_at", "before", "next tuesday"))
        )
        assert response.status_code == 200
        html = response.content.decode()
        assert "This field is required." in html
        assert "&#x27;next tuesday&#x27; is not a date" in html

        assert not SmartList.objects.exists()

    def test_no_conditions_is_an_error(self, admin_browser):
        response = admin_browser.post(self.CREATE_URL, inclusion_list_post("Empty", BLANK_ROW))
        assert response.status_code == 200
        # Issue 18: it was shown twice (the page's alert and crispy's error list).
        assert response.content.decode().count("Add at least one condition.") == 1
