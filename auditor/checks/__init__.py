"""Rule kinds: one module per kind, registered by name."""

from __future__ import annotations

from types import ModuleType

from auditor.checks import (
    carryover,
    crosscheck,
    deadline,
    format,
    identity,
    pattern,
    range,
    row,
    section,
)

KINDS: dict[str, ModuleType] = {
    "section": section,
    "row": row,
    "identity": identity,
    "range": range,
    "crosscheck": crosscheck,
    "deadline": deadline,
    "format": format,
    "pattern": pattern,
    "carryover": carryover,
}


def kind_module(kind: str) -> ModuleType:
    return KINDS[kind]
