"""hubsync's stored messages: a key and parameters, said in the reader's language when read;
every template is in the German catalogue; Salesforce's own messages are never touched, and
no text is matched to find out what a message was."""

from __future__ import annotations

import json
import pickle

import pytest
from django.utils import translation

from connector import messages
from connector.errors import RecoverableError
from connector.messages import (
    CHECK_FIELD_MISSING,
    CHECK_PROBLEMS,
    COUNTRY_NOT_IN_ORG,
    DUPLICATE_MATCHES,
    NO_ANSWER,
    OWN_LIMIT_USED_UP,
    Said,
    in_language,
    message_read,
    message_stored,
    said,
)


def _through_the_database(message: str) -> str:
    """What a reader gets back: the English text and the JSON column, as stored."""
    stored = json.loads(json.dumps(message_stored(message)))
    return message_read(str(message), stored)


def test_a_stored_message_comes_back_in_german_with_its_parameters():
    message = said(COUNTRY_NOT_IN_ORG, text="France", code="FR")
    assert message == "“France” (FR) is not a country in your Salesforce org's country picklist."
    assert message_stored(message) == {
        "key": "country_not_in_org",
        "params": {"text": "France", "code": "FR"},
    }
    read = _through_the_database(message)
    with translation.override("de"):
        assert in_language(read) == (
            "„France“ (FR) ist kein Land der Länderauswahlliste Ihrer Salesforce-Org."
        )
    with translation.override("en"):
        assert in_language(read) == message


def test_the_text_is_never_read_to_find_the_message():
    english = "The Salesforce sync is off."  # a template's exact words, stored without a key
    assert message_stored(english) is None
    with translation.override("de"):
        assert in_language(message_read(english, None)) == english
    # The key decides, whatever the text column says.
    with translation.override("de"):
        read = message_read("anything", {"key": "sync_off", "params": {}})
        assert in_language(read) == translation.gettext(messages.SYNC_OFF)


def test_salesforces_own_words_stay_as_they_are():
    salesforce = "Sales needs a phone number."
    with translation.override("de"):
        assert in_language(salesforce) == salesforce
        combined = in_language(
            _through_the_database(
                said(DUPLICATE_MATCHES, message="Use one of these records?", matches="Lead 00Q1")
            )
        )
    assert combined == "Use one of these records? Passende Datensätze: Lead 00Q1."


@pytest.mark.parametrize("template", [t for t in messages.TEMPLATES if t != messages.ERROR_CODED])
def test_every_template_is_translated(template):
    with translation.override("de"):
        assert translation.gettext(template) != template


def test_every_template_has_a_key_named_after_its_constant():
    assert messages.MESSAGES["country_not_in_org"] == COUNTRY_NOT_IN_ORG
    assert len(messages.MESSAGES) == len(messages.TEMPLATES)


def test_a_connector_errors_reason_keeps_its_code_and_speaks_german():
    error = RecoverableError(said(NO_ANSWER), code="TIMEOUT")
    assert str(error) == error.said == "TIMEOUT: Salesforce did not answer in time."
    read = _through_the_database(error.said)
    with translation.override("de"):
        assert in_language(read) == "TIMEOUT: Salesforce hat nicht rechtzeitig geantwortet."
        salesforce = RecoverableError("unable to obtain", code="UNABLE_TO_LOCK_ROW")
        assert in_language(_through_the_database(salesforce.said)) == (
            "UNABLE_TO_LOCK_ROW: unable to obtain"  # Salesforce's words
        )


def test_numbers_follow_the_language():
    read = _through_the_database(said(OWN_LIMIT_USED_UP, limit=100000))
    with translation.override("de"):
        assert "100.000 Aufrufen" in in_language(read)
    with translation.override("en"):
        assert "100,000 calls" in in_language(read)


def test_a_list_of_messages_is_kept_one_by_one():
    problems = [said(CHECK_FIELD_MISSING, field="Title"), said(CHECK_FIELD_MISSING, field="X")]
    message = said(CHECK_PROBLEMS, name="Lead", problems=problems)
    assert message == "Fields of Lead: Title is missing or hidden; X is missing or hidden."
    read = _through_the_database(message)
    assert isinstance(read, Said) and read == message
    with translation.override("de"):
        german = in_language(read)
        each = [translation.gettext(CHECK_FIELD_MISSING) % {"field": f} for f in ("Title", "X")]
    assert german != message and "; ".join(each) in german


def test_a_message_survives_pickling():
    message = said(OWN_LIMIT_USED_UP, limit=5)
    copy = pickle.loads(pickle.dumps(message))
    assert isinstance(copy, Said) and copy.key == "own_limit_used_up" and copy == message


@pytest.mark.django_db
def test_the_writers_store_the_key():
    from connector.models import ContactSyncEvent, SyncDirection, SyncEventOutcome
    from connector.selectors import integration_settings_get
    from connector.sync.cycle import sync_cycle_run
    from connector.sync.history import ContactEvent, contact_events_write
    from tests.factories import ContactFactory

    integration_settings_get()  # the sync is off
    run = sync_cycle_run(trigger="test")
    assert run.reason == "The Salesforce sync is off."
    assert run.reason_said == {"key": "sync_off", "params": {}}

    contact = ContactFactory()
    detail = said(messages.DELETED_KEPT_UNLINKED)
    contact_events_write(
        [
            ContactEvent(
                contact.pk,
                SyncDirection.INBOUND,
                "Lead",
                "00Q1",
                SyncEventOutcome.UNLINKED,
                detail=detail,
            )
        ]
    )
    event = ContactSyncEvent.objects.get(contact=contact)
    assert event.detail == detail and event.detail_said == {
        "key": "deleted_kept_unlinked",
        "params": {},
    }
