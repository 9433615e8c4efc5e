"""``range``: type and bounds of cells.

``check: value`` (default) — each cell: integer, ``min`` (default 0; columns marked
``signed: true`` in the format definition are exempt), ``max``, ``max_decimals``.
``check: compare`` — per row, ``left`` column ``op`` ``right`` column (e.g. in_force >= issued).
``check: zero_implies_zero`` — when the ``when_zero`` cells are all 0, every cell of the
``rows``×``columns`` must be 0 too (nothing received, so nothing can have been handled).
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from auditor.checks.base import (
    CompileContext,
    EvalContext,
    Outcome,
    cell_label,
    column_label,
    make_finding,
    row_label,
    show,
    table_label,
)
from auditor.checks.refs import (
    parse_cell_ref,
    resolve_column,
    resolve_columns,
    resolve_rows,
    resolve_table,
)
from auditor.formats import TableDef
from auditor.rules.model import Rule

STRUCTURAL = False
PLACEHOLDERS = {
    "table_label": "表名",
    "cell": "单元格位置，如 「行政许可」行「处理决定数量」列",
    "row_label": "行名",
    "column_label": "列名",
    "actual": "单元格实际数值",
    "problem": "数值的问题，如 为负数 / 不是整数 / 小数超过4位",
    "expected": "允许的范围",
    "left_label": "比较左边的列名",
    "right_label": "比较右边的列名",
    "left": "左边数值",
    "right": "右边数值",
    "op": "比较关系（中文）",
    "condition": "前提条件（哪些单元格为0）",
    "nonzero": "不为0的单元格及数值",
    "count": "不为0的单元格个数",
}

_OPS = {">=": operator.ge, "<=": operator.le, ">": operator.gt, "<": operator.lt, "==": operator.eq}
_OP_TEXT = {">=": "不小于", "<=": "不大于", ">": "大于", "<": "小于", "==": "等于"}


@dataclass(frozen=True, slots=True)
class Compiled:
    check: str
    table: TableDef
    cells: tuple[tuple[str, str, bool, str], ...] = ()  # value: (row, column, signed, type)
    pairs: tuple[tuple[str, str, str], ...] = ()  # compare: (row, left, right)
    when: tuple[tuple[str, str, str], ...] = ()  # zero_implies_zero
    integer: bool | None = None
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    max_decimals: int | None = None
    op: str = ">="


def compile(rule: Rule, ctx: CompileContext) -> Compiled | None:
    spec = rule.spec
    table = resolve_table(ctx, ("table",), spec["table"])
    if table is None:
        return None
    check = spec.get("check", "value")
    rows = resolve_rows(ctx, ("rows",), table, spec.get("rows"))
    if check == "compare":
        left = resolve_column(ctx, ("left",), table, spec.get("left"))
        right = resolve_column(ctx, ("right",), table, spec.get("right"))
        if not left or not right:
            return None
        pairs = tuple((r, left, right) for r in rows if {left, right} <= set(table.row(r).columns))
        if not pairs:
            ctx.problem(("rows",), f'所选的行中没有同时含 "{left}" 和 "{right}" 两列的行')
        return Compiled(check, table, pairs=pairs, op=spec.get("op", ">="))
    columns = resolve_columns(ctx, ("columns",), table, spec.get("columns"))
    wanted_type = spec.get("type")
    cells = []
    for r in rows:
        for c in table.row(r).columns:
            col = table.columns[c]
            if c in columns and (wanted_type is None or col.type == wanted_type):
                cells.append((r, c, col.signed, col.type))
    if check == "zero_implies_zero":
        when: list[tuple[str, str, str]] = []
        for index, ref in enumerate(spec.get("when_zero") or []):
            when.extend(parse_cell_ref(ctx, ("when_zero", index), f"{table.key}:{ref}"))
        return Compiled(check, table, cells=tuple(cells), when=tuple(when))

    def dec(name: str) -> Decimal | None:
        return Decimal(str(spec[name])) if spec.get(name) is not None else None

    return Compiled(
        check,
        table,
        cells=tuple(cells),
        integer=spec.get("integer"),
        minimum=dec("min") if "min" in spec else Decimal(0),
        maximum=dec("max"),
        max_decimals=spec.get("max_decimals"),
    )


def _decimals(value: Any) -> int:
    if isinstance(value, int):
        return 0
    exponent = Decimal(value).normalize().as_tuple().exponent
    return max(0, -int(exponent))


def _value_problem(
    compiled: Compiled, value: Any, signed: bool, col_type: str
) -> tuple[str, str] | None:
    integer = compiled.integer if compiled.integer is not None else col_type == "count"
    if integer and not (
        isinstance(value, int) or Decimal(value) == Decimal(value).to_integral_value()
    ):
        return "不是整数", "整数"
    if integer and isinstance(value, Decimal) and _decimals(value) > 0:
        return "不是整数", "整数"
    if compiled.minimum is not None and not signed and value < compiled.minimum:
        return (
            "为负数" if compiled.minimum == 0 else f"小于 {show(compiled.minimum)}"
        ), f"不小于 {show(compiled.minimum)}"
    if compiled.maximum is not None and value > compiled.maximum:
        return f"大于 {show(compiled.maximum)}", f"不大于 {show(compiled.maximum)}"
    if compiled.max_decimals is not None and _decimals(value) > compiled.max_decimals:
        return f"小数超过 {compiled.max_decimals} 位", f"至多 {compiled.max_decimals} 位小数"
    return None


def evaluate(rule: Rule, compiled: Compiled, ev: EvalContext) -> list[Outcome]:
    if compiled.check == "compare":
        return _compare(rule, compiled, ev)
    if compiled.check == "zero_implies_zero":
        return _zero(rule, compiled, ev)
    table = compiled.table
    rows = ev.report.tables.get(table.key)
    if not rows:
        return [Outcome("skip", table_label(table), "报告中没有这张表")]
    outcomes = []
    checked = 0
    simple = compiled.minimum == 0 and compiled.maximum is None and compiled.max_decimals is None
    for r, c, signed, col_type in compiled.cells:
        value = rows.get(r, {}).get(c)
        if value is None:
            continue
        checked += 1
        if simple and type(value) is int and value >= 0:
            continue  # the common case, decided without the general checks
        problem = _value_problem(compiled, value, signed, col_type)
        if problem is None:
            continue
        where = cell_label(table, r, c)
        values = {
            "table_label": table_label(table),
            "cell": where,
            "row_label": row_label(table, r),
            "column_label": column_label(table, c),
            "actual": show(value),
            "problem": problem[0],
            "expected": problem[1],
        }
        finding = make_finding(
            rule,
            ev,
            values,
            table=table.key,
            row=r,
            column=c,
            line=ev.row_line(table.key, r),
            expected=problem[1],
            actual=value,
        )
        ev.suspects.setdefault(
            (table.key, r, c), finding
        )  # later identities on it are consequences
        outcomes.append(Outcome("fire", where, f"{show(value)} {problem[0]}", finding))
    if not outcomes:
        outcomes.append(
            Outcome("pass", table_label(table), f"已检查 {checked} 个单元格，均在范围内")
        )
    return outcomes


def _compare(rule: Rule, compiled: Compiled, ev: EvalContext) -> list[Outcome]:
    table = compiled.table
    outcomes = []
    for r, left_col, right_col in compiled.pairs:
        left = ev.cell(table.key, r, left_col)
        right = ev.cell(table.key, r, right_col)
        where = f"「{row_label(table, r)}」行"
        if left is None or right is None:
            outcomes.append(Outcome("skip", where, "有单元格缺失或无法读取"))
            continue
        text = f"{column_label(table, left_col)}({show(left)}) {compiled.op} {column_label(table, right_col)}({show(right)})"
        if _OPS[compiled.op](left, right):
            outcomes.append(Outcome("pass", where, text))
            continue
        values = {
            "table_label": table_label(table),
            "row_label": row_label(table, r),
            "left_label": column_label(table, left_col),
            "right_label": column_label(table, right_col),
            "left": show(left),
            "right": show(right),
            "op": _OP_TEXT[compiled.op],
            "cell": cell_label(table, r, left_col),
            "actual": show(left),
            "expected": f"{_OP_TEXT[compiled.op]} {show(right)}",
        }
        finding = make_finding(
            rule,
            ev,
            values,
            table=table.key,
            row=r,
            column=left_col,
            line=ev.row_line(table.key, r),
            expected=f"{compiled.op} {show(right)}",
            actual=left,
        )
        outcomes.append(Outcome("fire", where, text, finding))
    return outcomes


def _zero(rule: Rule, compiled: Compiled, ev: EvalContext) -> list[Outcome]:
    table = compiled.table
    condition = []
    for t, r, c in compiled.when:
        value = ev.cell(t, r, c)
        if value is None:
            return [Outcome("skip", table_label(table), f"{cell_label(table, r, c)}缺失或无法读取")]
        if value != 0:
            return [
                Outcome(
                    "pass",
                    table_label(table),
                    f"{cell_label(table, r, c)}为 {show(value)}，前提不成立",
                )
            ]
        condition.append(cell_label(table, r, c))
    nonzero = []
    first = None
    for r, c, _signed, _type in compiled.cells:
        value = ev.cell(table.key, r, c)
        if value is not None and value != 0:
            nonzero.append(f"{cell_label(table, r, c)}为 {show(value)}")
            first = first or (r, c, value)
    cond_text = "、".join(condition) + "均为 0"
    if not nonzero:
        return [Outcome("pass", table_label(table), f"{cond_text}，其余单元格也均为 0")]
    r, c, value = first
    values = {
        "table_label": table_label(table),
        "condition": cond_text,
        "nonzero": "；".join(nonzero),
        "count": str(len(nonzero)),
        "cell": cell_label(table, r, c),
        "row_label": row_label(table, r),
        "column_label": column_label(table, c),
        "actual": show(value),
        "expected": "0",
    }
    finding = make_finding(
        rule,
        ev,
        values,
        table=table.key,
        row=r,
        column=c,
        line=ev.row_line(table.key, r),
        expected=0,
        actual=value,
    )
    for rr, cc, _signed, _type in compiled.cells:
        if ev.cell(table.key, rr, cc):
            ev.suspects.setdefault((table.key, rr, cc), finding)
    return [Outcome("fire", table_label(table), f"{cond_text}，但{values['nonzero']}", finding)]
