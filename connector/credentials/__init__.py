"""Credentials, in one place: the four ways in to an org (``methods``: password, OAuth web
server flow, JWT bearer, client credentials, and where logins go), the OAuth flow itself
(``oauth``), the stored secrets' encryption (``encryption``) and key rotation (``keys``),
the login's verdict on the settings row (``status``: *Valid*, *Invalid*, *Not checked yet*)
and the writes of credentials (``services``: save, check, connect, disconnect)."""
