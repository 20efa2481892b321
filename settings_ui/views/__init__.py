"""The Integrations and Salesforce pages, a module per page: ``integrations`` (the list),
``settings`` (the settings page, its on/off button, *Create Inclusion List*, the status
line), ``credentials`` (its Credentials section: save, test, connect, disconnect, the setup
check), ``errors`` (sync errors, *Retry*, the CSV), ``deletes`` (held deletes), ``mappings``
(Field mappings), ``owners`` (Users), ``campaigns`` (Campaigns), ``contact`` (a contact as the
sync sees it); ``base`` holds what they share. Thin: forms validate, services save."""
