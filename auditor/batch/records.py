"""Small records passed between the batch's parent process and its workers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# One row per input in summary.csv / index.html, in this order (stored in the spool as JSON).
ROW_FIELDS = (
    "source", "agency", "year", "format", "published", "status", "error",
    "errors", "warnings", "infos", "waived", "memo",
)  # fmt: skip


@dataclass(slots=True)
class Backend:
    """The parser and engine entry points (replaceable in tests)."""

    parse_path: Callable[..., Any]
    load_ruleset: Callable[..., Any]
    audit_report: Callable[..., Any]


def real_backend() -> Backend:
    from auditor.engine import audit_report, load_ruleset
    from auditor.parse import parse_path

    return Backend(parse_path=parse_path, load_ruleset=load_ruleset, audit_report=audit_report)


@dataclass(slots=True)
class Parsed:
    """What a worker sends back per file after parsing it (the Report itself is pickled)."""

    index: int
    agency: str | None
    key: str | None  # normalised agency (grouping key)
    year: int | None


@dataclass(slots=True)
class AuditOutcome:
    """What a worker sends back per report after auditing it."""

    index: int
    failed: bool
    errors: int
    warnings: int
    infos: int
    waived: int
    row: list[Any]  # ROW_FIELDS values
    fragment: str  # this report's entry of findings.json (one line of JSON)
    rules: list[tuple[str, str]] = field(default_factory=list)  # distinct (rule, title) fired
    hits: dict[int, int] = field(default_factory=dict)
    expired_hits: dict[int, int] = field(default_factory=dict)


@dataclass(slots=True)
class MemoTask:
    stem: str
    agency: str | None
    items: list[
        tuple[int, int | None, int, int]
    ]  # (index, year, offset, size), by year then source


@dataclass(slots=True)
class WorkerConfig:
    rules_dir: Path | None
    templates_dir: Path | None
    waivers: Any  # WaiverSet
    spool: Path
    out: Path
    rules_label: str
