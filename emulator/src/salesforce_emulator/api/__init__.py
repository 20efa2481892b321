"""The HTTP side, one module per API family; :mod:`salesforce_emulator.app` routes to them.

Each family is a class whose public methods are endpoint handlers ``(Ctx) -> Out``
(:mod:`.common`); the route table names an endpoint ``family.method``.
"""
