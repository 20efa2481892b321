"""Stored messages as a key and parameters (issue 28).

Until now hubsync stored its own messages as English sentences and matched them back against
every template to translate them. This parses the stored English once, with the templates as
they read at this migration (frozen below: a later rewording must not change what these old
rows were), into ``*_said`` = ``{"key": …, "params": {…}}``; from here on the writers store
the key themselves and nothing reads the words. Text that matches no template (Salesforce's
own messages) keeps no key and is shown as written.
"""

import re

import marketing.json_fields
from django.db import migrations

#: (key, English template) in the order the old matching tried them.
TEMPLATES = (
    ('sync_off', 'The Salesforce sync is off.'),
    ('turned_off_during_run', 'The sync was turned off during the run.'),
    ('credentials_invalid', 'The Salesforce credentials are invalid: %(code)s.'),
    ('cycle_busy', 'Another sync cycle is running (run %(run)s, %(trigger)s).'),
    ('retries_wait', 'Retries of failed records wait: more than %(share)s %% of the API limit is used.'),
    ('own_limit_used_up', "hubsync's API call limit of %(limit)s calls in 24 hours is used up."),
    ('concurrent_limit', "Salesforce's concurrent request limit: too many long-running requests run in your org at once (REQUEST_LIMIT_EXCEEDED, ConcurrentRequests). hubsync tries again shortly (after 1, 2, 4 … minutes); the daily API limit is not reached."),
    ('country_unknown', "“%(text)s” is not a country Salesforce's picklist knows."),
    ('country_not_in_org', "“%(text)s” (%(code)s) is not a country in your Salesforce org's country picklist."),
    ('state_not_in_org', "“%(text)s” is not a state of %(country)s in your Salesforce org's state picklist."),
    ('state_needs_country', "The state “%(text)s” needs a country for Salesforce's picklists."),
    ('record_type_gone', 'The record type chosen for new %(object)ss is not an active record type of your org any more: choose another under New record type.'),
    ('email_not_storable', 'hubsync cannot store the email address “%(email)s”: it is not valid.'),
    ('too_long_for_hubsync', "%(field)s: %(length)s characters, more than hubsync's %(max)s."),
    ('email_taken', 'Another hubsync contact already has the email %(email)s.'),
    ('converted_not_followed', 'Lead %(lead)s was converted in Salesforce and hubsync cannot follow it to a Contact of its own.'),
    ('duplicate_taken', "Salesforce's duplicate rule matched %(object)s %(id)s, which is linked to the hubsync contact %(email)s."),
    ('duplicate_matches', '%(message)s Matching records: %(matches)s.'),
    ('owner_refused', 'The owner %(user)s (%(id)s) cannot own records in Salesforce: activate the user there or match the contact owner to another Salesforce user (Integrations → Salesforce → Users). Salesforce said: %(message)s'),
    ('lead_converted_to', '%(old_object)s %(old_id)s converted to %(new_id)s.'),
    ('record_merged_into', '%(old_object)s %(old_id)s merged into %(new_id)s.'),
    ('successor_taken', '%(old_object)s %(old_id)s is now %(new_object)s %(new_id)s, which another hubsync contact follows: this contact is kept, unlinked and no longer synced.'),
    ('duplicate_linked', "Salesforce's duplicate rule matched this record: linked to it."),
    ('both_changed_salesforce', "Changed on both sides since the last sync; Salesforce's change was later and was taken: %(fields)s."),
    ('both_changed_hubsync', "Changed on both sides since the last sync; hubsync's change was later and was kept (it goes to Salesforce): %(fields)s."),
    ('both_changed_each', "Changed on both sides since the last sync; Salesforce's later change was taken: %(salesforce)s; hubsync's later change was kept: %(hubsync)s."),
    ('deleted_kept_unlinked', 'Deleted in Salesforce, kept and unlinked: hubsync keeps the contact and does not send it to Salesforce again.'),
    ('restored_linked_again', "Restored from Salesforce's recycle bin: linked again and synced as before."),
    ('check_deploy_fix', "Deploy hubsync's setup to the org (salesforce/ in the repository: sf project deploy start) and assign the HubSync_Integration permission set to the integration user."),
    ('check_picklists_org_only', 'The org uses state and country picklists; the page says No.'),
    ('check_picklists_set_yes', 'Set State and Country/Territory Picklists to Yes.'),
    ('check_setup_missing', "hubsync's setup is not deployed to the org."),
    ('check_picklists_unknown', "Lead could not be read, so the org's state and country picklist setting is unknown."),
    ('check_picklists_match', 'State and country picklists: the page matches the org.'),
    ('check_picklists_page_only', 'The page says Yes to state and country picklists; the org does not use them.'),
    ('check_picklists_set_no', 'Set State and Country/Territory Picklists to No, or turn them on in Setup.'),
    ('check_logged_in', 'Logged in with %(method)s on %(host)s.'),
    ('check_api_enabled', 'The API is enabled for the integration user.'),
    ('check_setup_deployed', "hubsync's setup %(v)s is deployed."),
    ('check_setup_outdated', "hubsync's setup %(v)s is deployed; %(latest)s is available."),
    ('check_credentials_fix', 'Check the credentials in the Salesforce Credentials section.'),
    ('check_api_fix', 'Give the integration user the API Enabled permission.'),
    ('check_login_failed', 'Logging in with %(method)s failed: %(code)s %(message)s'),
    ('check_object_missing', 'The object %(name)s is missing or not visible.'),
    ('check_field_missing', '%(field)s is missing or hidden'),
    ('check_object_ok', '%(name)s and its mapped fields are visible and writable.'),
    ('check_field_read_only', '%(field)s is read-only'),
    ('check_field_not_external_id', '%(field)s is not an external id'),
    ('check_problems', 'Fields of %(name)s: %(problems)s.'),
    ('no_answer', 'Salesforce did not answer in time.'),
    ('connection_failed', 'The connection to Salesforce failed.'),
    ('credentials_not_set', 'Salesforce credentials are not set (%(missing)s).'),
    ('salesforce_answered', 'Salesforce answered %(status)s.'),
    ('bulk_job_ended', 'The Bulk API 2.0 query job %(job)s ended %(state)s. %(error)s'),
    ('worker_stopped', 'The worker running this cycle stopped without finishing it (no sign of life for %(seconds)s s); run %(run)s took over.'),
)
NUMBERS = frozenset({"limit", "length", "max", "share", "seconds"})
# Parameters that may hold another of hubsync's messages.
NESTED = frozenset({"message"})
_CODED = re.compile(r"(?P<code>[A-Z][A-Z0-9_]+): (?P<rest>.+)", re.DOTALL)
_PARAMETER = re.compile(r"%\((\w+)\)s|%%")
_PATTERNS: list = []


