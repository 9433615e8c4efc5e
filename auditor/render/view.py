"""View models: everything a memo or the index shows, prepared in Python as plain text.

Templates only loop and print. Numbers arrive as text, verdicts as sentences, locations as
labelled parts, so an auditor editing a template cannot get a calculation wrong.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from auditor.model import Finding, Report
from auditor.render.labels import (
    FORMAT_LABELS,
    KEY_FIGURES,
    KIND_LABELS,
    SEVERITY_LABELS,
    SEVERITY_ORDER,
    STATUS_LABELS,
    LabelBook,
)


@dataclass(slots=True)
class FindingView:
    rule: str
    title: str
    kind: str
    severity: str
    severity_label: str
    message: str
    basis: str
    advice: str
    location: list[str]
    expected: str | None  # only for numeric checks (NUMERIC_KINDS); else None
    actual: str | None
    consequences: list[str]
    values: str = ""  # "应为 X，实为 Y" for numeric checks, else empty
    waiver_reason: str | None = None
    waiver_approved_by: str | None = None
    waiver_expires: str | None = None


@dataclass(slots=True)
class SeverityGroup:
    severity: str
    label: str
    findings: list[FindingView]
    heading: str = ""  # e.g. "错误（2 项）"


@dataclass(slots=True)
class ReportView:
    anchor: str
    source: str
    agency: str
    year: str
    year_value: int | None
    heading: str
    column_label: str  # heading of this report's column in the side-by-side table
    format: str
    format_short: str
    published: str
    published_source: str
    status: str
    status_label: str
    error: str | None
    verdict: str
    verdict_class: str  # "failed" | "error" | "warning" | "ok"
    verdict_short: str
    # Some checks were not done: the tool could not read some cells (``parse`` findings).
    incomplete: bool
    counts: dict[str, int]
    count_text: str
    groups: list[SeverityGroup]
    waived: list[FindingView]
    waived_heading: str
    previous_note: str
    notes: list[str]
    figures: dict[str, str] = field(default_factory=dict)
    fired: dict[str, str] = field(default_factory=dict)  # rule title → worst severity label


@dataclass(slots=True)
class ComparisonRow:
    label: str
    cells: list[str]


@dataclass(slots=True)
class MemoView:
    agency: str
    addressee: str  # "致：…" line; empty for the memo of unidentified files
    intro: str
    memo_name: str
    identified: bool
    reports: list[ReportView]
    verdict: str
    verdict_class: str
    columns: list[str]  # headings of the side-by-side table (one per report)
    comparison: list[ComparisonRow]
    comparison_note: str
    findings_heading: str
    rules_label: str


MAX_COMPARED = 6  # columns in the side-by-side table (A4 width); the latest reports are shown


def text_value(value: Any) -> str | None:
    """A value from a finding as the memo shows it."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, (list, tuple)):
        return "、".join(t for t in (text_value(v) for v in value) if t is not None)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return " ".join(str(value).split())


# Checks whose expected / actual are numbers worth printing as "数值：应为 X，实为 Y". Other
# kinds (pattern, deadline, section…) already quote what they found in the message.
NUMERIC_KINDS = frozenset({"identity", "range", "crosscheck", "carryover"})


def finding_view(finding: Finding, report: Report | None, labels: LabelBook) -> FindingView:
    waiver = finding.waiver or {}
    numeric = finding.kind in NUMERIC_KINDS
    expected = text_value(finding.expected) if numeric else None
    actual = text_value(finding.actual) if numeric else None
    values = (
        f"应为 {expected if expected is not None else '—'}，实为 {actual if actual is not None else '—'}"
        if expected is not None or actual is not None
        else ""
    )
    return FindingView(
        rule=finding.rule,
        title=finding.title or finding.rule,
        kind=KIND_LABELS.get(finding.kind, finding.kind),
        severity=finding.severity,
        severity_label=SEVERITY_LABELS.get(finding.severity, finding.severity),
        message=finding.message,
        basis=finding.basis,
        advice=finding.advice,
        location=location_parts(finding, report, labels),
        expected=expected,
        actual=actual,
        consequences=list(finding.consequences),
        values=values,
        waiver_reason=waiver.get("reason"),
        waiver_approved_by=waiver.get("approved_by"),
        waiver_expires=waiver.get("expires"),
    )


def location_parts(finding: Finding, report: Report | None, labels: LabelBook) -> list[str]:
    """Where to look: section heading, table, row and column labels, line number."""
    fmt = report.format if report else None
    parts: list[str] = []
    section = finding.section or (
        _table_section(finding.table, fmt, labels) if finding.table else None
    )
    if section:
        found = report.sections.get(section) if report else None
        heading = found.heading if found else labels.get(fmt, "section", section)
        parts.append(f"章节「{heading or section}」")
    if finding.table:
        parts.append(f"表「{labels.get(fmt, 'table', finding.table) or finding.table}」")
        if finding.row:
            label = labels.get(fmt, "row", finding.table, finding.row)
            parts.append(f"行「{label}」" if label else f"行 {finding.row}")
        if finding.column:
            label = labels.get(fmt, "column", finding.table, finding.column)
            parts.append(f"列「{label}」" if label else f"列 {finding.column}")
    if finding.line:
        parts.append(f"第 {finding.line} 行")
    return parts


