"""Writes to the connector's state. Interfaces (the page, the admin, commands, tasks) call these.

- ``settings``: the settings row, credentials, the on/off switch, connection checks
- ``jobs``: enqueueing sync cycles (after commit; contact edits debounced)
- ``sync_errors``: *Retry* / *Retry all* on the errors page
- ``deletions``: the mass-delete guard and the two delete outcomes (apply, hold, approve, discard)
- ``bootstrap``: what ``migrate`` sets up (the Marketing admins group, default field mappings)
"""
