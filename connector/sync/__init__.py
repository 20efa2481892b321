"""The sync engine: one cycle, its phases, and the state it keeps between cycles.

- ``cycle``: the one entry point (``sync_cycle_run``); ``lock``: one cycle at a time
- ``login``: logging in and recording what Salesforce said of the credentials
- ``queue``: which contacts are due for the push, claimed in bounded chunks
- ``pull/``: Salesforce → hubsync, a module per phase (watermark, people, deletes,
  accounts, opportunities, tasks)
- ``push`` / ``push_writes``: hubsync → Salesforce (batches; lookups, Collections, Bulk 2.0)
- ``crm``: CRM tasks, calls and activities → Salesforce Tasks (and Tasks back)
- ``failures``: the one writer of sync failures (record, back-off, park, resolve, retry)
- ``progress``: live progress of a running cycle, the org's API usage
"""
