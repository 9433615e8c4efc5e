"""``deadline``: publication date against the legal deadline (条例第四十九条).

``check: late`` — the first entry of ``deadlines`` whose ``agency`` pattern matches the agency
name (an entry without ``agency`` is the default) gives month/day of year+1 and, optionally, its
own severity (local deadlines of townships or 管委会 are only warnings).
``check: early`` — a date before 1 January of year+1 is impossible.
``check: missing`` — no publication date found in the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from auditor.checks.base import CompileContext, EvalContext, Outcome, make_finding
from auditor.rules.model import Rule

STRUCTURAL = True
PLACEHOLDERS = {
    "published": "发布日期，如 2024年2月3日",
    "published_source": "日期取自正文的哪段文字",
    "deadline": "法定截止日期，如 2024年1月31日",
    "deadline_label": "适用的时限类别，如 县级以上人民政府部门",
    "days_late": "逾期天数",
    "period_end": "统计期截止日，如 2023年12月31日",
}


@dataclass(frozen=True, slots=True)
class Entry:
    agency: re.Pattern[str] | None
    month: int
    day: int
    label: str
    severity: str | None


@dataclass(frozen=True, slots=True)
class Compiled:
    check: str
    entries: tuple[Entry, ...]


def compile(rule: Rule, ctx: CompileContext) -> Compiled | None:
    check = rule.spec.get("check", "late")
    entries = []
    for index, item in enumerate(rule.spec.get("deadlines") or []):
        pattern = None
        if item.get("agency"):
            try:
                pattern = re.compile(item["agency"])
            except re.error as exc:
                ctx.problem(("deadlines", index, "agency"), f"正则表达式有误：{exc.msg}")
                continue
        try:
            date(2001, item["month"], item["day"])
        except ValueError:
            ctx.problem(("deadlines", index), f"日期无效：{item['month']}月{item['day']}日")
            continue
        entries.append(
            Entry(pattern, item["month"], item["day"], item.get("label", ""), item.get("severity"))
        )
    if check == "late" and not any(e.agency is None for e in entries):
        ctx.problem(("deadlines",), "deadlines 中需要一项不写 agency 的默认时限")
    return Compiled(check, tuple(entries))


def _cn(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _published(ev: EvalContext) -> date | None:
    text = ev.report.published
    if not text:
        return None
    try:
        return date.fromisoformat(str(text)[:10])
    except ValueError:
        return None


def evaluate(rule: Rule, compiled: Compiled, ev: EvalContext) -> list[Outcome]:
    report = ev.report
    published = _published(ev)
    if compiled.check == "missing":
        if report.published:
            return [Outcome("pass", "发布日期", f"发布日期 {report.published}")]
        finding = make_finding(rule, ev, {})
        return [Outcome("fire", "发布日期", "正文中未找到发布日期", finding)]
    if published is None:
        return [Outcome("skip", "发布日期", "没有可用的发布日期")]
    if report.year is None:
        return [Outcome("skip", "发布日期", "报告年度未知")]
    fields = {
        "published": _cn(published),
        "published_source": report.published_source or "（无）",
        "period_end": _cn(date(report.year, 12, 31)),
    }
    if compiled.check == "early":
        if published >= date(report.year + 1, 1, 1):
            return [Outcome("pass", "发布日期", f"{_cn(published)} 在统计期结束之后")]
        finding = make_finding(
            rule, ev, fields, expected=f">= {report.year + 1}-01-01", actual=published.isoformat()
        )
        return [Outcome("fire", "发布日期", f"{_cn(published)} 早于统计期结束", finding)]
    agency = report.agency or ""
    entry = next(
        (
            e
            for e in compiled.entries
            if (e.agency is None and not agency)
            or (e.agency and agency and e.agency.search(agency))
        ),
        None,
    ) or next(e for e in compiled.entries if e.agency is None)
    deadline = date(report.year + 1, entry.month, entry.day)
    fields.update(deadline=_cn(deadline), deadline_label=entry.label or "（默认）")
    if published <= deadline:
        return [
            Outcome("pass", "发布日期", f"{_cn(published)} 未超过{entry.label}时限 {_cn(deadline)}")
        ]
    fields["days_late"] = str((published - deadline).days)
    finding = make_finding(
        rule,
        ev,
        fields,
        severity=entry.severity,
        expected=f"<= {deadline.isoformat()}",
        actual=published.isoformat(),
    )
    return [
        Outcome(
            "fire", "发布日期", f"{_cn(published)} 晚于{entry.label}时限 {_cn(deadline)}", finding
        )
    ]
