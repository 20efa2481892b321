"""One write path: every rule on a stored value refuses the same bad value through every
writer — the settings page, the Django admin, ``salesforce_settings import`` and the
services (which demo_setup and the sync call) — as a field error (never a 500) or a
one-line non-zero exit, and nothing is stored.

Table-driven: a new rule is one ``Rule`` row, a new writer one function in ``WRITERS``.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse

from connector.credentials.services import integration_credentials_update
from connector.models import MAX_API_CALL_LIMIT, FieldMapping, IntegrationSettings, OrgSchema
from connector.services.mappings import field_mapping_save
from connector.services.settings import integration_settings_update
from connector.services.settings_io import settings_export
from connector.services.setup_check import setup_check_run
from connector.sync.cycle import sync_cycle_run
from marketing.models import Company, Contact, SmartList
from tests.conftest import SF_USERNAME
from tests.connector.test_admin import admin_form_data, change_url
from tests.factories import CompanyFactory, SmartListFactory
from tests.settings_ui.posts import settings_form_data

pytestmark = pytest.mark.django_db

INJECTION = "Title, (SELECT Subject FROM Tasks) FROM Lead WHERE Name != '' OR Title"
DEEP_TEXT = "[" * 50_000
TITLE = {
    "name": "Title",
    "label": "Title",
    "type": "string",
    "length": 128,
    "createable": True,
    "updateable": True,
    "custom": False,
}
PARTNER = {"developer_name": "Partner", "name": "Partner", "id": "012000000000001AAA", "default": 0}


def nested(depth: int) -> list:
    """``[[[…]]]`` ``depth`` levels deep (what DEEP_TEXT would be, closed)."""
    value: list = []
    for _ in range(depth - 1):
        value = [value]
    return value


def org_read(integration_settings: IntegrationSettings) -> None:
    """The org as the setup check last read it: no state/country picklists, one Lead record
    type (Partner), Title the only field of Lead and Contact."""
    integration_settings.org_state_country_picklists = False
    integration_settings.save()
    OrgSchema.objects.update_or_create(
        integration_settings=integration_settings,
        defaults={
            "record_types": {"Lead": [PARTNER], "Contact": []},
            "fields": {"Lead": [TITLE], "Contact": [TITLE]},
        },
    )


# -- the rules ---------------------------------------------------------------------------

WRITER_NAMES = ("page", "admin", "import", "service")


@dataclass(frozen=True)
class Rule:
    """A rule on one stored value: the bad value each writer is given (a writer that does
    not write this value is left out), the field the refusal names, and the words it uses
    (``own``: a writer whose form refuses it first in its own words)."""

    name: str
    kind: str  # settings | credentials | secret | mapping | company
    field: str
    values: dict[str, Any]  # or a function of the Ctx, for a value made by the fixture
    message: str
    own: dict[str, str] = field(default_factory=dict)

    def words(self, writer: str) -> str:
        return self.own.get(writer, self.message)

    def value(self, writer: str, ctx: Ctx) -> Any:
        value = self.values[writer]
        return value(ctx) if callable(value) else value


MY_DOMAIN = "Enter a My Domain host such as acme.my.salesforce.com."
# "The JSON is nested too deeply (…)" or "The JSON is larger than … bytes."
JSON_BOUNDS = "The JSON is "
RULES = (
    Rule(
        "My Domain is a Salesforce host",
        "credentials",
        "my_domain",
        dict.fromkeys(WRITER_NAMES, "127.0.0.1:9443#"),
        MY_DOMAIN,
    ),
    Rule(
        "My Domain never reaches the emulator's control API",
        "credentials",
        "my_domain",
        dict.fromkeys(WRITER_NAMES, "x.test/__emulator/stats/reset?"),
        MY_DOMAIN,
    ),
    Rule(
        "a username is an email address",
        "credentials",
        "username",
        dict.fromkeys(WRITER_NAMES, "not an email"),
        "A Salesforce username looks like an email address.",
    ),
    Rule(
        "activity types: JSON within its bounds",
        "settings",
        "activity_types",
        {"page": DEEP_TEXT, "admin": DEEP_TEXT, "import": DEEP_TEXT, "service": nested(50_000)},
        JSON_BOUNDS,
        own={"page": "Select a valid choice"},  # the page's checkboxes post no JSON
    ),
    Rule(
        "state and country picklists only when the org has them",
        "settings",
        "state_country_picklists",
        dict.fromkeys(WRITER_NAMES, True),
        "does not use state and country picklists",
    ),
    Rule(
        "a record type the org has",
        "settings",
        "lead_record_type",
        dict.fromkeys(WRITER_NAMES, "No_Such_Type"),
        "is not an active record type of your org (Partner)",
    ),
    Rule(
        "the API call limit at most its maximum (model validator)",
        "settings",
        "api_call_limit",
        dict.fromkeys(WRITER_NAMES, MAX_API_CALL_LIMIT + 1),
        f"Ensure this value is less than or equal to {MAX_API_CALL_LIMIT}.",
    ),
    Rule(
        "the API call limit at least one call (model validator)",
        "settings",
        "api_call_limit",
        dict.fromkeys(WRITER_NAMES, 0),
        "Ensure this value is greater than or equal to 1.",
    ),
    Rule(
        "a choice the model offers",
        "settings",
        "account_sync",
        dict.fromkeys(WRITER_NAMES, "sometimes"),
        "Select a valid choice. sometimes is not one of the available choices.",
    ),
    Rule(
        "an activity type the model knows",
        "settings",
        "activity_types",
        {"page": ["fax"], "admin": ["fax"], "import": ["fax"], "service": ["fax"]},
        "Select a valid choice. fax is not one of the available choices.",
    ),
    Rule(
        "activity data stored: at least one activity type",
        "settings",
        "activity_types",
        {"page": [], "admin": [], "import": [], "service": []},
        "Choose at least one activity type, or choose not to store activity data.",
    ),
    Rule(
        "an inclusion list that is active (or already chosen)",
        "settings",
        "inclusion_list",
        {
            "page": lambda ctx: str(ctx.inactive_list.pk),
            "admin": lambda ctx: ctx.inactive_list.pk,
            "import": lambda ctx: ctx.inactive_list.name,
            "service": lambda ctx: ctx.inactive_list,
        },
        "The smart list “Old campaign” is not active: choose an active one.",
    ),
    Rule(
        "a login method has what it needs (the password method: a username)",
        "credentials",
        "username",
        dict.fromkeys(WRITER_NAMES, ""),
        "This field is required.",
    ),
    Rule(
        "a private key is PEM without a passphrase",
        "secret",
        "private_key",
        {"page": "not a key", "import": "not a key", "service": "not a key"},
        "This is not a PEM private key (without a passphrase).",
    ),
    Rule(
        "a password of at most 255 characters",
        "secret",
        "password",
        dict.fromkeys(("page", "import", "service"), "p" * 256),
        "Ensure this value has at most 255 characters (it has 256).",
    ),
    Rule(
        "a field mapping names a Salesforce field",
        "mapping",
        "lead_field",
        {"page": INJECTION, "admin": INJECTION, "service": INJECTION},
        "Enter a Salesforce field's API name",
        own={"page": "Select a valid choice"},
    ),
    Rule(
        "a field mapping names a field the org's describe has",
        "mapping",
        "lead_field",
        {"page": "No_Such_Field__c", "admin": "No_Such_Field__c", "service": "No_Such_Field__c"},
        "Lead has no field No_Such_Field__c",
        own={"page": "Select a valid choice"},
    ),
    Rule(
        "a company's properties: JSON within its bounds",
        "company",
        "properties",
        {"admin": DEEP_TEXT, "service": nested(50_000)},
        JSON_BOUNDS,
    ),
)


# -- the writers: each returns the messages shown for the rule's field -----------------------


@dataclass
class Ctx:
    integration_settings: IntegrationSettings
    page: Any  # a marketing admin's browser
    admin: Any  # a staff member's browser
    tmp_path: Any
    company: Company
    mapping: FieldMapping
    inactive_list: SmartList


def page(rule: Rule, value: Any, ctx: Ctx) -> list[str]:
    if rule.kind == "settings":
        response = ctx.page.post(
            reverse("settings_ui:salesforce_settings"),
            settings_form_data(ctx.integration_settings, **{rule.field: value}),
        )
        form = response.context["settings_form"]
    elif rule.kind in ("credentials", "secret"):
        post = {"method": "password", "username": SF_USERNAME, "password": "x", "my_domain": ""}
        response = ctx.page.post(
            reverse("settings_ui:salesforce_credentials"), {**post, rule.field: value}
        )
        form = response.context["credentials_form"]
    else:  # the Field mappings page
        data = {}
        for mapping in FieldMapping.objects.all():
            for name in ("lead_field", "contact_field", "sync_rule"):
                data[f"{mapping.hubsync_property}-{name}"] = getattr(mapping, name)
        data[f"{ctx.mapping.hubsync_property}-{rule.field}"] = value
        response = ctx.page.post(reverse("settings_ui:field_mappings"), data)
        [form] = [f for f in response.context["forms"] if f.mapping.pk == ctx.mapping.pk]
    assert response.status_code == 200  # shown again with the error, not saved (302)
    return list(form.errors.get(rule.field, []))


def admin(rule: Rule, value: Any, ctx: Ctx) -> list[str]:
    if rule.kind in ("settings", "credentials"):
        url = change_url(ctx.integration_settings)
        data = admin_form_data(ctx.admin, ctx.integration_settings, **{rule.field: value})
        if isinstance(value, bool):
            data[rule.field] = "on"
    elif rule.kind == "mapping":
        url = reverse("admin:connector_fieldmapping_change", args=[ctx.mapping.pk])
        data = {
            "hubsync_property": ctx.mapping.hubsync_property,
            "lead_field": ctx.mapping.lead_field,
            "contact_field": ctx.mapping.contact_field,
            "sync_rule": ctx.mapping.sync_rule,
            rule.field: value,
        }
    else:
        url = reverse("admin:marketing_company_change", args=[ctx.company.pk])
        data = {"name": ctx.company.name, "domain": "", "salesforce_id": "", rule.field: value}
    response = ctx.admin.post(url, data)
    assert response.status_code == 200, response.status_code  # the form again: not saved
    return list(response.context["adminform"].form.errors.get(rule.field, []))


def import_(rule: Rule, value: Any, ctx: Ctx) -> list[str]:
    document = settings_export(ctx.integration_settings)
    if rule.kind in ("credentials", "secret"):
        document["credentials"][rule.field] = value
        key = f"credentials.{rule.field}"
    else:
        document[rule.field] = value
        key = rule.field
    path = ctx.tmp_path / "settings.json"
    path.write_text(json.dumps(document))
    with pytest.raises(CommandError) as refused:
        call_command("salesforce_settings", "import", str(path), stdout=io.StringIO())
    line = str(refused.value)
    assert refused.value.returncode == 2
    assert "\n" not in line  # one line
    return [line] if f"{key}: " in line else []


def service(rule: Rule, value: Any, ctx: Ctx) -> list[str]:
    try:
        if rule.kind == "settings":
            integration_settings_update(
                integration_settings=ctx.integration_settings,
                data={rule.field: value},
                acting_user=None,
            )
        elif rule.kind in ("credentials", "secret"):  # demo_setup and the import store so
            integration_credentials_update(
                integration_settings=ctx.integration_settings,
                acting_user=None,
                **{rule.field: value},
            )
        elif rule.kind == "mapping":
            field_mapping_save(mapping=ctx.mapping, acting_user=None, **{rule.field: value})
        else:  # the model itself
            setattr(ctx.company, rule.field, value)
            ctx.company.full_clean()
    except ValidationError as error:
        return list(error.message_dict.get(rule.field, []))
    return []


WRITERS: dict[str, Callable[[Rule, Any, Ctx], list[str]]] = {
    "page": page,
    "admin": admin,
    "import": import_,
    "service": service,
}


def stored(rule: Rule, ctx: Ctx) -> Any:
    if rule.kind == "secret":
        return IntegrationSettings.objects.get(pk=ctx.integration_settings.pk).get_secret(
            rule.field
        )
    if rule.kind in ("settings", "credentials"):
        return getattr(IntegrationSettings.objects.get(pk=ctx.integration_settings.pk), rule.field)
    if rule.kind == "mapping":
        return getattr(FieldMapping.objects.get(pk=ctx.mapping.pk), rule.field)
    return Company.objects.get(pk=ctx.company.pk).properties


CASES = [
    pytest.param(rule, writer, id=f"{rule.name} · {writer}")
    for rule in RULES
    for writer in WRITER_NAMES
    if writer in rule.values
]


@pytest.fixture
def ctx(integration_settings, admin_browser, admin_client, tmp_path) -> Ctx:
    org_read(integration_settings)
    # Credentials stored, so that a document or an admin form without any is complete.
    integration_settings.username = SF_USERNAME
    integration_settings.set_password("stored-password")
    integration_settings.save()
    integration_settings.refresh_from_db()
    return Ctx(
        integration_settings=integration_settings,
        page=admin_browser,
        admin=admin_client,
        tmp_path=tmp_path,
        company=CompanyFactory(properties={"Industry": "Retail"}),
        mapping=FieldMapping.objects.get(hubsync_property="job_title"),
        inactive_list=SmartListFactory(name="Old campaign", active=False),
    )


@pytest.mark.parametrize(("rule", "writer"), CASES)
@pytest.mark.slow
def test_every_writer_refuses_what_the_rule_refuses(rule: Rule, writer: str, ctx: Ctx):
    before = stored(rule, ctx)
    shown = WRITERS[writer](rule, rule.value(writer, ctx), ctx)
    assert shown, f"{writer} accepted {rule.name}"
    assert any(rule.words(writer) in str(message) for message in shown), shown
    ctx.integration_settings.refresh_from_db()
    assert stored(rule, ctx) == before  # nothing stored


def test_every_rule_has_every_writer_that_writes_its_value():
    """The table itself: settings and credentials are written by all four writers, secrets by
    all but the admin; mappings by the page, the admin and the service; companies by the
    admin and the model."""
    expected = {
        "settings": set(WRITER_NAMES),
        "credentials": set(WRITER_NAMES),
        "secret": {"page", "import", "service"},  # the admin never shows a secret
        "mapping": {"page", "admin", "service"},
        "company": {"admin", "service"},
    }
    for rule in RULES:
        assert set(rule.values) == expected[rule.kind], rule.name


def test_a_value_nobody_typed_never_fails_a_save(
    salesforce, integration_settings, admin_browser, admin_client, tmp_path
):
    """The connector version label the org returns, longer than the old 32-character column:
    stored whole, and the page, the admin and the import still save."""
    label = "2.0.0+build." + "a" * 22  # 34 characters
    salesforce.control.configure_org(connector_version=label)
    setup_check_run(integration_settings=integration_settings)
    integration_settings.refresh_from_db()
    assert integration_settings.installed_connector_version == label
    response = admin_browser.post(
        reverse("settings_ui:salesforce_settings"),
        settings_form_data(integration_settings, api_call_limit=5000),
    )
    assert response.status_code == 302
    response = admin_client.post(
        change_url(integration_settings),
        admin_form_data(admin_client, integration_settings, api_call_limit=6000),
    )
    assert response.status_code == 302
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"api_call_limit": 7000}))
    call_command("salesforce_settings", "import", str(path), stdout=io.StringIO())
    integration_settings.refresh_from_db()
    assert integration_settings.api_call_limit == 7000
    assert integration_settings.installed_connector_version == label


def test_a_mapping_stored_before_the_rule_never_reaches_a_query(salesforce, integration_settings):
    """A row written past every rule (as before them): the cycle leaves the field out
    instead of putting it into the SELECT list of every query (MALFORMED_QUERY)."""
    FieldMapping.objects.filter(hubsync_property="job_title").update(lead_field=INJECTION)
    integration_settings.sync_enabled = True
    integration_settings.save()
    salesforce.control.load_records(
        "Lead", [{"LastName": "Ng", "Company": "Ng Ltd", "Email": "ng@x.example"}]
    )
    run = sync_cycle_run(trigger="test")
    assert run.status == "succeeded", run.reason
    assert Contact.objects.filter(email="ng@x.example").exists()
