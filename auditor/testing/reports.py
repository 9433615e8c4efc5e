"""``clean_report``: a clean, fully filled ``Report`` built directly from a format definition.

All six sections are present in order, every cell is 0, the fee statement is in section 六 and the
report is published on time. Tests and rule-test cases change only what matters to them::

    clean_report("2021", 2022, cells={"applications": {"new_received": {"total": 3}}})

Besides any ``Report`` field (``agency``, ``published``, ``format``, ``pre_2019``...), these
overrides are understood: ``cells`` (table → row → column → value), ``section_text`` (section key
→ body text replacing the default body), ``drop_sections``, ``drop_rows`` (table → rows),
``drop_tables``, ``unreadable`` (dicts or ``Unreadable``; the cells are removed from the tables),
``extra_text`` (appended after the last section), ``section_order`` (section keys in the order
they appear in the text) and ``formats`` (a ``FormatSet``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from auditor.formats import FormatDef, FormatSet, TableDef, load_formats
from auditor.model import Number, Report, SectionInfo, Unreadable
from auditor.text import line_starts

DEFAULT_AGENCY = "示例市示例局"

_DEFAULT_BODIES = {
    "overview": (
        "本年度，本机关认真贯彻落实《中华人民共和国政府信息公开条例》，依法做好政府信息公开工作。"
        "将政务公开纳入绩效考核，开展社会评议，全年未发生需要责任追究的情形。"
    ),
    "problems": "存在的主要问题是信息公开的及时性有待提高。下一步将加强培训，完善制度。",
    "other_matters": "本年度未发出收费通知，未收取信息处理费。",
}

_SPECIAL = (
    "cells",
    "section_text",
    "drop_sections",
    "drop_rows",
    "drop_tables",
    "unreadable",
    "extra_text",
    "section_order",
    "headings",
    "formats",
)


def clean_report(format_id: str, year: int, **overrides: Any) -> Report:
    """A clean report of ``format_id`` for report year ``year`` (see the module docstring)."""
    return build_report(format_id, year, **overrides)


def build_report(format_id: str, year: int, **overrides: Any) -> Report:
    formats: FormatSet = overrides.get("formats") or load_formats()
    fmt = formats.get(str(format_id))
    if fmt is None:
        raise ValueError(f"unknown format {format_id!r}; known: {formats.ids()}")
    unknown = [k for k in overrides if k not in _SPECIAL and not hasattr(Report, k)]
    if unknown:
        raise TypeError(f"unknown override(s): {', '.join(sorted(unknown))}")

    tables = _zero_tables(fmt)
    for table in overrides.get("drop_tables") or ():
        tables.pop(table, None)
    for table, rows in (overrides.get("drop_rows") or {}).items():
        for row in rows:
            tables.get(table, {}).pop(row, None)
    _apply_cells(fmt, tables, overrides.get("cells") or {})
    unreadable = [_as_unreadable(u) for u in overrides.get("unreadable") or ()]
    for item in unreadable:
        row = tables.get(item.table, {}).get(item.row)
        if row is None:
            continue
        if item.column == "*":
            row.clear()
        else:
            row.pop(item.column, None)

    agency = overrides.get("agency", DEFAULT_AGENCY)
    report = Report(source=f"clean-{fmt.id}-{year}", agency=agency, year=year, format=fmt.id)
    report.agency_source = "title"
    report.year_source = "title"
    report.published = f"{year + 1}-01-20"
    report.published_source = f"{year + 1}年1月20日"
    report.table_formats = {key: fmt.id for key in tables}
    report.tables = tables
    report.unreadable = unreadable
    dropped_rows = {t: set(rows) for t, rows in (overrides.get("drop_rows") or {}).items()}
    report.rows_found = {
        key: [r.key for r in fmt.tables[key].rows if r.key not in dropped_rows.get(key, set())]
        for key in tables
    }
    _write_text(report, fmt, overrides, agency or DEFAULT_AGENCY, year)

    for key, value in overrides.items():
        if key not in _SPECIAL:
            setattr(report, key, value)
    return report


def _zero_tables(fmt: FormatDef) -> dict[str, dict[str, dict[str, Number]]]:
    return {
        tkey: {row.key: {col: _zero(table, col) for col in row.columns} for row in table.rows}
        for tkey, table in fmt.tables.items()
    }


def _zero(table: TableDef, column: str) -> Number:
    return Decimal("0") if table.columns[column].type == "money" else 0


def _coerce(table: TableDef, column: str, value: Any) -> Number:
    if table.columns.get(column) is not None and table.columns[column].type == "money":
        return Decimal(str(value))
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, str):
        number = Decimal(value)
        return int(number) if number == number.to_integral_value() and "." not in value else number
    return value


def _apply_cells(fmt: FormatDef, tables: dict, cells: Mapping) -> None:
    for tkey, rows in cells.items():
        table = fmt.tables.get(tkey)
        if table is None:
            raise ValueError(f"format {fmt.id} has no table {tkey!r}")
        for rkey, columns in rows.items():
            row = tables.setdefault(tkey, {}).setdefault(rkey, {})
            for ckey, value in columns.items():
                if value is None:
                    row.pop(ckey, None)
                else:
                    row[ckey] = _coerce(table, ckey, value)


def _as_unreadable(item: Unreadable | Mapping) -> Unreadable:
    if isinstance(item, Unreadable):
        return item
    return Unreadable(
        table=item["table"],
        row=item["row"],
        column=item.get("column", "*"),
        reason=item.get("reason", "无法识别该单元格的数值"),
        line=item.get("line"),
    )


def _fmt_value(value: Number | None) -> str:
    return "" if value is None else str(value)


def _write_text(report: Report, fmt: FormatDef, overrides: Mapping, agency: str, year: int) -> None:
    """Lay out the text line by line, recording section offsets and table row lines."""
    lines: list[str] = [f"{agency}{year}年政府信息公开工作年度报告"]
    offsets: dict[str, tuple[int, int]] = {}  # section key → (first line index, last line index)
    bodies: Mapping[str, str] = overrides.get("section_text") or {}
    dropped = set(overrides.get("drop_sections") or ())
    tables_by_section = {t.section: t for t in fmt.tables.values()}
    row_line_index: dict[str, int] = {}
    order = overrides.get("section_order")
    sections = list(fmt.sections)
    if order:
        rank = {key: i for i, key in enumerate(order)}
        sections.sort(key=lambda s: rank.get(s.key, len(rank)))
    for section in sections:
        if section.key in dropped:
            continue
        first = len(lines)
        lines.append((overrides.get("headings") or {}).get(section.key, section.heading))
        if section.key in bodies:
            lines.extend(str(bodies[section.key]).split("\n"))
        elif section.key in _DEFAULT_BODIES:
            lines.append(_DEFAULT_BODIES[section.key])
        table = tables_by_section.get(section.key)
        if table is not None and table.key in report.tables:
            rows = report.tables[table.key]
            for row in table.rows:
                if row.key not in rows and row.key not in report.rows_found.get(table.key, ()):
                    continue
                values = " | ".join(_fmt_value(rows.get(row.key, {}).get(c)) for c in row.columns)
                row_line_index[f"{table.key}:{row.key}"] = len(lines)
                lines.append(f"{row.label} | {values}")
        offsets[section.key] = (first, len(lines) - 1)
    extra = overrides.get("extra_text")
    if extra:
        lines.extend(str(extra).split("\n"))
    lines.append(agency)
    lines.append(f"{year + 1}年1月20日")
    text = "\n".join(lines) + "\n"
    starts = line_starts(text)
    report.text = text
    report.line_starts = starts
    ordered = list(offsets.items())
    for index, (key, (first, _last)) in enumerate(ordered):
        heading = lines[first]
        start = starts[first]
        if index + 1 < len(ordered):
            end = starts[ordered[index + 1][1][0]]
        else:
            end = starts[_last + 1] if _last + 1 < len(starts) else len(text)
        report.sections[key] = SectionInfo(
            key=key, heading=heading, line=first + 1, start=start, end=end
        )
    report.row_lines = {key: index + 1 for key, index in row_line_index.items()}


def iter_cells(report: Report) -> Iterable[tuple[str, str, str, Number]]:
    for tkey, rows in report.tables.items():
        for rkey, cols in rows.items():
            for ckey, value in cols.items():
                yield tkey, rkey, ckey, value