def _table_section(table: str, fmt: str | None, labels: LabelBook) -> str | None:
    # Every table lives in the section of the same key (see the domain README).
    return table if labels.get(fmt, "section", table) else None


def count_text(counts: dict[str, int], waived: int) -> str:
    text = "，".join(f"{SEVERITY_LABELS[s]} {counts.get(s, 0)}" for s in SEVERITY_ORDER)
    return f"{text}，已豁免 {waived}" if waived else text


def short_verdict(verdict_class: str, counts: dict[str, int], unread: int = 0) -> str:
    if verdict_class == "failed":
        return "无法审核"
    extra = f"（{unread} 项未能读出）" if unread else ""
    if verdict_class == "error":
        return f"{counts['error']} 项错误" + (f"（另有 {unread} 项未能读出）" if unread else "")
    if verdict_class == "warning":
        return f"{counts['warning']} 项警告{extra}"
    return "未发现问题"


def verdict_class(status: str, errors: int, warnings: int) -> str:
    """The verdict's class: failed / error / warning / ok (memos and the index share it)."""
    if status == "failed":
        return "failed"
    if errors:
        return "error"
    return "warning" if warnings else "ok"


UNREAD_NOTE = "是本工具未能读出的数值，相关检查未进行，请对照原文核对"


def verdict_for(
    status: str, error: str | None, counts: dict[str, int], unread: dict[str, int] | None = None
) -> tuple[str, str]:
    """The verdict sentence and class. ``unread`` counts, per severity, the ``parse`` findings
    (cells the tool could not read): they are the tool's gap, not the agency's fault, so the
    sentence says the audit is incomplete there instead of blaming the report."""
    kind = verdict_class(status, counts.get("error", 0), counts.get("warning", 0))
    unread = unread or {}
    if kind == "failed":
        return f"无法审核：{error or '文件无法读取'}", kind
    if kind == "error":
        errors, unread_errors = counts["error"], unread.get("error", 0)
        text = f"不符合要求：发现 {errors} 项错误，需要更正后重新发布"
        if unread_errors:
            text += f"（其中 {unread_errors} 项{UNREAD_NOTE}）"
        unread_warnings = unread.get("warning", 0)
        if unread_warnings:
            text += f"；另有 {unread_warnings} 项警告{UNREAD_NOTE}"
        return text + "。", kind
    if kind == "warning":
        warnings, unread_warnings = counts["warning"], unread.get("warning", 0)
        if unread_warnings == warnings:
            return (
                f"审核不完整：有 {warnings} 项数值本工具未能读出，相关检查未进行，"
                "请对照原文核对；其余检查未发现问题。",
                kind,
            )
        if unread_warnings:
            return (
                f"基本符合要求：有 {warnings} 项警告，请核实；其中 {unread_warnings} 项{UNREAD_NOTE}。",
                kind,
            )
        return f"基本符合要求：有 {warnings} 项警告，请核实。", kind
    return "未发现问题。", kind


def _with_waived(verdict: str, waived: int) -> str:
    return f"{verdict.rstrip('。')}（另有 {waived} 项已豁免）。" if waived else verdict


def report_view(
    report: Report,
    active: list[Finding],
    waived: list[Finding],
    labels: LabelBook,
    index: int,
    previous_year: int | None,
    identified: bool = True,
) -> ReportView:
    status = "failed" if report.status == "failed" else "audited"
    counts = {s: 0 for s in SEVERITY_ORDER}
    unread: dict[str, int] = {}
    for finding in active:
        counts[finding.severity] = counts.get(finding.severity, 0) + 1
        if finding.kind == "parse":
            unread[finding.severity] = unread.get(finding.severity, 0) + 1
    verdict, verdict_class = verdict_for(status, report.error, counts, unread)
    verdict = _with_waived(verdict, len(waived))
    by_severity: dict[str, list[FindingView]] = {s: [] for s in SEVERITY_ORDER}
    fired: dict[str, str] = {}
    for finding in active:
        view = finding_view(finding, report, labels)
        by_severity.setdefault(finding.severity, []).append(view)
        fired.setdefault(view.title, view.severity_label)
    groups = [
        SeverityGroup(
            sev,
            SEVERITY_LABELS.get(sev, sev),
            items,
            f"{SEVERITY_LABELS.get(sev, sev)}（{len(items)} 项）",
        )
        for sev, items in by_severity.items()
        if items
    ]
    if report.year is None or status == "failed" or not identified:
        previous_note = ""
    elif previous_year is not None:
        previous_note = f"已与本单位 {previous_year} 年度报告做跨年度衔接核对。"
    else:
        previous_note = f"本批次中没有本单位 {report.year - 1} 年度报告，未做跨年度衔接核对。"
    return ReportView(
        anchor=f"r{index}",
        source=report.source,
        agency=report.agency or "（未识别单位）",
        year=str(report.year) if report.year is not None else "未识别",
        year_value=report.year,
        heading=f"{report.year} 年度报告" if report.year is not None else "年度未识别的报告",
        column_label=f"{report.year} 年度" if report.year is not None else "年度未识别",
        format=FORMAT_LABELS.get(report.format or "", report.format or "未识别"),
        format_short=f"{report.format} 版" if report.format else "未识别",
        published=report.published or "未载明",
        published_source=report.published_source or "",
        status=status,
        status_label=STATUS_LABELS[status],
        error=report.error,
        verdict=verdict,
        verdict_class=verdict_class,
        verdict_short=short_verdict(
            verdict_class, counts, unread.get("error", 0) + unread.get("warning", 0)
        ),
        incomplete=bool(unread.get("error") or unread.get("warning")),
        counts=counts,
        count_text=count_text(counts, len(waived)),
        groups=groups,
        waived=[finding_view(f, report, labels) for f in waived],
        waived_heading=f"已豁免的问题（{len(waived)} 项，不计入结论）",
        previous_note=previous_note,
        notes=list(report.notes),
        figures=_figures(report),
        fired=fired,
    )


