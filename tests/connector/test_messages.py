"""hubsync's stored messages: written in English, said again in the reader's language; every
template is in the German catalogue; Salesforce's own messages are never touched."""

from __future__ import annotations

import pytest
from django.utils import translation

from connector import messages
from connector.messages import COUNTRY_NOT_IN_ORG, DUPLICATE_MATCHES, in_language, said


def test_a_stored_message_comes_back_in_german_with_its_parameters():
    stored = said(COUNTRY_NOT_IN_ORG, text="France", code="FR")
    assert stored == "“France” (FR) is not a country in your Salesforce org's country picklist."
    with translation.override("de"):
        assert in_language(stored) == (
            "„France“ (FR) ist kein Land der Länderauswahlliste Ihrer Salesforce-Org."
        )
    with translation.override("en"):
        assert in_language(stored) == stored


def test_salesforces_own_words_stay_as_they_are():
    salesforce = "Sales needs a phone number."
    with translation.override("de"):
        assert in_language(salesforce) == salesforce
        combined = in_language(
            said(DUPLICATE_MATCHES, message="Use one of these records?", matches="Lead 00Q1")
        )
    assert combined == "Use one of these records? Passende Datensätze: Lead 00Q1."


@pytest.mark.parametrize("template", messages.TEMPLATES)
def test_every_template_is_translated(template):
    with translation.override("de"):
        assert translation.gettext(template) != template


def test_a_connector_errors_reason_keeps_its_code_and_speaks_german():
    from connector.errors import RecoverableError
    from connector.messages import NO_ANSWER

    reason = str(RecoverableError(NO_ANSWER, code="TIMEOUT"))
    assert reason == "TIMEOUT: Salesforce did not answer in time."
    with translation.override("de"):
        assert in_language(reason) == "TIMEOUT: Salesforce hat nicht rechtzeitig geantwortet."
        assert in_language("UNABLE_TO_LOCK_ROW: unable to obtain") == (
            "UNABLE_TO_LOCK_ROW: unable to obtain"  # Salesforce's words
        )


def test_numbers_follow_the_language():
    from connector.messages import OWN_LIMIT_USED_UP

    stored = said(OWN_LIMIT_USED_UP, limit=100000)
    with translation.override("de"):
        assert "100.000 Aufrufen" in in_language(stored)
    with translation.override("en"):
        assert "100,000 calls" in in_language(stored)
