"""Render ``explain_report`` traces as plain Chinese text (the renderer computes nothing)."""

from __future__ import annotations

from auditor.checks.base import show
from auditor.engine import Trace
from auditor.model import Report

_STATUS = {
    "fired": "触发",
    "passed": "通过",
    "skipped": "未检查",
    "merged": "已并入前面的发现",
    "not_applicable": "不适用",
}
_OUTCOME = {"pass": "通过", "fire": "触发", "skip": "未检查", "consequence": "连带"}
_METHOD = {
    "unique": "唯一拆分",
    "row_total": "按行总计确定",
    "ambiguous": "有歧义，未取值",
    "too_many": "可能太多，未取值",
}


def render_traces(report: Report, traces: list[Trace]) -> str:
    head = [
        f"报告：{report.source}",
        f"单位：{report.agency or '（未识别）'}　年度：{report.year or '（未识别）'}　"
        f"格式：{report.format or '（未识别）'}　发布日期：{report.published or '（未找到）'}",
        "",
    ]
    body: list[str] = []
    for trace in traces:
        body.extend(_render(trace))
        body.append("")
    return "\n".join(head + body).rstrip() + "\n"


def _render(trace: Trace) -> list[str]:
    status = _STATUS.get(trace.status, trace.status)
    origin = f"（{trace.origin}）" if trace.origin else ""
    lines = [f"[{status}] {trace.rule} {trace.title}　{trace.kind}/{trace.severity}{origin}"]
    if trace.reason:
        lines.append(f"    {trace.reason}")
    for outcome in trace.outcomes:
        label = _OUTCOME.get(outcome.status, outcome.status)
        text = outcome.reason or (outcome.finding.message if outcome.finding else "")
        lines.append(
            f"    - {outcome.where} {label}：{text}" if outcome.where else f"    - {label}：{text}"
        )
        if outcome.finding is not None and outcome.status == "fire":
            lines.append(f"        发现：{outcome.finding.message}")
            lines.extend(f"        {c}" for c in outcome.finding.consequences)
        if outcome.operands and outcome.status != "pass":
            for op in outcome.operands:
                sign = "−" if op.sign < 0 else "+"
                where = f"第 {op.line} 行" if op.line else "行号未知"
                if op.unreadable:
                    value = f"无法读取（{op.unreadable}）"
                elif op.missing:
                    value = "缺失"
                else:
                    value = show(op.value)
                lines.append(f"        {sign} {op.label} = {value}（{where}）")
            if outcome.stated is not None:
                lines.append(
                    f"        左边 = {show(outcome.stated)}，右边 = {show(outcome.computed)}"
                )
    for res in trace.resolutions:
        chosen = " ".join(res.chosen) if res.chosen else "（未取值）"
        where = f"第 {res.line} 行" if res.line else ""
        lines.append(
            f"    - 粘连数字 {res.table}:{res.row} {where}「{res.raw}」：{res.candidates} 种拆法，"
            f"{_METHOD.get(res.method, res.method)} → {chosen}"
        )
    return lines