def _figures(report: Report) -> dict[str, str]:
    figures: dict[str, str] = {}
    for label, table, row, column in KEY_FIGURES:
        value = report.cell(table, row, column)
        if value is not None:
            figures[label] = text_value(value) or ""
        elif report.unreadable_cell(table, row, column) is not None:
            figures[label] = "无法读取"
    return figures


def memo_view(
    agency: str | None, memo_name: str, reports: list[ReportView], rules_label: str
) -> MemoView:
    failed = sum(1 for r in reports if r.verdict_class == "failed")
    with_errors = sum(1 for r in reports if r.verdict_class == "error")
    with_warnings = sum(1 for r in reports if r.verdict_class == "warning")
    clean = len(reports) - failed - with_errors - with_warnings
    parts = [
        f"{n} 份{what}"
        for n, what in (
            (with_errors, "存在错误"),
            (with_warnings, "仅有警告"),
            (clean, "未发现问题"),
            (failed, "无法审核"),
        )
        if n
    ]
    if len(reports) == 1:
        verdict = reports[0].verdict
    else:
        incomplete = sum(1 for r in reports if r.incomplete and r.verdict_class != "failed")
        note = (
            f"；其中 {incomplete} 份有本工具未能读出的数值，相关检查未进行，请对照原文核对"
            if incomplete
            else ""
        )
        verdict = f"共审核 {len(reports)} 份报告：" + "，".join(parts) + note + "。"
    worst = next(
        (c for c in ("error", "failed", "warning") if any(r.verdict_class == c for r in reports)),
        "ok",
    )
    # Side by side only for one agency's years; unidentified files are unrelated to each other.
    compared = reports[-MAX_COMPARED:]
    columns, comparison = _comparison(compared) if agency and len(reports) > 1 else ([], [])
    comparison_note = (
        f"本单位共有 {len(reports)} 份报告，对照表只列最近的 {MAX_COMPARED} 份。"
        if comparison and len(reports) > MAX_COMPARED
        else ""
    )
    if agency:
        addressee = agency
        intro = ""
    else:
        addressee = ""
        intro = "以下文件未能识别出发布单位（或无法读取），请人工确认单位后转交，或向来源网站索取可读的年报全文。"
    return MemoView(
        agency=agency or "未识别单位的文件",
        addressee=addressee,
        intro=intro,
        memo_name=memo_name,
        identified=agency is not None,
        reports=reports,
        verdict=verdict,
        verdict_class=worst,
        columns=columns,
        comparison=comparison,
        comparison_note=comparison_note,
        findings_heading=("三" if comparison else "二") + "、审核发现",
        rules_label=rules_label,
    )


def _comparison(reports: list[ReportView]) -> tuple[list[str], list[ComparisonRow]]:
    """Years side by side: verdict, counts, key figures, and which rules fired in which year."""
    labels = Counter(r.column_label for r in reports)
    columns = [
        f"{r.column_label}（{r.source.rsplit('/', 1)[-1]}）"
        if labels[r.column_label] > 1
        else r.column_label
        for r in reports
    ]
    rows = [
        ComparisonRow("审核结论", [r.verdict_short for r in reports]),
        ComparisonRow("格式", [r.format_short for r in reports]),
        ComparisonRow("发布日期", [r.published for r in reports]),
    ]
    for sev in SEVERITY_ORDER:
        rows.append(
            ComparisonRow(SEVERITY_LABELS[sev], [str(r.counts.get(sev, 0)) for r in reports])
        )
    for label, *_ in KEY_FIGURES:
        if any(label in r.figures for r in reports):
            rows.append(ComparisonRow(label, [r.figures.get(label, "—") for r in reports]))
    titles = sorted({t for r in reports for t in r.fired})
    for title in titles:
        rows.append(ComparisonRow(title, [r.fired.get(title, "—") for r in reports]))
    return columns, rows
