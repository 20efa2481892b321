"""Issue 26: every string a page shows is German when the reader reads German.

Every page is rendered in German with something on it (failing records, history, a held
deletion, the chart over the limit, the setup check, a contact with values hubsync wrote);
the test fails on any English text of the catalogue (locale/de/LC_MESSAGES/django.po) left
on the page: a string without its German, or one never marked for translation at all but
in the catalogue by another door (a stored English sentence, a label built in code).
"""

from __future__ import annotations

import re
from datetime import timedelta
from functools import cache
from html import unescape
from pathlib import Path

import polib
import pytest
from django.urls import reverse
from django.utils import timezone

from connector.models import ApiCallBucket, HeldDeletion
from connector.services.setup_check import setup_check_run
from connector.sync.cycle import sync_cycle_run
from marketing.models import Contact
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db

CATALOGUE = Path(__file__).resolve().parents[2] / "locale" / "de" / "LC_MESSAGES" / "django.po"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\{[^}]*\}\}")


@cache
def english_phrases() -> tuple[str, ...]:
    """The catalogue's English texts (each literal run between placeholders) of at least two
    words that the German does not share."""
    phrases = set()
    for entry in polib.pofile(str(CATALOGUE)):
        if entry.obsolete:
            continue
        german = entry.msgstr or ""
        for msgid in filter(None, (entry.msgid, entry.msgid_plural)):
            for part in PLACEHOLDER.split(msgid.replace("%%", "%")):
                part = " ".join(part.split()).strip(" .,:;·—–-()“”\"'")
                if len(part.split()) >= 2 and re.search("[a-z]{3}", part) and part not in german:
                    phrases.add(part)
    return tuple(sorted(phrases, key=len, reverse=True))


def page_text(html: str) -> str:
    html = re.sub(r"(?s)<(script|style)\b.*?</\1>", " ", html)
    labels = " ".join(re.findall(r'(?:aria-label|title|placeholder|alt)="([^"]*)"', html))
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html) + " " + labels).split())


@pytest.fixture
def pages(salesforce, integration_settings):
    integration_settings.crm_enabled = True
    integration_settings.api_call_limit = 10
    integration_settings.save()
    ContactFactory(email="long@x.example", job_title="T" * 200)
    ContactFactory(email="atlantis@x.example", country="Atlantis")
    ContactFactory.create_batch(2)
    sync_cycle_run(trigger="test")
    setup_check_run(integration_settings=integration_settings)
    ApiCallBucket.objects.create(minute=timezone.now() - timedelta(hours=2), calls=198)
    linked = Contact.objects.exclude(salesforce_id="").first()
    HeldDeletion.objects.create(
        contact=linked,
        email=linked.email,
        object_type="Lead",
        salesforce_id=linked.salesforce_id,
        cycle="1",
    )
    settings_url = reverse("settings_ui:salesforce_settings")
    return [
        reverse("settings_ui:integrations"),
        settings_url,
        settings_url + "?history=2",
        reverse("settings_ui:salesforce_status"),
        reverse("settings_ui:sync_errors"),
        reverse("settings_ui:field_mappings"),
        reverse("settings_ui:contact_sync", args=[linked.pk]),
        reverse("settings_ui:contact_sync", args=[Contact.objects.get(email="long@x.example").pk]),
        reverse("settings_ui:held_deletions"),
        reverse("settings_ui:inclusion_list_create"),
    ]


@pytest.mark.slow
def test_every_page_in_german_has_no_english_catalogue_text(admin_browser, pages, client):
    admin_browser.cookies["django_language"] = "de"
    english = []
    for url in pages:
        response = admin_browser.get(url, HTTP_ACCEPT_LANGUAGE="de")
        assert response.status_code == 200, url
        text = page_text(response.content.decode())
        if "status" not in url:  # the status panel is a fragment (no <html>)
            assert 'lang="de"' in response.content.decode(), url
        english += [
            f"{url}: {p} … {text[max(0, text.find(p) - 60) : text.find(p) + 80]}"
            for p in english_phrases()
            if p in text
        ]
    client.logout()
    login = page_text(client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="de").content.decode())
    english += [f"login: {p}" for p in english_phrases() if p in login]
    assert not english, "\n".join(english)
