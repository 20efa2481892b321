"""Issue 30 in the settings JSON and the settings history: ``user_mappings`` and
``campaign_links`` exported, imported through their services (a status the campaign lacks,
an unknown user: exit 2, nothing applied), the Users page's matches, and who changed what."""

from __future__ import annotations

import io
import json

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from connector.models import CampaignLink, SalesforceUser, UserMapping
from connector.owners import owners_get
from marketing.models import Campaign, SmartList

pytestmark = pytest.mark.django_db

REP = "005Hs00000000AAIAA"


@pytest.fixture
def org(integration_settings):
    integration_settings.username = "ops@acme.example"
    integration_settings.set_password("pw")
    integration_settings.save()
    SalesforceUser.objects.create(salesforce_id=REP, name="Rita Rep", email="rita@acme.example")
    Campaign.objects.create(
        salesforce_id="701Hs00000000AAIAA",
        name="Spring Webinar",
        member_statuses=[
            {"label": "Invited", "has_responded": False, "is_default": True},
            {"label": "Attended", "has_responded": True, "is_default": False},
        ],
    )
    SmartList.objects.create(
        name="VIPs",
        criteria={"match": "all", "conditions": [{"property": "email", "operator": "is_known"}]},
    )
    return get_user_model().objects.create_user("otto", email="otto@hubsync.test")


def export() -> dict:
    out = io.StringIO()
    call_command("salesforce_settings", "export", stdout=out)
    return json.loads(out.getvalue())


def import_(tmp_path, data) -> None:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps(data))
    call_command("salesforce_settings", "import", str(path), stdout=io.StringIO())


LINK = {
    "smart_list": "VIPs",
    "campaign_id": "701Hs00000000AAIAA",
    "member_status": "Attended",
    "remove_when_leaving": True,
}


def test_import_and_export_user_mappings_and_campaign_links(tmp_path, org, integration_settings):
    assert export()["user_mappings"] == [] and export()["campaign_links"] == []
    import_(
        tmp_path,
        {"user_mappings": [{"user": "otto", "salesforce_user_id": REP}], "campaign_links": [LINK]},
    )
    assert owners_get().to_salesforce[str(org.pk)] == REP  # by hand, not by email
    assert export()["user_mappings"] == [{"user": "otto", "salesforce_user_id": REP}]
    assert export()["campaign_links"] == [LINK]
    # Missing keys keep their values; an import replaces a list as a whole.
    import_(tmp_path, {"user_mappings": [{"user": None, "salesforce_user_id": REP}]})
    assert UserMapping.objects.get().user is None and CampaignLink.objects.count() == 1
    import_(tmp_path, {"campaign_links": []})
    assert not CampaignLink.objects.exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"campaign_links": [{**LINK, "member_status": "Sent"}]}, "has no member status “Sent”"),
        ({"campaign_links": [{**LINK, "campaign_id": "701Hs00000000ZZIAA"}]}, "no campaign"),
        ({"campaign_links": [{**LINK, "smart_list": "Nope"}]}, "no smart list 'Nope'"),
        ({"campaign_links": [{**LINK, "remove_when_leaving": "yes"}]}, "true or false"),
        ({"user_mappings": [{"user": "ghost", "salesforce_user_id": REP}]}, "no user 'ghost'"),
        ({"user_mappings": [{"user": "otto", "salesforce_user_id": "003x"}]}, "not a Salesforce"),
        ({"user_mappings": {"otto": REP}}, "must be a list"),
    ],
)
def test_a_bad_list_exits_2_and_applies_nothing(
    tmp_path, org, integration_settings, change, message
):
    with pytest.raises(CommandError) as raised:
        import_(tmp_path, {**change, "api_call_limit": 999})
    assert raised.value.returncode == 2 and message in str(raised.value)
    assert not CampaignLink.objects.exists() and not UserMapping.objects.exists()
    integration_settings.refresh_from_db()
    assert integration_settings.api_call_limit != 999


def test_the_history_records_user_matches_and_campaign_links(org, admin_browser, marketing_admin):
    page = admin_browser.post(
        "/integrations/salesforce/users/", {"salesforce_user_id": REP, "match": str(org.pk)}
    )
    assert page.status_code == 302
    users = admin_browser.get("/integrations/salesforce/users/").content.decode()
    assert "Rita Rep" in users and "set by hand" in users
    admin_browser.post(
        "/integrations/salesforce/campaigns/",
        {
            "smart_list": SmartList.objects.get().pk,
            "campaign_id": "701Hs00000000AAIAA",
            "member_status": "Invited",
        },
    )
    history = admin_browser.get("/integrations/salesforce/settings/").content.decode()
    history = history.split('id="section-history"')[1]
    assert f"User match of Salesforce user {REP}" in history and "otto" in history
    assert "Campaign link of VIPs to 701Hs00000000AAIAA" in history
    assert marketing_admin.get_username() in history


def test_viewers_see_the_pages_and_cannot_change_them(org, client, viewer):
    client.force_login(viewer)
    assert client.get("/integrations/salesforce/users/").status_code == 200
    assert client.get("/integrations/salesforce/campaigns/").status_code == 200
    refused = client.post(
        "/integrations/salesforce/users/", {"salesforce_user_id": REP, "match": "none"}
    )
    assert refused.status_code == 403 and not UserMapping.objects.exists()
