"""The language switch in the navigation bar: the settings page in the seed's German."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from .helpers import open_settings

pytestmark = pytest.mark.browser


def test_the_settings_page_in_german_and_back(
    page: Page, marketing_admin, integration_settings, browser_problems
):
    integration_settings.crm_enabled = True  # shows the Task sync section
    integration_settings.api_call_limit = 5000
    integration_settings.save()
    open_settings(page, marketing_admin)
    expect(page.locator("html")).to_have_attribute("lang", "en")

    page.locator("#language-select").select_option(label="Deutsch")

    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page).to_have_url(re.compile(r"/integrations/salesforce/settings/$"))
    expect(page.locator("#language-select")).to_have_value("de")
    expect(page.get_by_role("heading", name="Salesforce-Einstellungen", level=1)).to_be_visible()
    expect(page.get_by_role("link", name="Integrationen", exact=True).first).to_be_visible()
    expect(page.get_by_role("heading", name="Integrationsversion")).to_be_visible()
    expect(page.get_by_role("heading", name="Salesforce-Anmeldeinformationen")).to_be_visible()
    expect(page.get_by_label("Dies ist eine Salesforce-Sandbox-Umgebung")).to_be_visible()
    expect(page.get_by_role("button", name="Anmeldeinformationen speichern")).to_be_visible()

    api_limit = page.locator("#section-api-limit")
    expect(api_limit.locator("legend")).to_have_text("Limit für API-Aufrufe")
    expect(api_limit).to_contain_text(
        "0 von 5.000 API-Aufrufen in den letzten 24 Stunden verwendet"
    )
    expect(
        api_limit.get_by_role("link", name="API-Nutzungsbegrenzungen in Salesforce")
    ).to_be_visible()

    sections = {
        "#section-account-sync": "Kontensynchronisierung",
        "#section-opportunity-sync": "Opportunity-Synchronisierung",
        "#section-task-sync": "Task-Synchronisierung",
        "#section-inclusion-list": "Aufnahmeliste",
        "#section-activity-data": "Aktivitätsdaten in Salesforce speichern",
        "#section-records-created": "In Salesforce erstellte Records (Datensätze)",
        "#section-new-record-type": "Neue Datensatzart",
        "#section-lifecycle": "Automatische Lifecycle-Phasenübergänge",
        "#section-picklists": (
            "State (Bundesland)- und Country (Land)-Auswahllisten in Salesforce"
        ),
        "#section-deletes": "In Salesforce gelöschte Einträge in hubsync löschen",
    }
    for section, title in sections.items():
        expect(page.locator(f"{section} legend").first).to_have_text(title)

    expect(page.locator('label[for="id_account_sync"]')).to_contain_text("Kontensynchronisierung")
    expect(page.locator('select[name="account_sync"] option')).to_have_text(
        ["Konten synchronisieren", "Nicht synchronisieren"]
    )
    expect(page.locator('select[name="inclusion_list"] option').first).to_have_text(
        "-- Keine Aufnahmeliste --"
    )
    expect(page.get_by_role("button", name="Aufnahmeliste erstellen")).to_be_visible()
    expect(page.locator('label[for="id_new_record_type"]')).to_contain_text("Neue Datensatzart")
    expect(page.locator("#section-new-record-type")).to_contain_text("Freigabeeinstellungen")
    expect(page.locator('select[name="lifecycle_transitions"] option')).to_have_text(["Ja", "Nein"])
    expect(page.get_by_role("button", name="Speichern", exact=True)).to_be_visible()

    # Saving answers in German too.
    page.locator('input[name="api_call_limit"]').fill("6000")
    page.get_by_role("button", name="Speichern", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text(
        "Ihre Salesforce-Einstellungen wurden gespeichert."
    )

    # And back to English with the same switch ("Englisch" while the page is German).
    page.locator("#language-select").select_option(value="en")

    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="Salesforce settings", level=1)).to_be_visible()
    expect(page.get_by_role("button", name="Save credentials")).to_be_visible()
    assert browser_problems == []