def _patterns():
    if not _PATTERNS:
        for key, template in TEMPLATES:
            parts, last = [], 0
            for match in _PARAMETER.finditer(template):
                parts.append(re.escape(template[last : match.start()]))
                parts.append(f"(?P<{match.group(1)}>.+?)" if match.group(1) else "%")
                last = match.end()
            parts.append(re.escape(template[last:]))
            _PATTERNS.append((key, re.compile("".join(parts), re.DOTALL)))
    return _PATTERNS


def parse(text):
    """The key and parameters of a stored English message; None for any other text."""
    if not text:
        return None
    coded = _CODED.fullmatch(text)
    if coded:  # "CODE: message" first: "%(name)s: %(problems)s." would take it whole
        inner = parse(coded["rest"])
        if inner is not None:
            return {"key": "error_coded", "params": {"code": coded["code"], "message": inner}}
    for key, pattern in _patterns():
        match = pattern.fullmatch(text)
        if match:
            params = {}
            for name, value in match.groupdict().items():
                if name in NUMBERS and value.isdigit():
                    params[name] = int(value)
                elif name == "problems":  # the setup check's list of messages
                    params[name] = [parse(part) or part for part in value.split("; ")]
                elif name in NESTED:
                    params[name] = parse(value) or value
                else:
                    params[name] = value
            return {"key": key, "params": params}
    return None


def _rows(apps, model, text_field, said_field):
    Model = apps.get_model("connector", model)
    batch = []
    rows = Model.objects.exclude(**{text_field: ""}).only("pk", text_field).order_by("pk")
    for row in rows.iterator(chunk_size=2000):
        said = parse(getattr(row, text_field))
        if said is not None:
            setattr(row, said_field, said)
            batch.append(row)
        if len(batch) >= 2000:
            Model.objects.bulk_update(batch, [said_field])
            batch = []
    if batch:
        Model.objects.bulk_update(batch, [said_field])


def stored_messages_parse(apps, schema_editor):
    _rows(apps, "SyncRun", "reason", "reason_said")
    _rows(apps, "SyncError", "message", "message_said")
    _rows(apps, "ContactSyncEvent", "detail", "detail_said")
    IntegrationSettings = apps.get_model("connector", "IntegrationSettings")
    for row in IntegrationSettings.objects.exclude(setup_check=None):
        report = row.setup_check
        if not isinstance(report, dict) or not isinstance(report.get("checks"), list):
            continue
        for check in report["checks"]:
            check["message_said"] = parse(check.get("message", ""))
            check["fix_said"] = parse(check.get("fix", ""))
        IntegrationSettings.objects.filter(pk=row.pk).update(setup_check=report)


class Migration(migrations.Migration):

    dependencies = [
        ("connector", "0019_contactsyncstate_reread_when_included"),
    ]

    operations = [
        migrations.AddField(
            model_name="contactsyncevent",
            name="detail_said",
            field=marketing.json_fields.BoundedJSONField(blank=True, max_bytes=8388608, null=True),
        ),
        migrations.AddField(
            model_name="syncerror",
            name="message_said",
            field=marketing.json_fields.BoundedJSONField(blank=True, max_bytes=8388608, null=True),
        ),
        migrations.AddField(
            model_name="syncrun",
            name="reason_said",
            field=marketing.json_fields.BoundedJSONField(blank=True, max_bytes=8388608, null=True),
        ),
        migrations.RunPython(stored_messages_parse, migrations.RunPython.noop, elidable=True),
    ]
