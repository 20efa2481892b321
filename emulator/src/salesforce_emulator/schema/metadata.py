"""The org's setup package, read from a Salesforce DX project (the configuration's
``metadata_dir``, or ``$SALESFORCE_METADATA_DIR``; see :mod:`salesforce_emulator.config`):
custom fields on standard objects, custom objects with their fields, custom labels. Without
one the org has no setup package.

The emulator builds its custom fields and objects from these files, so a project's package
and the emulator cannot disagree. Only the stdlib XML parser is used. A missing folder or a
field type the emulator does not know fails loudly, at import.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import METADATA_ENV_VAR as ENV_VAR
from ..config import active_config
from .fields import Field, SObject, system_fields, text

NS = "{http://soap.sforce.com/2006/04/metadata}"
SOURCE = ("force-app", "main", "default")
#: Metadata object folders that stand for another emulated object.
OBJECT_ALIASES = {"Activity": "Task"}
#: Key prefixes handed to the package's custom objects, in name order.
CUSTOM_PREFIXES = ("a0H", "a0I", "a0J", "a0K", "a0L", "a0M", "a0N", "a0O")


class MetadataError(RuntimeError):
    """The setup package cannot be read (missing folder, unknown field type...)."""


@dataclass(frozen=True)
class CustomLabel:
    """One custom label (``labels/CustomLabels.labels-meta.xml``): a Tooling ``ExternalString``."""

    name: str
    value: str
    short_description: str
    categories: str | None = None
    language: str = "en_US"
    protected: bool = False


@dataclass(frozen=True)
class SetupPackage:
    """What the emulator takes from the DX source."""

    #: None: no setup package (standard objects only).
    directory: Path | None
    #: Custom fields of standard objects, by emulated object name (``Activity`` -> ``Task``).
    fields: dict[str, tuple[Field, ...]]
    #: Custom objects, with system fields and their name field.
    objects: tuple[SObject, ...]
    #: Custom labels: full name -> value.
    labels: dict[str, str]
    #: The project's namespace (``sfdx-project.json``), None when it has none.
    namespace: str | None
    #: The custom labels in full, in file order.
    custom_labels: tuple[CustomLabel, ...] = ()

    def fields_for(self, object_name: str) -> tuple[Field, ...]:
        return self.fields.get(object_name, ())


def metadata_dir() -> Path | None:
    """The configured setup package (None: none)."""
    return active_config().setup_package_dir()


def _text(el: ET.Element, tag: str, default: str | None = None) -> str | None:
    child = el.find(NS + tag)
    return child.text.strip() if child is not None and child.text else default


def _flag(el: ET.Element, tag: str) -> bool:
    return (_text(el, tag, "false") or "").lower() == "true"


def _int(el: ET.Element, tag: str, default: int) -> int:
    value = _text(el, tag)
    return int(value) if value else default


def _parse(path: Path) -> ET.Element:
    try:
        return ET.parse(path).getroot()
    except (ET.ParseError, OSError) as exc:
        raise MetadataError(f"cannot read {path}: {exc}") from exc


def parse_field(path: Path) -> Field:
    """One ``*.field-meta.xml`` as an emulator :class:`Field`."""
    el = _parse(path)
    name = _text(el, "fullName") or path.name.split(".", 1)[0]
    label = _text(el, "label", name) or name
    kind = _text(el, "type", "") or ""
    required = _flag(el, "required")
    common: dict[str, Any] = {
        "label": label,
        "custom": True,
        "package": True,
        "nillable": not required,
        "required": required,
    }
    if kind == "Text":
        ext, unique = _flag(el, "externalId"), _flag(el, "unique")
        return Field(
            name,
            "string",
            length=_int(el, "length", 255),
            external_id=ext,
            unique=unique,
            indexed=ext or unique,
            **common,
        )
    if kind in ("LongTextArea", "TextArea", "Html"):
        return Field(name, "textarea", length=_int(el, "length", 255), **common)
    if kind in ("Email", "Phone", "Url"):
        lengths = {"Email": 80, "Phone": 40, "Url": 255}
        return Field(name, kind.lower(), length=lengths[kind], **common)
    if kind in ("Lookup", "MasterDetail"):
        target = _text(el, "referenceTo")
        if not target:
            raise MetadataError(f"{path}: a {kind} field needs <referenceTo>")
        return Field(
            name,
            "reference",
            length=18,
            reference_to=(OBJECT_ALIASES.get(target, target),),
            relationship_name=name[:-3] + "__r" if name.endswith("__c") else name,
            indexed=True,
            **common,
        )
    if kind == "Picklist":
        values, default, restricted = _picklist(el)
        return Field(
            name,
            "picklist",
            length=255,
            picklist=values,
            restricted=restricted,
            default=default,
            **common,
        )
    if kind == "DateTime":
        return Field(name, "datetime", **common)
    if kind == "Date":
        return Field(name, "date", **common)
    if kind == "Checkbox":
        common.update(nillable=False, required=False)
        return Field(name, "boolean", default=_flag(el, "defaultValue"), **common)
    if kind in ("Number", "Currency", "Percent"):
        return Field(
            name,
            {"Number": "double", "Currency": "currency", "Percent": "percent"}[kind],
            precision=_int(el, "precision", 18),
            scale=_int(el, "scale", 0),
            **common,
        )
    raise MetadataError(f"{path}: field type {kind!r} is not supported by the emulator")


def _picklist(el: ET.Element) -> tuple[tuple[str, ...], str | None, bool]:
    value_set = el.find(NS + "valueSet")
    if value_set is None:
        return (), None, False
    values: list[str] = []
    default = None
    for v in value_set.iter(NS + "value"):
        full = _text(v, "fullName")
        if full is None:
            continue
        values.append(full)
        if _flag(v, "default"):
            default = full
    return tuple(values), default, _flag(value_set, "restricted")


def _fields_in(folder: Path) -> tuple[Field, ...]:
    return tuple(parse_field(p) for p in sorted((folder / "fields").glob("*.field-meta.xml")))


def parse_object(folder: Path, key_prefix: str) -> SObject:
    """A custom object folder (``X__c.object-meta.xml`` + ``fields/``) as an :class:`SObject`."""
    name = folder.name
    el = _parse(folder / f"{name}.object-meta.xml")
    label = _text(el, "label", name) or name
    name_field = el.find(NS + "nameField")
    name_label = _text(name_field, "label", "Name") if name_field is not None else "Name"
    auto = name_field is not None and _text(name_field, "type") == "AutoNumber"
    fields = [
        *system_fields(),
        text(
            "Name",
            80,
            name_label or "Name",
            createable=not auto,
            updateable=not auto,
        ),
        *_fields_in(folder),
    ]
    return SObject(
        name,
        key_prefix,
        label,
        _text(el, "pluralLabel", label) or label,
        fields,
        custom=True,
        package=True,
    )


def parse_labels(path: Path) -> tuple[CustomLabel, ...]:
    if not path.exists():
        return ()
    root = _parse(path)
    out = []
    for lab in root.iter(NS + "labels"):
        name = _text(lab, "fullName")
        if name:
            out.append(
                CustomLabel(
                    name=name,
                    value=_text(lab, "value", "") or "",
                    short_description=_text(lab, "shortDescription", name) or name,
                    categories=_text(lab, "categories"),
                    language=_text(lab, "language", "en_US") or "en_US",
                    protected=_flag(lab, "protected"),
                )
            )
    return tuple(out)


def load_setup_package(directory: Path | None = None) -> SetupPackage:
    """Read the DX source at ``directory`` (default: :func:`metadata_dir`; none configured:
    an empty package)."""
    root = directory or metadata_dir()
    if root is None:
        return SetupPackage(directory=None, fields={}, objects=(), labels={}, namespace=None)
    source = root.joinpath(*SOURCE)
    if not (source / "objects").is_dir():
        raise MetadataError(
            f"the Salesforce setup package was not found at {source}: the emulator builds "
            f"its custom fields and objects from it. Point the configuration's metadata_dir "
            f"(or ${ENV_VAR}) at a Salesforce DX project."
        )
    fields: dict[str, tuple[Field, ...]] = {}
    custom: list[Path] = []
    for folder in sorted(p for p in (source / "objects").iterdir() if p.is_dir()):
        if folder.name.endswith("__c"):
            custom.append(folder)
        else:
            target = OBJECT_ALIASES.get(folder.name, folder.name)
            fields[target] = fields.get(target, ()) + _fields_in(folder)
    if len(custom) > len(CUSTOM_PREFIXES):
        raise MetadataError(f"at most {len(CUSTOM_PREFIXES)} custom objects are supported")
    objects = tuple(parse_object(f, p) for f, p in zip(custom, CUSTOM_PREFIXES, strict=False))
    namespace = None
    project = root / "sfdx-project.json"
    if project.exists():
        namespace = json.loads(project.read_text()).get("namespace") or None
    labels = parse_labels(source / "labels" / "CustomLabels.labels-meta.xml")
    return SetupPackage(
        directory=root,
        fields=fields,
        objects=objects,
        labels={label.name: label.value for label in labels},
        namespace=namespace,
        custom_labels=labels,
    )
