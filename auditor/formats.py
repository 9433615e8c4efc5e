"""Format definitions (``rules/formats/*.yaml``): sections, tables, rows, columns and labels.

A new revision of the national format is a new YAML file here, not new code.
"""

from __future__ import annotations

import dataclasses
import fnmatch
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from auditor.resources import formats_dir
from auditor.text import compact


@dataclass(frozen=True, slots=True)
class ColumnDef:
    key: str
    label: str
    type: str = "count"  # "count" (non-negative integer) | "money" (decimal, 万元)
    signed: bool = False  # only 本年增/减 may be negative


@dataclass(frozen=True, slots=True)
class RowDef:
    key: str
    label: str
    match: tuple[str, ...]  # compacted phrases that identify the row
    columns: tuple[str, ...]
    compact_label: str = ""  # the label without spaces and punctuation variants
    item: str | None = None  # the 第二十条 item it is published under (table 2), e.g. "(一)"


@dataclass(frozen=True, slots=True)
class TableDef:
    key: str
    title: str
    section: str
    anchors: tuple[str, ...]
    columns: dict[str, ColumnDef]
    rows: tuple[RowDef, ...]
    total_column: str | None = None
    positional: bool = False
    # (left rows, right rows): per column, sum(left) == sum(right). Used to resolve glued digits.
    column_sums: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = ()
    # Words of the printed form that are neither rows nor columns (corner note, banners), and
    # the labels of row groups keyed by the row-key prefix they stand over.
    headers: dict[str, str] = dataclasses.field(default_factory=dict)
    groups: dict[str, str] = dataclasses.field(default_factory=dict)

    def row(self, key: str) -> RowDef | None:
        for row in self.rows:
            if row.key == key:
                return row
        return None

    @property
    def row_keys(self) -> list[str]:
        return [row.key for row in self.rows]

    def expand_rows(self, pattern: str) -> list[str]:
        """``results.denied.*`` → every row under that prefix; ``X.*`` falls back to ``X``."""
        if pattern in ("*", "all"):
            return self.row_keys
        if pattern.endswith(".*"):
            prefix = pattern[:-2]
            found = [k for k in self.row_keys if k.startswith(prefix + ".")]
            if not found and prefix in self.row_keys:
                return [prefix]
            return found
        if any(ch in pattern for ch in "*?["):
            return [k for k in self.row_keys if fnmatch.fnmatchcase(k, pattern)]
        return [pattern] if pattern in self.row_keys else []


@dataclass(frozen=True, slots=True)
class SectionDef:
    key: str
    heading: str
    match: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class FormatDef:
    id: str
    title: str
    year_from: int
    year_to: int | None
    markers: dict[str, tuple[str, ...]]
    sections: tuple[SectionDef, ...]
    tables: dict[str, TableDef]
    path: str = ""

    def applies_to_year(self, year: int) -> bool:
        return year >= self.year_from and (self.year_to is None or year <= self.year_to)

    @property
    def section_keys(self) -> list[str]:
        return [s.key for s in self.sections]


@dataclass(slots=True)
class FormatSet:
    formats: dict[str, FormatDef] = field(default_factory=dict)

    def get(self, format_id: str | None) -> FormatDef | None:
        return self.formats.get(format_id) if format_id else None

    def ids(self) -> list[str]:
        return sorted(self.formats)

    def for_year(self, year: int) -> FormatDef | None:
        for fmt in self.formats.values():
            if fmt.applies_to_year(year):
                return fmt
        return None


def _table_from_yaml(key: str, data: dict) -> TableDef:
    columns = {
        c["key"]: ColumnDef(
            key=c["key"],
            label=c["label"],
            type=c.get("type", "count"),
            signed=bool(c.get("signed", False)),
        )
        for c in data["columns"]
    }
    all_columns = tuple(columns)
    rows = tuple(
        RowDef(
            key=r["key"],
            label=r["label"],
            match=tuple(compact(m) for m in r.get("match", [r["label"]])),
            columns=tuple(r.get("columns", all_columns)),
            compact_label=compact(r["label"]),
            item=r.get("item"),
        )
        for r in data["rows"]
    )
    table = TableDef(
        key=key,
        title=data.get("title", key),
        section=data.get("section", key),
        anchors=tuple(compact(a) for a in data.get("anchors", [])),
        columns=columns,
        rows=rows,
        total_column=data.get("total_column"),
        positional=bool(data.get("positional", False)),
        headers=dict(data.get("headers", {})),
        groups=dict(data.get("groups", {})),
    )
    sums = []
    for item in data.get("column_sums", []):
        left = tuple(k for pattern in item["left"] for k in table.expand_rows(pattern))
        right = tuple(
            k for pattern in item["right"] for k in table.expand_rows(pattern) if k not in left
        )
        sums.append((left, right))
    return dataclasses.replace(table, column_sums=tuple(sums))


def format_from_yaml(data: dict, path: str = "") -> FormatDef:
    years = data.get("years", {})
    return FormatDef(
        id=str(data["id"]),
        title=data.get("title", ""),
        year_from=int(years.get("from", 0)),
        year_to=int(years["to"]) if years.get("to") is not None else None,
        markers={k: tuple(compact(m) for m in v) for k, v in data.get("markers", {}).items()},
        sections=tuple(
            SectionDef(
                key=s["key"],
                heading=s["heading"],
                match=tuple(compact(m) for m in s.get("match", [s["heading"]])),
            )
            for s in data["sections"]
        ),
        tables={key: _table_from_yaml(key, t) for key, t in data["tables"].items()},
        path=path,
    )


def load_formats(directory: Path | None = None) -> FormatSet:
    """Load every ``*.yaml`` in the formats directory (default: the shipped one)."""
    directory = directory or formats_dir()
    return _load_formats_cached(str(Path(directory).resolve()))


@lru_cache(maxsize=8)
def _load_formats_cached(directory: str) -> FormatSet:
    result = FormatSet()
    for path in sorted(Path(directory).glob("*.yaml")):
        with path.open(encoding="utf-8") as handle:
            data = yaml.safe_load(handle)
        fmt = format_from_yaml(data, str(path))
        result.formats[fmt.id] = fmt
    return result
