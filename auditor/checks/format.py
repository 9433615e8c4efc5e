"""``format``: the right format version for the report year, not mixed, not a pre-2019 report.

``check: year_match`` — the recognised format must be the one the year calls for.
``check: mixed`` — the tables must not come from different format versions.
``check: pre_2019`` — an old free-format report gets this one finding (and no table findings).
``check: missing`` — no 2019/2021 format recognised (narrow it with ``years``).
"""

from __future__ import annotations

from dataclasses import dataclass

from auditor.checks.base import CompileContext, EvalContext, Outcome, make_finding, show
from auditor.rules.model import Rule

STRUCTURAL = True
PLACEHOLDERS = {
    "expected": "该年度应使用的格式（文号）",
    "actual": "报告实际使用的格式（文号）",
    "tables": "各表分别使用的格式",
}

_TABLE_NAMES = {
    "active_disclosure": "表二（主动公开）",
    "applications": "表三（依申请）",
    "review_litigation": "表四（复议诉讼）",
}


@dataclass(frozen=True, slots=True)
class Compiled:
    check: str


def compile(rule: Rule, ctx: CompileContext) -> Compiled:
    return Compiled(rule.spec.get("check", "year_match"))


def _title(ev: EvalContext, format_id: str | None) -> str:
    fmt = ev.formats.get(format_id)
    return f"{fmt.id}年格式（{fmt.title}）" if fmt else "（未识别）"


def evaluate(rule: Rule, compiled: Compiled, ev: EvalContext) -> list[Outcome]:
    report = ev.report
    check = compiled.check
    if check == "pre_2019":
        if report.pre_2019:
            finding = make_finding(rule, ev, {"actual": "2019年以前的旧式年报"})
            return [Outcome("fire", "格式", "旧式（2019年以前）年报", finding)]
        return [Outcome("pass", "格式", "不是旧式年报")]
    if check == "missing":
        if report.format is None and not report.pre_2019:
            expected = ev.formats.for_year(report.year) if report.year else None
            finding = make_finding(
                rule,
                ev,
                {"expected": _title(ev, expected.id if expected else None), "actual": "（未识别）"},
            )
            return [Outcome("fire", "格式", "未识别出统一格式的表格", finding)]
        return [Outcome("pass", "格式", f"格式 {show(report.format)}")]
    if check == "mixed":
        used = {v for v in report.table_formats.values() if v}
        if len(used) <= 1:
            return [Outcome("pass", "格式", "各表格式一致")]
        tables = "，".join(
            f"{_TABLE_NAMES.get(t, t)}为{v}年格式" for t, v in sorted(report.table_formats.items())
        )
        finding = make_finding(rule, ev, {"tables": tables, "actual": tables})
        return [Outcome("fire", "格式", tables, finding)]
    # year_match
    if report.format is None or report.year is None:
        return [Outcome("skip", "格式", "格式或年度未知")]
    expected = ev.formats.for_year(report.year)
    if expected is None or expected.id == report.format:
        return [Outcome("pass", "格式", f"{report.year}年报告使用 {report.format} 年格式")]
    values = {"expected": _title(ev, expected.id), "actual": _title(ev, report.format)}
    finding = make_finding(rule, ev, values, expected=expected.id, actual=report.format)
    return [Outcome("fire", "格式", f"应为 {expected.id}，实为 {report.format}", finding)]
