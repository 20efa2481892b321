"""The settings page's longer help texts: the seed's explanation of a section, with a link
to further reading in Salesforce's documentation."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# Further reading under a section's help text: the object in Salesforce's object reference.
OBJECT_REFERENCE_URL = (
    "https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/"
    "sforce_api_objects_{}.htm"
)


def _help_with_link(text: StrOrPromise, link_text: StrOrPromise, url: str) -> StrOrPromise:
    """A help text (the seed's explanation) with a link to further reading."""
    return format_lazy(
        '{} <a href="{}" target="_blank" rel="noopener">{}</a>', text, url, link_text
    )


HELP_CHANGE_EVENTS = _help_with_link(
    _(
        "On: hubsync subscribes to Salesforce's change events for Leads, Contacts, "
        "Accounts and Opportunities (and Tasks with task sync), so a change reaches "
        "hubsync within seconds, and polls only rarely, as a safety net. It needs "
        "those objects selected under Setup → Change Data Capture; where the org does "
        "not offer them, hubsync polls every few minutes and says so above."
    ),
    _("Change Data Capture in Salesforce's developer guide"),
    "https://developer.salesforce.com/docs/atlas.en-us.change_data_capture.meta/"
    "change_data_capture/cdc_intro.htm",
)
HELP_ACCOUNT_SYNC = _help_with_link(
    _(
        "Leads and Contacts in Salesforce often belong to an Account. Sync Accounts "
        "copies every field of that Account to the properties of a company in hubsync "
        "and links the contact to it: more to know about the contact, and company "
        "details to personalise with."
    ),
    _("Accounts in Salesforce's object reference"),
    OBJECT_REFERENCE_URL.format("account"),
)
HELP_OPPORTUNITY_SYNC = _help_with_link(
    _(
        "On: the Opportunities of synced contacts (through their contact roles) are "
        "copied to hubsync with Owner, Close Date, Stage and Amount, and smart lists "
        "can filter contacts on them."
    ),
    _("Opportunities in Salesforce's object reference"),
    OBJECT_REFERENCE_URL.format("opportunity"),
)
HELP_TASK_SYNC = _help_with_link(
    _(
        "Shown because the CRM is enabled. On: CRM tasks and logged calls on a hubsync "
        "contact become Salesforce Tasks on its Lead or Contact (a logged call as a "
        "call Task), and Salesforce Tasks on synced records come back."
    ),
    _("Tasks in Salesforce's object reference"),
    OBJECT_REFERENCE_URL.format("task"),
)
