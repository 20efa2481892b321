"""The UI in German: the language switch, the seed's wording, forms, messages and errors,
and the committed message catalogue (complete, no fuzzy entries, compiled)."""

from __future__ import annotations

import ast
import gettext as gettext_module
import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.urls import reverse
from django.utils import translation

from connector.models import CredentialsStatus, SyncError
from tests.settings_ui.posts import inclusion_list_post, settings_form_data

SETTINGS_URL = reverse("settings_ui:salesforce_settings")
INTEGRATIONS_URL = reverse("settings_ui:integrations")
ERRORS_URL = reverse("settings_ui:sync_errors")
SET_LANGUAGE_URL = reverse("set_language")

LOCALE_DIR = Path(django_settings.BASE_DIR) / "locale" / "de" / "LC_MESSAGES"
PO_FILE = LOCALE_DIR / "django.po"
MO_FILE = LOCALE_DIR / "django.mo"

# The labels of the settings page, worded as in the seed (the German help article).
SEED_LABELS = [
    "Integrationen",
    "Integrationsversion",
    "Salesforce-Anmeldeinformationen",
    "Anmeldeinformationen speichern",
    "Limit für API-Aufrufe",
    "Kontensynchronisierung",
    "Konten synchronisieren",
    "Nicht synchronisieren",
    "Opportunity-Synchronisierung",
    "Task-Synchronisierung",
    "Aufnahmeliste",
    "-- Keine Aufnahmeliste --",
    "Aufnahmeliste erstellen",
    "Aktivitätsdaten in Salesforce speichern",
    "In Salesforce erstellte Records (Datensätze)",
    "Neue Datensatzart",
    "Automatische Lifecycle-Phasenübergänge",
    "State (Bundesland)- und Country (Land)-Auswahllisten in Salesforce",
    "In Salesforce gelöschte Einträge in hubsync löschen",
    "Freigabeeinstellungen",
    "Speichern",
    "Ja",
    "Nein",
    "Gültig",
]

pytestmark = pytest.mark.django_db


def switch_language(client, language: str, next_url: str = SETTINGS_URL):
    """What the language switch in the navigation bar posts."""
    response = client.post(SET_LANGUAGE_URL, {"language": language, "next": next_url})
    assert response.status_code == 302
    assert response["Location"] == next_url
    return response


@pytest.fixture
def german(admin_browser):
    """The marketing admin's client, switched to German with the language switch."""
    switch_language(admin_browser, "de")
    return admin_browser


class TestSettingsPageInGerman:
    def test_the_seeds_labels(self, german, integration_settings):
        integration_settings.crm_enabled = True  # shows the Task sync section
        integration_settings.credentials_status = CredentialsStatus.VALID
        integration_settings.api_call_limit = 5000
        integration_settings.save()

        response = german.get(SETTINGS_URL)

        assert response.status_code == 200
        html = response.content.decode()
        assert '<html lang="de">' in html
        for label in SEED_LABELS:
            assert label in html, label
        # Numbers grouped the German way.
        assert "0 von 5.000 API-Aufrufen in den letzten 24 Stunden verwendet" in html
        assert "API-Nutzungsbegrenzungen in Salesforce" in html
        assert "Dies ist eine Salesforce-Sandbox-Umgebung" in html
        assert "Benutzername" in html
        assert "Sicherheitstoken" in html
        for english in ["Save credentials", "API Call Limit", "Sync Accounts", "Do Not Sync"]:
            assert english not in html, english

    def test_the_usage_charts_coordinates_stay_numbers(self, german, integration_settings):
        html = german.get(SETTINGS_URL).content.decode()
        chart = html.split('id="api-usage-chart"')[1].split("</svg>")[0]
        bars = re.findall(r'<rect x="([^"]+)" y="([^"]+)" width="([^"]+)"', chart)
        assert len(bars) == 24
        for coordinates in bars:
            for value in coordinates:
                float(value)  # "51.9", not the German "51,9" that SVG rejects

    def test_a_form_error_in_german(self, german, integration_settings):
        response = german.post(
            SETTINGS_URL, settings_form_data(integration_settings, api_call_limit="abc")
        )

        assert response.status_code == 200
        html = response.content.decode()
        assert "Bitte eine ganze Zahl eingeben." in html  # Django's own German
        assert "Enter a whole number." not in html
        integration_settings.refresh_from_db()
        assert integration_settings.api_call_limit is None

    def test_our_own_validation_error_in_german(self, german, integration_settings):
        response = german.post(
            SETTINGS_URL,
            settings_form_data(integration_settings, activity_storage="tasks", activity_types=[]),
        )

        assert response.status_code == 200
        assert (
            "Wählen Sie mindestens eine Aktivitätsart aus oder entscheiden Sie sich, "
            "keine Aktivitätsdaten zu speichern." in response.content.decode()
        )

    def test_a_flash_message_in_german_after_a_valid_save(self, german, integration_settings):
        response = german.post(
            SETTINGS_URL,
            settings_form_data(integration_settings, api_call_limit="1234"),
            follow=True,
        )

        html = response.content.decode()
        assert "Ihre Salesforce-Einstellungen wurden gespeichert." in html
        integration_settings.refresh_from_db()
        assert integration_settings.api_call_limit == 1234
        # The settings history names the change in German too.
        history = html.split('id="section-history"')[1]
        assert "Verlauf der Einstellungen" in history
        assert "Limit für API-Aufrufe" in history

    def test_a_smart_list_criteria_error_in_german(self, german):
        response = german.post(
            reverse("settings_ui:inclusion_list_create"),
            inclusion_list_post("Kunden", ("created_at", "before", "nächsten Dienstag")),
        )

        html = response.content.decode()
        assert "Aufnahmeliste erstellen" in html
        assert "Bedingung 1: &#x27;nächsten Dienstag&#x27; ist kein Datum" in html
        assert "Alle Bedingungen (UND)" in html
        assert "Erstellungsdatum" in html
        assert "liegt vor" in html


