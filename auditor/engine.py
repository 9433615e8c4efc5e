"""Apply a rule set to a report: ``audit_report`` (findings) and ``explain_report`` (traces).

Both run the same evaluation: every check module returns outcomes with their details;
``audit_report`` keeps the findings, ``explain_report`` keeps everything.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from auditor.checks import KINDS
from auditor.checks.base import EvalContext, Outcome
from auditor.model import Finding, GluedResolution, Report, Unreadable
from auditor.rules.conditions import check_conditions
from auditor.rules.loader import load_ruleset
from auditor.rules.model import Rule, RuleSet

__all__ = ["Trace", "audit_report", "explain_report", "load_ruleset", "parse_findings"]

# Kinds that still apply to a report whose format was not recognised, and to pre-2019 reports.
_PRE_2019_KINDS = frozenset({"format", "pattern", "deadline"})

PARSE_UNREADABLE = "parse.unreadable"
PARSE_FAILED = "parse.failed"
# Findings the engine makes itself, without a rule file (waivers may name them).
ENGINE_RULES = (PARSE_UNREADABLE, PARSE_FAILED)
_PARSE_BASIS = "本工具的读取结果（不是对报告内容的判断）"
_PARSE_ADVICE = "请对照原文核对该处数值；如原文排版有误（数字粘连、缺格、错位），请更正后重新发布。"


@dataclass(slots=True)
class Trace:
    """What one rule did on one report, for ``audit explain``."""

    rule: str
    kind: str
    title: str
    severity: str
    status: str  # "fired" | "passed" | "skipped" | "merged" | "not_applicable"
    reason: str = ""
    origin: str = ""  # FILE:LINE of the rule
    outcomes: list[Outcome] = field(default_factory=list)
    resolutions: list[GluedResolution] = field(default_factory=list)


def audit_report(report: Report, ruleset: RuleSet, previous: Report | None = None) -> list[Finding]:
    """Every finding for ``report``: parse findings first, then rules in file order."""
    if report.status == "failed":
        return [_failed_finding(report)]
    findings = parse_findings(report, ruleset)
    for _rule, _reason, outcomes in _run(report, ruleset, previous, explain=False):
        if outcomes:
            for outcome in outcomes:
                if outcome.finding is not None and outcome.status == "fire":
                    findings.append(outcome.finding)
    return findings


def explain_report(
    report: Report, ruleset: RuleSet, rule_id: str | None = None, previous: Report | None = None
) -> list[Trace]:
    """For each rule (or the one named): applied or not, passed, fired or skipped, and why."""
    traces: list[Trace] = []
    if report.status == "failed":
        finding = _failed_finding(report)
        return [Trace(PARSE_FAILED, "parse", finding.title, "error", "fired", finding.message)]
    if rule_id is None or rule_id.startswith("parse"):
        parse = parse_findings(report, ruleset)
        outcomes = [Outcome("fire", f.row or "", f.message, f) for f in parse]
        traces.append(
            Trace(
                PARSE_UNREADABLE,
                "parse",
                "单元格无法读取",
                "warning",
                "fired" if parse else "passed",
                f"{len(report.unreadable)} 个单元格无法读取" if parse else "所有单元格均已读取",
                outcomes=outcomes,
                resolutions=list(report.resolutions),
            )
        )
    # Cascades need every earlier rule evaluated, so run all and keep what was asked for.
    for rule, reason, outcomes in _run(report, ruleset, previous, explain=True):
        if rule_id is not None and rule.id != rule_id:
            continue
        traces.append(_trace(rule, reason, outcomes))
    return traces


def _trace(rule: Rule, reason: str, outcomes: list[Outcome] | None) -> Trace:
    trace = Trace(
        rule.id, rule.kind, rule.title, rule.severity, "not_applicable", reason, rule.origin
    )
    if outcomes is None:
        return trace
    trace.outcomes = outcomes
    statuses = {o.status for o in outcomes}
    if "fire" in statuses:
        trace.status = "fired"
    elif "consequence" in statuses:
        trace.status = "merged"
    elif "pass" in statuses:
        trace.status = "passed"
    else:
        trace.status = "skipped"
    if not trace.reason:
        skipped = sum(1 for o in outcomes if o.status == "skip")
        trace.reason = (
            f"{len(outcomes) - skipped} 处已检查，{skipped} 处未检查"
            if skipped
            else f"{len(outcomes)} 处已检查"
        )
    return trace


def _run(
    report: Report, ruleset: RuleSet, previous: Report | None, explain: bool
) -> Iterator[tuple[Rule, str, list[Outcome] | None]]:
    ev = EvalContext(
        report=report,
        fmt=ruleset.formats.get(report.format),
        formats=ruleset.formats,
        previous=previous,
        explain=explain,
    )
    for rule in ruleset.rules:
        compiled, fid, reason = _compiled_for(rule, report, ruleset)
        if compiled is None:
            yield rule, reason, None
            continue
        conditions = rule.conditions.get(fid) if rule.conditions else None
        if not conditions:
            yield rule, "", KINDS[rule.kind].evaluate(rule, compiled, ev)
            continue
        state, text = check_conditions(conditions, ev)
        if state == "false":
            yield rule, text, None
        elif state == "unknown":
            yield rule, text, [Outcome("skip", "适用条件", text)]
        else:
            ev.when = text
            outcomes = KINDS[rule.kind].evaluate(rule, compiled, ev)
            ev.when = ""
            yield rule, f"适用条件成立：{text}", outcomes


def _compiled_for(rule: Rule, report: Report, ruleset: RuleSet) -> tuple[Any, str | None, str]:
    """(compiled spec, the format id it was compiled for, "") or (None, None, why not)."""
    if not rule.applies_to_year(report.year):
        span = (
            str(rule.year_from)
            if rule.year_from is not None and rule.year_from == rule.year_to
            else f"{rule.year_from or ''}–{rule.year_to or ''}"
        )
        return None, None, f"只适用于 {span} 年度的报告（本报告：{report.year or '年度未知'}）"
    if not rule.applies_to_agency(report.agency):
        return None, None, f"只适用于名称符合规定的单位（本报告：{report.agency or '单位未识别'}）"
    if report.pre_2019 and rule.kind not in _PRE_2019_KINDS:
        return None, None, "旧式（2019年以前）年报，不按统一格式逐项检查"
    fid = report.format
    if fid is not None:
        if fid in rule.compiled:
            return rule.compiled[fid], fid, ""
        return None, None, f"只适用于 {'、'.join(rule.formats)} 年格式（本报告：{fid} 年格式）"
    if not KINDS[rule.kind].STRUCTURAL:
        return None, None, "报告的格式未识别，只做格式和结构方面的检查"
    by_year = ruleset.formats.for_year(report.year) if report.year else None
    if by_year is not None and by_year.id in rule.compiled:
        return rule.compiled[by_year.id], by_year.id, ""
    for candidate in rule.formats:
        if candidate in rule.compiled:
            return rule.compiled[candidate], candidate, ""
    return None, None, "规则没有可用的格式定义"


def parse_findings(report: Report, ruleset: RuleSet | None = None) -> list[Finding]:
    """``Report.unreadable`` as warnings: one per table when nothing in it could be read, one
    per row when the whole row is unreadable, else one per cell."""
    if not report.unreadable:
        return []
    fmt = ruleset.formats.get(report.format) if ruleset is not None else None
    groups: dict[tuple[str, str], list[Unreadable]] = {}
    for item in report.unreadable:
        groups.setdefault((item.table, item.row), []).append(item)
    findings = []
    blank_tables = {t for t, _ in groups if not any(report.tables.get(t, {}).values())}
    for table_key in sorted(
        blank_tables, key=lambda t: min(i for i, k in enumerate(groups) if k[0] == t)
    ):
        # Nothing at all could be read in this table (e.g. left blank): one finding, not 25.
        table = fmt.tables.get(table_key) if fmt else None
        table_name = f"表「{table.title}」" if table else f"表 {table_key}"
        items = [u for u in report.unreadable if u.table == table_key]
        reasons = "；".join(list(dict.fromkeys(u.reason for u in items))[:3])
        line = next((u.line for u in items if u.line), None)
        message = f"{table_name}没有读到任何数值（{reasons}），整张表未参与任何检查。"
        findings.append(_parse_finding(message, table_key, None, None, line))
    for (table_key, row_key), items in groups.items():
        if table_key in blank_tables:
            continue
        table = fmt.tables.get(table_key) if fmt else None
        row_def = table.row(row_key) if table else None
        table_name = f"表「{table.title}」" if table else f"表 {table_key}"
        row_name = f"「{row_def.label}」行" if row_def else f"行 {row_key}"
        line = next((u.line for u in items if u.line), None) or report.row_lines.get(
            f"{table_key}:{row_key}"
        )
        columns = {u.column for u in items}
        whole = "*" in columns or (row_def is not None and set(row_def.columns) <= columns)
        if whole:
            count = len(row_def.columns) if row_def else len(columns)
            reasons = "；".join(dict.fromkeys(u.reason for u in items))
            message = f"{table_name}{row_name}整行无法读取（{reasons}），该行 {count} 个数值未参与任何检查。"
            findings.append(_parse_finding(message, table_key, row_key, None, line))
            continue
        for item in items:
            col = table.columns.get(item.column) if table else None
            col_name = f"「{col.label}」列" if col else f"列 {item.column}"
            message = (
                f"{table_name}{row_name}{col_name}无法读取（{item.reason}），涉及它的检查未进行。"
            )
            findings.append(
                _parse_finding(message, table_key, row_key, item.column, item.line or line)
            )
    return findings


def _parse_finding(
    message: str, table: str, row: str | None, column: str | None, line: int | None
) -> Finding:
    return Finding(
        rule=PARSE_UNREADABLE,
        kind="parse",
        severity="warning",
        message=message,
        title="单元格无法读取",
        basis=_PARSE_BASIS,
        advice=_PARSE_ADVICE,
        table=table,
        row=row,
        column=column,
        line=line,
    )


def _failed_finding(report: Report) -> Finding:
    return Finding(
        rule=PARSE_FAILED,
        kind="parse",
        severity="error",
        message=f"报告无法解析：{report.error or '原因不明'}",
        title="报告无法解析",
        basis=_PARSE_BASIS,
        advice="请确认文件是完整的年度报告正文（不是扫描件、附件链接页或空白页）。",
    )
