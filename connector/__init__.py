"""The Salesforce connector: the sync engine and everything it keeps.

Talking to Salesforce: ``client`` (one class: auth, metering, timeouts, typed errors),
``transport``, ``metering`` (the rolling 24-hour call window), ``errors`` (the
taxonomy), ``crypto`` (secrets at rest), ``checks`` (system checks), ``version``.
Pure: ``soql`` (quoting, IN lists, datetime literals, chunking), ``mappers`` and
``geo`` (Salesforce dict ↔ hubsync fields). State: ``models/``, read through
``selectors``, written through ``services/`` (settings, jobs, sync errors, deletions,
bootstrap). The engine: ``sync/`` (one cycle entry point and its phases).
Interfaces: ``tasks`` (Celery: the retry policy only), ``admin``, ``management/``.
"""