def test_the_integrations_page_in_german(german):
    switch_language(german, "de", INTEGRATIONS_URL)

    html = german.get(INTEGRATIONS_URL).content.decode()

    assert '<h1 class="h3 mb-4">Integrationen</h1>' in html
    assert "Einstellungen" in html
    assert "Die Synchronisierung ist ausgeschaltet: Es wird nichts übertragen" in html


def test_the_errors_page_in_german_keeps_salesforces_own_words(german):
    SyncError.objects.create(
        direction="outbound",
        object_type="Lead",
        salesforce_id="00Q000000000001AAA",
        code="INVALID_EMAIL_ADDRESS",
        message="Email: invalid email address: not-an-email",
    )

    html = german.get(ERRORS_URL).content.decode()

    for label in ["Synchronisierungsfehler", "Salesforce-Fehlercode", "Alle erneut versuchen"]:
        assert label in html, label
    assert "Erneut versuchen" in html
    # Salesforce's code and message are Salesforce's words: never translated.
    assert "INVALID_EMAIL_ADDRESS" in html
    assert "Email: invalid email address: not-an-email" in html
    # hubsync's explanation of the code is in the page's language.
    assert "Die E-Mail-Adresse ist ungültig." in html


def test_hubsyncs_own_run_reasons_and_explanations_in_german(german, integration_settings):
    from connector.messages import (
        CONCURRENT_LIMIT,
        COUNTRY_UNKNOWN,
        CYCLE_BUSY,
        message_stored,
        said,
    )
    from connector.models import SyncRun

    integration_settings.sync_enabled = True
    integration_settings.save()
    reason = said(CONCURRENT_LIMIT)
    SyncRun.objects.create(
        trigger="test", status="failed", reason=reason, reason_said=message_stored(reason)
    )
    message = said(COUNTRY_UNKNOWN, text="Atlantis")
    SyncError.objects.create(
        direction="outbound",
        object_type="Lead",
        code="INVALID_COUNTRY",
        message=message,
        message_said=message_stored(message),
    )
    status = german.get(reverse("settings_ui:salesforce_status")).content.decode()
    assert "Letzter Lauf fehlgeschlagen" in status
    assert "Limit gleichzeitiger Anfragen von Salesforce" in status
    errors = german.get(ERRORS_URL).content.decode()
    assert "Das Land steht nicht in der Länderauswahlliste Ihrer Org." in errors
    # hubsync's own message, stored as its key and parameter, shown in German.
    assert "„Atlantis“ ist kein Land, das die Auswahlliste von Salesforce kennt." in errors
    assert "is not a country" not in errors
    reason = said(CYCLE_BUSY, run=12, trigger="schedule")
    SyncRun.objects.create(
        trigger="test", status="failed", reason=reason, reason_said=message_stored(reason)
    )
    status = german.get(reverse("settings_ui:salesforce_status")).content.decode()
    assert "Ein anderer Synchronisationslauf läuft (Lauf 12, schedule)." in status


def test_switching_back_to_english(german, integration_settings):
    assert "Anmeldeinformationen speichern" in german.get(SETTINGS_URL).content.decode()

    switch_language(german, "en")

    html = german.get(SETTINGS_URL).content.decode()
    assert '<html lang="en">' in html
    assert "Save credentials" in html
    assert "Anmeldeinformationen speichern" not in html


def test_the_switch_offers_both_languages(admin_browser):
    html = admin_browser.get(SETTINGS_URL).content.decode()
    switch = html.split('id="language-switch"')[1].split("</form>")[0]
    assert f'action="{SET_LANGUAGE_URL}"' in html
    assert '<option value="en" selected>English</option>' in switch
    assert '<option value="de">Deutsch</option>' in switch


# -- The catalogue ------------------------------------------------------------------------


def _po_string(lines: list[str]) -> str:
    return "".join(ast.literal_eval(line) for line in lines)


