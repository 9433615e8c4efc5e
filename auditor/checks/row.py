"""``row``: required rows of a table present; a whole missing table is one finding."""

from __future__ import annotations

from dataclasses import dataclass

from auditor.checks.base import CompileContext, EvalContext, Outcome, make_finding, table_label
from auditor.checks.refs import resolve_rows, resolve_table
from auditor.formats import TableDef
from auditor.rules.model import Rule

STRUCTURAL = False
PLACEHOLDERS = {
    "table_label": "表名",
    "row_label": "所缺行的名称（整表缺失时为“整张表”）",
    "row_key": "所缺行的键",
    "missing": "所缺内容：「行名」行，或“整张表（应有 N 行）”",
    "missing_count": "缺少的行数",
}


@dataclass(frozen=True, slots=True)
class Compiled:
    table: TableDef
    rows: tuple[tuple[str, str], ...]  # (key, label)


def compile(rule: Rule, ctx: CompileContext) -> Compiled | None:
    table = resolve_table(ctx, ("table",), rule.spec["table"])
    if table is None:
        return None
    rows = resolve_rows(ctx, ("rows",), table, rule.spec.get("rows"))
    return Compiled(table=table, rows=tuple((key, table.row(key).label) for key in rows))


def _found_rows(ev: EvalContext, table: str) -> set[str]:
    report = ev.report
    found = set(report.rows_found.get(table, ()))
    found.update(report.tables.get(table, {}))
    found.update(u.row for u in report.unreadable if u.table == table)
    return found


def evaluate(rule: Rule, compiled: Compiled, ev: EvalContext) -> list[Outcome]:
    table = compiled.table
    found = _found_rows(ev, table.key)
    if not found:
        count = len(table.rows)
        values = {
            "table_label": table_label(table),
            "row_label": "整张表",
            "row_key": "*",
            "missing": f"整张表（应有 {count} 行）",
            "missing_count": str(count),
        }
        finding = make_finding(rule, ev, values, table=table.key)
        return [Outcome("fire", table_label(table), "整张表缺失", finding)]
    missing = [(k, label) for k, label in compiled.rows if k not in found]
    variant = ev.formats.get(ev.report.table_formats.get(table.key))
    if variant is not None and ev.fmt is not None and variant.id != ev.fmt.id:
        # The table was written in another format version: the format rule reports that once;
        # rows that version does not have are not reported again one by one.
        other = variant.tables.get(table.key)
        if other is not None:
            missing = [(k, label) for k, label in missing if other.row(k) is not None]
    if not missing:
        return [Outcome("pass", table_label(table), f"{len(compiled.rows)} 行均已找到")]
    outcomes = []
    for key, label in missing:
        values = {
            "table_label": table_label(table),
            "row_label": label,
            "row_key": key,
            "missing": f"「{label}」行",
            "missing_count": str(len(missing)),
        }
        finding = make_finding(rule, ev, values, table=table.key, row=key)
        outcomes.append(Outcome("fire", f"「{label}」行", "缺少该行", finding))
    return outcomes
