"""Object and field metadata of the emulated org.

* :mod:`.fields`: the :class:`Field` / :class:`SObject` types and field builders;
* :mod:`.picklists`: picklist values (stages, statuses, industries...);
* :mod:`.objects`: the objects themselves and lookups (``OBJECTS``, ``get_object``...);
* :mod:`.describe`: the ``describe`` responses built from them.
"""

from __future__ import annotations

from .describe import describe_field, describe_global_entry, describe_sobject
from .fields import ID_TYPES, TEXT_TYPES, Field, SObject
from .objects import (
    CASCADES,
    DATA_OBJECTS,
    NAME_BY_PREFIX,
    OBJECTS,
    OBJECTS_LOWER,
    get_object,
    visible_fields,
)
from .picklists import (
    HUBSPOT_ACTIVITY_TYPES,
    INDUSTRIES,
    LEAD_SOURCES,
    LEAD_STATUSES,
    OPPORTUNITY_STAGES,
    STAGE_INFO,
    TASK_STATUSES,
)

__all__ = [
    "CASCADES",
    "DATA_OBJECTS",
    "HUBSPOT_ACTIVITY_TYPES",
    "ID_TYPES",
    "INDUSTRIES",
    "LEAD_SOURCES",
    "LEAD_STATUSES",
    "NAME_BY_PREFIX",
    "OBJECTS",
    "OBJECTS_LOWER",
    "OPPORTUNITY_STAGES",
    "STAGE_INFO",
    "TASK_STATUSES",
    "TEXT_TYPES",
    "Field",
    "SObject",
    "describe_field",
    "describe_global_entry",
    "describe_sobject",
    "get_object",
    "visible_fields",
]