def po_entries(path: Path = PO_FILE) -> list[dict[str, Any]]:
    """The entries of a .po file: msgid, msgid_plural, msgstr (or msgstr[n]) and flags."""
    entries = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        entry: dict[str, Any] = {"flags": set(), "msgstr": {}}
        current: list[str] | None = None
        for line in block.strip().splitlines():
            if line.startswith("#,"):
                entry["flags"] |= {flag.strip() for flag in line[2:].split(",")}
            elif line.startswith("#"):
                continue
            elif match := re.match(r"(msgid_plural|msgid|msgstr(?:\[(\d+)\])?) (\".*\")$", line):
                keyword, index, text = match.groups()
                current = [text]
                if keyword == "msgstr" or index is not None:
                    entry["msgstr"][int(index or 0)] = current
                else:
                    entry[keyword] = current
            elif line.startswith('"') and current is not None:
                current.append(line)
        if "msgid" in entry:
            entry["msgid"] = _po_string(entry["msgid"])
            if "msgid_plural" in entry:
                entry["msgid_plural"] = _po_string(entry["msgid_plural"])
            entry["msgstr"] = {n: _po_string(text) for n, text in entry["msgstr"].items()}
            entries.append(entry)
    return entries


def _messages() -> list[dict[str, Any]]:
    return [entry for entry in po_entries() if entry["msgid"]]


def _placeholders(text: str) -> set[str]:
    return set(re.findall(r"%\(\w+\)[sdr]|%%", text))


def test_every_message_is_translated_and_none_is_fuzzy():
    header, *_ = [entry for entry in po_entries() if not entry["msgid"]]
    assert "Language: de" in header["msgstr"][0]
    assert "Plural-Forms: nplurals=2; plural=(n != 1);" in header["msgstr"][0]
    assert "fuzzy" not in header["flags"]
    messages = _messages()
    assert len(messages) > 200
    for entry in messages:
        assert "fuzzy" not in entry["flags"], entry["msgid"]
        forms = 2 if "msgid_plural" in entry else 1
        assert sorted(entry["msgstr"]) == list(range(forms)), entry["msgid"]
        for text in entry["msgstr"].values():
            assert text.strip(), f"untranslated: {entry['msgid']!r}"
            # Every placeholder kept exactly (the German may drop none and add none).
            assert _placeholders(text) == _placeholders(entry["msgid"]), entry["msgid"]


def test_the_compiled_catalogue_matches_the_po_file():
    """The committed .mo is what compilemessages makes of the .po (a fresh machine needs
    no gettext): every message, in both plural forms."""
    with MO_FILE.open("rb") as mo:
        compiled = gettext_module.GNUTranslations(mo)
    messages = _messages()
    for entry in messages:
        if "msgid_plural" in entry:
            assert compiled.ngettext(entry["msgid"], entry["msgid_plural"], 1) == entry["msgstr"][0]
            assert compiled.ngettext(entry["msgid"], entry["msgid_plural"], 2) == entry["msgstr"][1]
        else:
            assert compiled.gettext(entry["msgid"]) == entry["msgstr"][0], entry["msgid"]
    assert len(compiled._catalog) == 1 + sum(len(entry["msgstr"]) for entry in messages)


@pytest.mark.parametrize(
    ("english", "german"),
    [
        ("Save credentials", "Anmeldeinformationen speichern"),
        ("API Call Limit", "Limit für API-Aufrufe"),
        ("Account Sync", "Kontensynchronisierung"),
        ("Sync Accounts", "Konten synchronisieren"),
        ("Do Not Sync", "Nicht synchronisieren"),
        ("Create Inclusion List", "Aufnahmeliste erstellen"),
        ("-- No Inclusion List --", "-- Keine Aufnahmeliste --"),
        ("New record type", "Neue Datensatzart"),
        ("Automatic lifecycle stage transitions", "Automatische Lifecycle-Phasenübergänge"),
        ("Integration version", "Integrationsversion"),
        ("Save", "Speichern"),
    ],
)
def test_django_finds_the_german_labels(english: str, german: str):
    with translation.override("de"):
        assert translation.gettext(english) == german
    with translation.override("en"):
        assert translation.gettext(english) == english


def test_plural_forms():
    with translation.override("de"):
        one = translation.ngettext(
            "%(count)d record will be retried in the next sync.",
            "%(count)d records will be retried in the next sync.",
            1,
        )
        many = translation.ngettext(
            "%(count)d record will be retried in the next sync.",
            "%(count)d records will be retried in the next sync.",
            3,
        )
    assert one % {"count": 1} == (
        "1 Datensatz wird bei der nächsten Synchronisierung erneut versucht."
    )
    assert many % {"count": 3} == (
        "3 Datensätze werden bei der nächsten Synchronisierung erneut versucht."
    )


def test_lifecycle_stages_parse_the_same_in_german():
    """Imports and smart lists read stage labels in English whatever the UI language."""
    from marketing.choices import LifecycleStage

    with translation.override("de"):
        assert str(LifecycleStage.CUSTOMER.label) == "Kunde"
        assert LifecycleStage.parse("Marketing Qualified Lead") == "marketingqualifiedlead"
        assert LifecycleStage.parse("customer") == "customer"
