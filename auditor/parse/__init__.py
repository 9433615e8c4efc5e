"""Turn a report file into a ``Report``: metadata, sections and the three tables.

``parse_path`` never raises for bad input: an unreadable, empty, binary or non-report file gives
``Report(status="failed", error=<one Chinese line>)``.
"""

from __future__ import annotations

from bisect import bisect_left
from pathlib import Path

from auditor.errors import IngestError
from auditor.formats import FormatDef, FormatSet, load_formats
from auditor.model import Report
from auditor.parse.document import Document
from auditor.parse.metadata import (
    find_period_year,
    find_published,
    find_publisher,
    find_self_named_agency,
    find_signature_agency,
    find_title,
)
from auditor.parse.sections import find_sections
from auditor.parse.tables import locate_table, read_positional_table, read_table

# Markers of the free-format statistics tables used before the 2019 format.
_PRE_2019_MARKERS = ("指标名称", "计量单位", "统计指标")

__all__ = ["parse_path", "parse_text"]


def parse_path(path: Path, formats: FormatSet | None = None, source: str | None = None) -> Report:
    """Read and parse one report file. Bad input yields a failed Report, never an exception."""
    from auditor.ingest import read_document

    source = source if source is not None else str(path)
    try:
        document = read_document(Path(path))
    except IngestError as error:
        return Report(source=source, status="failed", error=str(error))
    report = parse_text(document.text, source, formats)
    report.notes[:0] = document.notes
    return report


def parse_text(raw: str, source: str, formats: FormatSet | None = None) -> Report:
    formats = formats or load_formats()
    doc = Document.from_text(raw)
    report = Report(source=source, text=doc.text, line_starts=doc.line_starts)
    _read_metadata(doc, report)
    _detect_formats(doc, formats, report)
    layout = formats.get(report.format) or _fallback_format(formats, report)
    if layout is not None:
        report.sections = find_sections(doc, layout)
    if report.format is not None and layout is not None:
        _read_tables(doc, formats, layout, report)
    _judge(doc, report)
    return report


def _read_metadata(doc: Document, report: Report) -> None:
    lines = doc.text.split("\n")
    agency, year = find_title(lines)
    if agency:
        report.agency, report.agency_source = agency, "title"
    else:
        for source, finder in (
            ("publisher", lambda: find_publisher(doc.text)),
            ("signature", lambda: find_signature_agency(lines)),
            ("text", lambda: find_self_named_agency(doc.text)),
        ):
            agency = finder()
            if agency:
                report.agency, report.agency_source = agency, source
                if source == "text":
                    report.notes.append(
                        f"标题、发布机构和落款中都没有单位名称，单位名称“{agency}”取自正文，请核实"
                    )
                break
    if year:
        report.year, report.year_source = year, "title"
    else:
        period = find_period_year(doc.text)
        if period:
            report.year, report.year_source = period, "period"
    report.published, report.published_source = find_published(doc.text)


def _detect_formats(doc: Document, formats: FormatSet, report: Report) -> None:
    """Recognise each table's format version by its own markers (not by the report year)."""
    for table_key in ("active_disclosure", "applications"):
        scores: dict[str, int] = {}
        for fmt in formats.formats.values():
            markers = fmt.markers.get(table_key, ())
            scores[fmt.id] = sum(1 for marker in markers if marker in doc.compact)
        best = max(scores.values(), default=0)
        winners = [fid for fid, score in scores.items() if score == best]
        if best > 0 and len(winners) == 1:
            report.table_formats[table_key] = winners[0]
    old_markers = sum(1 for marker in _PRE_2019_MARKERS if marker in doc.compact) >= 2
    if "applications" not in report.table_formats and (
        old_markers or (report.year is not None and report.year < 2019)
    ):
        # The free-format statistics of the 2007 regulation era: not a 2019/2021-format report.
        report.table_formats.clear()
        report.pre_2019 = True
        return
    report.format = report.table_formats.get("active_disclosure") or report.table_formats.get(
        "applications"
    )


def _fallback_format(formats: FormatSet, report: Report) -> FormatDef | None:
    """Section headings are the same in every format; use the year's format to find them."""
    if report.year is not None:
        fmt = formats.for_year(report.year)
        if fmt is not None:
            return fmt
    ids = formats.ids()
    return formats.get(ids[-1]) if ids else None


def _read_tables(doc: Document, formats: FormatSet, layout: FormatDef, report: Report) -> None:
    for table_key, base in layout.tables.items():
        fmt = formats.get(report.table_formats.get(table_key)) or layout
        table = fmt.tables.get(table_key, base)
        region = _table_region(doc, table.section, report)
        start = locate_table(doc, table, region)
        if start is None:
            continue
        if table.positional:
            read_positional_table(doc, table, (start, region[1]), report)
        else:
            read_table(doc, table, (start, region[1]), report)


def _table_region(doc: Document, section_key: str, report: Report) -> tuple[int, int]:
    """Compact range to search a table in: its section, else the whole text."""
    info = report.sections.get(section_key)
    if info is None:
        return 0, len(doc.compact)
    start = _compact_index(doc, info.start)
    end = _compact_index(doc, info.end) if info.end < len(doc.text) else len(doc.compact)
    return start, end


def _compact_index(doc: Document, text_offset: int) -> int:
    return bisect_left(doc.offsets, text_offset)


def _judge(doc: Document, report: Report) -> None:
    """Decide whether this is a report at all; say why not in one line."""
    has_tables = any(report.tables.values()) or bool(report.unreadable)
    if report.pre_2019 and len(report.sections) < 2 and not report.agency:
        report.status = "failed"
        report.error = "未识别为政府信息公开工作年度报告：没有年报标题和章节"
        return
    if report.pre_2019:
        report.notes.append("这是2019年以前的旧版年报（不适用2019/2021年统一格式），未读取统计表")
        return
    if not report.sections and not has_tables:
        if len(doc.compact) < 400 and report.agency:
            report.status = "failed"
            report.error = "页面只有标题，没有年报正文（正文可能在附件中）"
        else:
            report.status = "failed"
            report.error = "未识别为政府信息公开工作年度报告：找不到年报的章节和统计表"
