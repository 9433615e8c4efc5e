"""``carryover``: this year's figures against the same agency's previous-year report.

``this`` (cells of this year's report, signed sum) must equal ``previous`` (cells of last year's),
per column (operands are rows) or per row (operands are columns). Only evaluated when the
previous-year report was given.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from auditor.checks.base import (
    CompileContext,
    EvalContext,
    Outcome,
    column_label,
    make_finding,
    row_label,
    show,
    table_label,
)
from auditor.checks.refs import (
    Operand,
    parse_operands,
    resolve_columns,
    resolve_rows,
    resolve_table,
)
from auditor.formats import TableDef
from auditor.model import Report
from auditor.rules.model import Rule

STRUCTURAL = False
PLACEHOLDERS = {
    "table_label": "表名",
    "where": "在哪一列或哪一行比较",
    "row_label": "报告位置所在行",
    "column_label": "报告位置所在列",
    "this_terms": "本年报告中的各项及数值",
    "previous_terms": "上一年报告中的各项及数值",
    "expected": "按上一年报告推算的数值",
    "actual": "本年报告中的数值",
    "previous_year": "上一年度",
}


@dataclass(frozen=True, slots=True)
class Compiled:
    table: TableDef
    per: str
    keys: tuple[str, ...]
    this: tuple[Operand, ...]
    previous: tuple[Operand, ...]


def compile(rule: Rule, ctx: CompileContext) -> Compiled | None:
    spec = rule.spec
    table = resolve_table(ctx, ("table",), spec["table"])
    if table is None:
        return None
    per = spec.get("per", "column")
    axis = "row" if per == "column" else "column"
    this = parse_operands(ctx, ("this",), table, spec["this"], axis)
    previous = parse_operands(ctx, ("previous",), table, spec["previous"], axis)
    if per == "column":
        keys = resolve_columns(ctx, ("columns",), table, spec.get("columns"))
    else:
        keys = resolve_rows(ctx, ("rows",), table, spec.get("rows"))
    if not this or not previous:
        return None
    return Compiled(table, per, tuple(keys), tuple(this), tuple(previous))


def _sum(report: Report, compiled: Compiled, operands: tuple[Operand, ...], key: str):
    total: Any = 0
    parts = []
    table = compiled.table
    for op in operands:
        sub: Any = 0
        for k in op.keys:
            row, col = (k, key) if compiled.per == "column" else (key, k)
            value = report.tables.get(table.key, {}).get(row, {}).get(col)
            if value is None:
                return None, f"{row_label(table, row)}/{column_label(table, col)}"
            sub += value
        total += op.sign * sub
        label = op.label or (
            row_label(table, op.keys[0])
            if compiled.per == "column"
            else column_label(table, op.keys[0])
        )
        parts.append(f"{'- ' if op.sign < 0 else ('+ ' if parts else '')}「{label}」({show(sub)})")
    return total, " ".join(parts)


def evaluate(rule: Rule, compiled: Compiled, ev: EvalContext) -> list[Outcome]:
    previous = ev.previous
    report = ev.report
    if previous is None:
        return [
            Outcome(
                "skip",
                "跨年度",
                "没有该单位上一年度的报告（audit run 在同一批次中查找；audit explain 用 --previous 指定）",
            )
        ]
    if previous.status != "parsed" or (
        previous.year and report.year and previous.year != report.year - 1
    ):
        return [Outcome("skip", "跨年度", "上一年度报告不可用（未能解析或年度不相邻）")]
    table = compiled.table
    outcomes = []
    for key in compiled.keys:
        where = (
            f"「{column_label(table, key)}」列"
            if compiled.per == "column"
            else f"「{row_label(table, key)}」行"
        )
        now, now_text = _sum(report, compiled, compiled.this, key)
        before, before_text = _sum(previous, compiled, compiled.previous, key)
        if now is None or before is None:
            missing = now_text if now is None else f"上一年度的{before_text}"
            outcomes.append(Outcome("skip", where, f"{missing}缺失或无法读取"))
            continue
        text = f"本年 {now_text} = {show(now)}，上年 {before_text} = {show(before)}"
        if now == before:
            outcomes.append(Outcome("pass", where, text))
            continue
        first = compiled.this[0].keys[0]
        row, col = (first, key) if compiled.per == "column" else (key, first)
        values = {
            "table_label": table_label(table),
            "where": where,
            "row_label": row_label(table, row),
            "column_label": column_label(table, col),
            "this_terms": f"{now_text} = {show(now)}",
            "previous_terms": f"{before_text} = {show(before)}",
            "expected": show(before),
            "actual": show(now),
            "previous_year": show(previous.year),
        }
        finding = make_finding(
            rule,
            ev,
            values,
            table=table.key,
            row=row,
            column=col,
            line=ev.row_line(table.key, row),
            expected=before,
            actual=now,
        )
        outcomes.append(Outcome("fire", where, text, finding))
    return outcomes
