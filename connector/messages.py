"""hubsync's own messages that are stored (run reasons, per-record errors, history details,
the setup check's lines): a key and its parameters, said in the reader's language when read.

Each is defined once here, as a template with named parameters; its key is the constant's
name in lower case (``COUNTRY_UNKNOWN`` → ``"country_unknown"``), so a template can be
reworded without orphaning a stored row (renaming a constant needs a data migration).
:func:`said` makes one: a :class:`Said`, whose text is the English sentence (what logs,
exceptions and the commands' JSON show) and which carries its key and parameters, what the
database keeps (:meth:`Said.stored`, in a JSON column next to the text). A reader gets it
back with :func:`message_read` and shows it with :func:`in_language`. Salesforce's own
messages have no key: they are kept and shown as Salesforce wrote them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext, gettext_noop

SYNC_OFF = gettext_noop("The Salesforce sync is off.")
TURNED_OFF_DURING_RUN = gettext_noop("The sync was turned off during the run.")
CREDENTIALS_INVALID = gettext_noop("The Salesforce credentials are invalid: %(code)s.")
CYCLE_BUSY = gettext_noop("Another sync cycle is running (run %(run)s, %(trigger)s).")
RETRIES_WAIT = gettext_noop(
    "Retries of failed records wait: more than %(share)s %% of the API limit is used."
)
OWN_LIMIT_USED_UP = gettext_noop(
    "hubsync's API call limit of %(limit)s calls in 24 hours is used up."
)
CONCURRENT_LIMIT = gettext_noop(
    "Salesforce's concurrent request limit: too many long-running requests run in your org at "
    "once (REQUEST_LIMIT_EXCEEDED, ConcurrentRequests). hubsync tries again shortly (after 1, "
    "2, 4 … minutes); the daily API limit is not reached."
)
COUNTRY_UNKNOWN = gettext_noop("“%(text)s” is not a country Salesforce's picklist knows.")
COUNTRY_NOT_IN_ORG = gettext_noop(
    "“%(text)s” (%(code)s) is not a country in your Salesforce org's country picklist."
)
STATE_NOT_IN_ORG = gettext_noop(
    "“%(text)s” is not a state of %(country)s in your Salesforce org's state picklist."
)
STATE_NEEDS_COUNTRY = gettext_noop(
    "The state “%(text)s” needs a country for Salesforce's picklists."
)
RECORD_TYPE_GONE = gettext_noop(
    "The record type chosen for new %(object)ss is not an active record type of your org any "
    "more: choose another under New record type."
)

EMAIL_NOT_STORABLE = gettext_noop(
    "hubsync cannot store the email address “%(email)s”: it is not valid."
)
TOO_LONG_FOR_HUBSYNC = gettext_noop(
    "%(field)s: %(length)s characters, more than hubsync's %(max)s."
)
EMAIL_TAKEN = gettext_noop("Another hubsync contact already has the email %(email)s.")
CONVERTED_NOT_FOLLOWED = gettext_noop(
    "Lead %(lead)s was converted in Salesforce and hubsync cannot follow it to a Contact of its "
    "own."
)
DUPLICATE_TAKEN = gettext_noop(
    "Salesforce's duplicate rule matched %(object)s %(id)s, which is linked to the hubsync "
    "contact %(email)s."
)
DUPLICATE_MATCHES = gettext_noop("%(message)s Matching records: %(matches)s.")
OWNER_REFUSED = gettext_noop(
    "The owner %(user)s (%(id)s) cannot own records in Salesforce: activate the user there or "
    "match the contact owner to another Salesforce user (Integrations → Salesforce → Users). "
    "Salesforce said: %(message)s"
)
LEAD_CONVERTED_TO = gettext_noop("%(old_object)s %(old_id)s converted to %(new_id)s.")
RECORD_MERGED_INTO = gettext_noop("%(old_object)s %(old_id)s merged into %(new_id)s.")
SUCCESSOR_TAKEN = gettext_noop(
    "%(old_object)s %(old_id)s is now %(new_object)s %(new_id)s, which another hubsync contact "
    "follows: this contact is kept, unlinked and no longer synced."
)
DUPLICATE_LINKED = gettext_noop("Salesforce's duplicate rule matched this record: linked to it.")
BOTH_CHANGED_SALESFORCE = gettext_noop(
    "Changed on both sides since the last sync; Salesforce's change was later and was taken: "
    "%(fields)s."
)
BOTH_CHANGED_HUBSYNC = gettext_noop(
    "Changed on both sides since the last sync; hubsync's change was later and was kept (it "
    "goes to Salesforce): %(fields)s."
)
BOTH_CHANGED_EACH = gettext_noop(
    "Changed on both sides since the last sync; Salesforce's later change was taken: "
    "%(salesforce)s; hubsync's later change was kept: %(hubsync)s."
)
DELETED_KEPT_UNLINKED = gettext_noop(
    "Deleted in Salesforce, kept and unlinked: hubsync keeps the contact and does not send it "
    "to Salesforce again."
)
RESTORED_LINKED_AGAIN = gettext_noop(
    "Restored from Salesforce's recycle bin: linked again and synced as before."
)

# The setup check's lines (connector/services/setup_check.py), stored in English.
CHECK_DEPLOY_FIX = gettext_noop(
    "Deploy hubsync's setup to the org (salesforce/ in the repository: sf project "
    "deploy start) and assign the HubSync_Integration permission set to the integration user."
)
CHECK_PICKLISTS_ORG_ONLY = gettext_noop(
    "The org uses state and country picklists; the page says No."
)
CHECK_PICKLISTS_SET_YES = gettext_noop("Set State and Country/Territory Picklists to Yes.")
CHECK_SETUP_MISSING = gettext_noop("hubsync's setup is not deployed to the org.")
CHECK_PICKLISTS_UNKNOWN = gettext_noop(
    "Lead could not be read, so the org's state and country picklist setting is unknown."
)
CHECK_PICKLISTS_MATCH = gettext_noop("State and country picklists: the page matches the org.")
CHECK_PICKLISTS_PAGE_ONLY = gettext_noop(
    "The page says Yes to state and country picklists; the org does not use them."
)
CHECK_PICKLISTS_SET_NO = gettext_noop(
    "Set State and Country/Territory Picklists to No, or turn them on in Setup."
)
CHECK_LOGGED_IN = gettext_noop("Logged in with %(method)s on %(host)s.")
CHECK_API_ENABLED = gettext_noop("The API is enabled for the integration user.")
CHECK_SETUP_DEPLOYED = gettext_noop("hubsync's setup %(v)s is deployed.")
CHECK_SETUP_OUTDATED = gettext_noop("hubsync's setup %(v)s is deployed; %(latest)s is available.")
CHECK_CREDENTIALS_FIX = gettext_noop("Check the credentials in the Salesforce Credentials section.")
CHECK_API_FIX = gettext_noop("Give the integration user the API Enabled permission.")
CHECK_LOGIN_FAILED = gettext_noop("Logging in with %(method)s failed: %(code)s %(message)s")
CHECK_OBJECT_MISSING = gettext_noop("The object %(name)s is missing or not visible.")
CHECK_FIELD_MISSING = gettext_noop("%(field)s is missing or hidden")
CHECK_OBJECT_OK = gettext_noop("%(name)s and its mapped fields are visible and writable.")
CHECK_FIELD_READ_ONLY = gettext_noop("%(field)s is read-only")
CHECK_FIELD_NOT_EXTERNAL_ID = gettext_noop("%(field)s is not an external id")
CHECK_PROBLEMS = gettext_noop("Fields of %(name)s: %(problems)s.")

NO_ANSWER = gettext_noop("Salesforce did not answer in time.")
CONNECTION_FAILED = gettext_noop("The connection to Salesforce failed.")
CREDENTIALS_NOT_SET = gettext_noop("Salesforce credentials are not set (%(missing)s).")
SALESFORCE_ANSWERED = gettext_noop("Salesforce answered %(status)s.")
BULK_JOB_ENDED = gettext_noop("The Bulk API 2.0 query job %(job)s ended %(state)s. %(error)s")
BULK_INSERT_ENDED = gettext_noop("The Bulk API 2.0 insert job %(job)s ended %(state)s. %(error)s")
WORKER_STOPPED = gettext_noop(
    "The worker running this cycle stopped without finishing it (no sign of life for "
    "%(seconds)s s); run %(run)s took over."
)
# A connector error with Salesforce's (or hubsync's) code: "TIMEOUT: Salesforce did not …".
ERROR_CODED = "%(code)s: %(message)s"

TEMPLATES = (
    SYNC_OFF,
    TURNED_OFF_DURING_RUN,
    CREDENTIALS_INVALID,
    CYCLE_BUSY,
    RETRIES_WAIT,
    OWN_LIMIT_USED_UP,
    CONCURRENT_LIMIT,
    COUNTRY_UNKNOWN,
    COUNTRY_NOT_IN_ORG,
    STATE_NOT_IN_ORG,
    STATE_NEEDS_COUNTRY,
    RECORD_TYPE_GONE,
    EMAIL_NOT_STORABLE,
    TOO_LONG_FOR_HUBSYNC,
    EMAIL_TAKEN,
    CONVERTED_NOT_FOLLOWED,
    DUPLICATE_TAKEN,
    DUPLICATE_MATCHES,
    OWNER_REFUSED,
    LEAD_CONVERTED_TO,
    RECORD_MERGED_INTO,
    SUCCESSOR_TAKEN,
    DUPLICATE_LINKED,
    BOTH_CHANGED_SALESFORCE,
    BOTH_CHANGED_HUBSYNC,
    BOTH_CHANGED_EACH,
    DELETED_KEPT_UNLINKED,
    RESTORED_LINKED_AGAIN,
    CHECK_DEPLOY_FIX,
    CHECK_PICKLISTS_ORG_ONLY,
    CHECK_PICKLISTS_SET_YES,
    CHECK_SETUP_MISSING,
    CHECK_PICKLISTS_UNKNOWN,
    CHECK_PICKLISTS_MATCH,
    CHECK_PICKLISTS_PAGE_ONLY,
    CHECK_PICKLISTS_SET_NO,
    CHECK_LOGGED_IN,
    CHECK_API_ENABLED,
    CHECK_SETUP_DEPLOYED,
    CHECK_SETUP_OUTDATED,
    CHECK_CREDENTIALS_FIX,
    CHECK_API_FIX,
    CHECK_LOGIN_FAILED,
    CHECK_OBJECT_MISSING,
    CHECK_FIELD_MISSING,
    CHECK_OBJECT_OK,
    CHECK_FIELD_READ_ONLY,
    CHECK_FIELD_NOT_EXTERNAL_ID,
    CHECK_PROBLEMS,
    NO_ANSWER,
    CONNECTION_FAILED,
    CREDENTIALS_NOT_SET,
    SALESFORCE_ANSWERED,
    BULK_JOB_ENDED,
    BULK_INSERT_ENDED,
    WORKER_STOPPED,
    ERROR_CODED,
)
#: Every message by its key (the constant's name in lower case).
MESSAGES: dict[str, str] = {
    name.lower(): value
    for name, value in list(globals().items())
    if name.isupper() and isinstance(value, str) and value in TEMPLATES
}
_KEY_OF = {template: key for key, template in MESSAGES.items()}
assert len(MESSAGES) == len(TEMPLATES), "two message constants share one template"

# Parameters that are quantities (formatted by the language); ids and run numbers are not.
NUMBERS = frozenset({"limit", "length", "max", "share", "seconds"})
# Parameters that are labels of the page (a login method), said in the reader's language.
LABELS = frozenset({"method"})


class Said(str):
    """One of hubsync's messages: the English sentence, knowing its key and parameters.

    A parameter is text or a number, another message (Salesforce's text, or a :class:`Said`)
    or a list of them (the setup check's problems, joined with "; ").
    """

    key: str
    params: dict[str, Any]

    def __new__(cls, key: str, params: Mapping[str, Any]) -> Said:
        english = {name: _english(value) for name, value in params.items()}
        message = super().__new__(cls, MESSAGES[key] % english)
        message.key = key
        message.params = dict(params)
        return message

    def __reduce__(self) -> tuple[Any, ...]:  # pickle and copy keep the key
        return (Said, (self.key, self.params))

    def stored(self) -> dict[str, Any]:
        """What the database keeps: ``{"key": …, "params": {…}}`` (plain JSON)."""
        return {"key": self.key, "params": {n: _stored(v) for n, v in self.params.items()}}

    def in_language(self) -> str:
        """The message in the active language."""
        params = {name: _shown(name, value) for name, value in self.params.items()}
        return gettext(MESSAGES[self.key]) % params


def said(template: str, **params: Any) -> Said:
    """The message ``template`` (one of this module's constants) with ``params``."""
    return Said(_KEY_OF[template], params)


def said_error(code: str, message: str) -> str:
    """A connector error as a run's reason: "CODE: message" (only the message without a
    code); the message keeps its key when it is one of hubsync's."""
    return said(ERROR_CODED, code=code, message=message) if code else message


def message_stored(message: str) -> dict[str, Any] | None:
    """The JSON column's value for ``message``: its key and parameters, or None for a text
    that is not one of hubsync's messages (Salesforce's own, or nothing)."""
    return message.stored() if isinstance(message, Said) else None


def message_read(text: str, stored: Mapping[str, Any] | None) -> str:
    """A stored message back: a :class:`Said` from its key and parameters, else the text
    as it was stored (Salesforce's own message)."""
    if stored and stored.get("key") in MESSAGES:
        return _from_stored(stored)
    return text


def in_language(message: str) -> str:
    """A message in the active language: hubsync's own said again from its key and
    parameters, any other text unchanged. Never looks at the words."""
    return message.in_language() if isinstance(message, Said) else message


def _from_stored(stored: Mapping[str, Any]) -> Said:
    return Said(stored["key"], {n: _param_read(v) for n, v in stored.get("params", {}).items()})


def _param_read(value: Any) -> Any:
    if isinstance(value, Mapping) and value.get("key") in MESSAGES:
        return _from_stored(value)
    if isinstance(value, list):
        return [_param_read(item) for item in value]
    return value


def _stored(value: Any) -> Any:
    if isinstance(value, Said):
        return value.stored()
    if isinstance(value, str):
        return str(value)
    if isinstance(value, Sequence):
        return [_stored(item) for item in value]
    return value


def _english(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return "; ".join(str(item) for item in value)
    return value


def _shown(name: str, value: Any) -> Any:
    if isinstance(value, Said):
        return value.in_language()
    if isinstance(value, list | tuple):
        return "; ".join(str(_shown(name, item)) for item in value)
    if name in NUMBERS and not isinstance(value, bool) and str(value).isdigit():
        return number_format(int(value), force_grouping=True)  # 1,000 / 1.000
    if name in LABELS and isinstance(value, str):
        return gettext(value)  # a label of the page: in the reader's words
    return value
