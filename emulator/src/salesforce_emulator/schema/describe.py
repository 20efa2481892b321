"""``describe`` responses: DescribeFieldResult, DescribeSObjectResult and describeGlobal entries."""

from __future__ import annotations

from typing import Any

from .children import CHILD_RELATIONSHIPS
from .fields import ID_TYPES, Field, SObject
from .record_types import record_type_infos
from .view import SchemaView


def describe_field(
    f: Field, picklist_values: list[str] | None = None, *, read_only: bool = False
) -> dict[str, Any]:
    """A DescribeFieldResult-shaped dict (``read_only``: the user's field-level security)."""
    values = picklist_values if picklist_values is not None else list(f.picklist)
    return {
        "name": f.name,
        "label": f.label or f.name,
        "type": f.type,
        "soapType": f.soap_type,
        "length": f.length if f.is_text or f.type in ID_TYPES else 0,
        "byteLength": f.length * 3 if f.is_text or f.type in ID_TYPES else 0,
        "precision": f.precision,
        "scale": f.scale,
        "digits": f.precision if f.type == "int" else 0,
        "nillable": f.nillable,
        "createable": f.createable and not read_only,
        "updateable": f.updateable and not read_only,
        "defaultedOnCreate": f.default is not None or not f.createable,
        "defaultValue": f.default if isinstance(f.default, (str, bool)) else None,
        "externalId": f.external_id,
        "unique": f.unique,
        "idLookup": f.type == "id" or f.external_id or f.name == "Username",
        "custom": f.custom,
        "calculated": False,
        "filterable": f.type != "textarea" or f.length <= 255,
        "sortable": (f.type != "textarea" or f.length <= 255) and f.stored,
        "groupable": f.stored
        and f.type not in ("textarea", "double", "currency", "percent", "datetime"),
        "caseSensitive": False,
        "referenceTo": list(f.reference_to),
        "relationshipName": f.relationship_name,
        "compoundFieldName": f.compound_name,
        "polymorphicForeignKey": len(f.reference_to) > 1,
        "restrictedPicklist": f.restricted,
        "picklistValues": [
            {
                "active": True,
                "defaultValue": v == f.default,
                "label": v,
                "validFor": None,
                "value": v,
            }
            for v in values
        ],
        "dependentPicklist": f.name.endswith("StateCode") and f.needs_picklists,
        "controllerName": (
            f.name.replace("StateCode", "CountryCode")
            if f.name.endswith("StateCode") and f.needs_picklists
            else None
        ),
    }


def describe_sobject(obj: SObject, api_version: str, view: SchemaView) -> dict[str, Any]:
    """``sobjects/X/describe/``: the global entry plus the fields ``view`` shows and the
    child relationships."""
    fields = []
    for f in view.fields(obj):
        described = describe_field(f, read_only=view.level(obj, f) == "read")
        if f.needs_picklists:  # the org's own countries and states (with validFor)
            places = view.places
            states = f.name.endswith("StateCode")
            described["picklistValues"] = (
                places.state_picklist if states else places.country_picklist
            )
        if f.needs_record_types:
            described["defaultedOnCreate"] = True
        fields.append(described)
    return {
        **describe_global_entry(obj, api_version),
        "fields": fields,
        "childRelationships": [
            {
                "childSObject": rel.child,
                "field": rel.field,
                "relationshipName": rel.name,
                "cascadeDelete": rel.cascade_delete,
            }
            for rel in CHILD_RELATIONSHIPS.get(obj.name, {}).values()
            if view.object(rel.child) is not None
        ],
        "recordTypeInfos": record_type_infos(obj, api_version, view.record_types.get(obj.name)),
    }


def describe_global_entry(obj: SObject, api_version: str) -> dict[str, Any]:
    """One object of ``sobjects/`` (also ``objectDescribe`` of ``sobjects/X/``)."""
    base = f"/services/data/v{api_version}/sobjects/{obj.name}"
    return {
        "name": obj.name,
        "label": obj.label,
        "labelPlural": obj.label_plural,
        "keyPrefix": obj.key_prefix,
        "custom": obj.custom,
        "createable": obj.createable,
        "updateable": obj.updateable,
        "deletable": obj.deletable,
        "queryable": True,
        "retrieveable": True,
        "searchable": True,
        "replicateable": True,
        "undeletable": obj.deletable,
        "triggerable": True,
        "layoutable": True,
        "urls": {
            "sobject": base,
            "describe": f"{base}/describe",
            "rowTemplate": f"{base}/{{ID}}",
        },
    }
