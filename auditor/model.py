"""The data the pipeline passes along: a parsed ``Report`` and the ``Finding`` records rules produce.

Keys are the canonical keys of ``../shared/domain/README.md`` (a public contract).
Numbers are ``int`` for counts and ``Decimal`` for money; a cell that could not be read is
absent from ``Report.tables`` and listed in ``Report.unreadable`` instead.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

Number = int | Decimal

SEVERITIES = ("error", "warning", "info")
FINDING_KINDS = (
    "section",
    "row",
    "identity",
    "range",
    "crosscheck",
    "deadline",
    "format",
    "pattern",
    "carryover",
    "parse",
)


@dataclass(slots=True)
class SectionInfo:
    key: str
    heading: str  # the heading text as found in the report
    line: int  # 1-based line number in the report text
    start: int  # offset of the heading in Report.text
    end: int = -1  # offset where the section's text ends (next section or end of text)


@dataclass(slots=True)
class Unreadable:
    table: str
    row: str
    column: str
    reason: str  # Chinese, one line
    line: int | None = None


@dataclass(slots=True)
class GluedResolution:
    """How a row whose digits ran together was split (shown by ``audit explain``)."""

    table: str
    row: str
    raw: str  # the characters the values were read from
    line: int | None
    candidates: int  # how many splits fitted the expected number of cells
    method: str  # "unique" | "row_total" | "ambiguous" | "too_many"
    chosen: list[str] | None = None  # the values chosen, as text, or None when unreadable


@dataclass(slots=True)
class Report:
    source: str
    status: str = "parsed"  # "parsed" | "failed"
    error: str | None = None
    agency: str | None = None
    agency_source: str | None = None  # "title" | "publisher" | "signature" | None
    year: int | None = None
    year_source: str | None = None
    format: str | None = None  # "2019" | "2021" | None (not a 2019/2021-format report)
    # Format recognised from each table's own structure, e.g. {"active_disclosure": "2021",
    # "applications": "2019"}; differing values mean the report mixes the two formats.
    table_formats: dict[str, str] = field(default_factory=dict)
    pre_2019: bool = False  # recognised as an old (pre-2019) free-format report
    published: str | None = None  # ISO date or None
    published_source: str | None = None  # the text the date was read from
    sections: dict[str, SectionInfo] = field(default_factory=dict)
    tables: dict[str, dict[str, dict[str, Number]]] = field(default_factory=dict)
    # Rows whose label was found (even if some of their cells were unreadable).
    rows_found: dict[str, list[str]] = field(default_factory=dict)
    # Source line of each row, keyed "table:row".
    row_lines: dict[str, int] = field(default_factory=dict)
    unreadable: list[Unreadable] = field(default_factory=list)
    resolutions: list[GluedResolution] = field(default_factory=list)
    # Units written inside cells (e.g. "元" in a 万元 column), keyed "table:row.column".
    cell_units: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # parser notes (Chinese), e.g. encoding used
    text: str = ""  # normalised full text, used by pattern and crosscheck rules
    line_starts: list[int] = field(default_factory=lambda: [0])

    # -- helpers used by rules -------------------------------------------------
    def line_of(self, offset: int) -> int:
        return bisect.bisect_right(self.line_starts, offset)

    def section_text(self, key: str) -> str | None:
        info = self.sections.get(key)
        if info is None:
            return None
        end = info.end if info.end >= 0 else len(self.text)
        return self.text[info.start : end]

    def cell(self, table: str, row: str, column: str) -> Number | None:
        return self.tables.get(table, {}).get(row, {}).get(column)

    def unreadable_cell(self, table: str, row: str, column: str) -> Unreadable | None:
        for item in self.unreadable:
            if item.table == table and item.row == row and item.column in (column, "*"):
                return item
        return None

    def has_row(self, table: str, row: str) -> bool:
        return row in self.rows_found.get(table, ())

    def to_json(self) -> dict[str, Any]:
        """The ``audit parse --json`` contract (one object per input)."""
        return {
            "source": self.source,
            "status": self.status,
            "error": self.error,
            "agency": self.agency,
            "year": self.year,
            "format": self.format,
            "published": self.published,
            "sections": {
                key: {"heading": info.heading, "line": info.line}
                for key, info in self.sections.items()
            },
            "tables": {
                table: {
                    row: {col: json_number(v) for col, v in cells.items()}
                    for row, cells in rows.items()
                }
                for table, rows in self.tables.items()
            },
            "unreadable": [
                {
                    "table": u.table,
                    "row": u.row,
                    "column": u.column,
                    "reason": u.reason,
                    "line": u.line,
                }
                for u in self.unreadable
            ],
        }


def json_number(value: Number) -> int | float | str:
    if isinstance(value, Decimal):
        return (
            int(value)
            if value == value.to_integral_value() and "." not in str(value)
            else float(value)
        )
    return value


@dataclass(slots=True)
class Finding:
    rule: str
    kind: str
    severity: str
    message: str
    title: str = ""  # the rule's title
    basis: str = ""  # legal basis / table note the rule rests on
    advice: str = ""  # what the agency should correct
    section: str | None = None
    table: str | None = None
    row: str | None = None
    column: str | None = None
    line: int | None = None
    expected: Any = None
    actual: Any = None
    # Findings that follow from this one (root cause first, no cascade of errors).
    consequences: list[str] = field(default_factory=list)
    waiver: dict[str, Any] | None = None  # set when a waiver accepted this finding

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "rule": self.rule,
            "kind": self.kind,
            "severity": self.severity,
            "message": self.message,
            "title": self.title,
            "basis": self.basis,
            "advice": self.advice,
            "section": self.section,
            "table": self.table,
            "row": self.row,
            "column": self.column,
            "line": self.line,
            "expected": _plain(self.expected),
            "actual": _plain(self.actual),
        }
        if self.consequences:
            data["consequences"] = list(self.consequences)
        if self.waiver is not None:
            data["waiver"] = dict(self.waiver)
        return data


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return json_number(value)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value
