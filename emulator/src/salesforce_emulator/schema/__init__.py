"""Object and field metadata of the emulated org.

* :mod:`.fields`: the :class:`Field` / :class:`SObject` types and field builders;
* :mod:`.picklists`: picklist values (stages, statuses, industries...);
* :mod:`.metadata`: the configured setup package, read from a Salesforce DX project;
* :mod:`.objects`: the objects themselves and lookups (``OBJECTS``, ``get_object``...);
* :mod:`.view`: :class:`SchemaView`, what one caller sees of them (org settings, field-level
  security);
* :mod:`.describe`: the ``describe`` responses built from them.
"""

from __future__ import annotations

from .describe import describe_field, describe_global_entry, describe_sobject
from .fields import ID_TYPES, TEXT_TYPES, Field, SObject
from .metadata import MetadataError, SetupPackage
from .objects import (
    CASCADES,
    DATA_OBJECTS,
    NAME_BY_PREFIX,
    OBJECTS,
    OBJECTS_LOWER,
    SETUP_PACKAGE,
    get_object,
    visible_fields,
)
from .picklists import (
    INDUSTRIES,
    LEAD_SOURCES,
    LEAD_STATUSES,
    OPPORTUNITY_STAGES,
    STAGE_INFO,
    TASK_STATUSES,
)
from .view import FLS_LEVELS, SchemaView

__all__ = [
    "CASCADES",
    "FLS_LEVELS",
    "DATA_OBJECTS",
    "ID_TYPES",
    "INDUSTRIES",
    "LEAD_SOURCES",
    "LEAD_STATUSES",
    "NAME_BY_PREFIX",
    "OBJECTS",
    "OBJECTS_LOWER",
    "OPPORTUNITY_STAGES",
    "SETUP_PACKAGE",
    "STAGE_INFO",
    "TASK_STATUSES",
    "TEXT_TYPES",
    "Field",
    "MetadataError",
    "SObject",
    "SchemaView",
    "SetupPackage",
    "describe_field",
    "describe_global_entry",
    "describe_sobject",
    "get_object",
    "visible_fields",
]
