"""``identity``: an arithmetic identity between cells, per column or per row, in exact Decimal.

``relation`` (default ``=``) may also be ``>=`` or ``<=`` (left not less / not greater than
right); ``right: []`` means 0, e.g. "上一年项目数量 + 本年增/减 >= 0".

Root cause, not cascade: when an identity breaks, the cell it states (the single left operand)
becomes *suspect*; a later identity that uses a suspect cell is not reported on its own but
appended to the first finding's ``consequences``. An unreadable operand means the identity is
not evaluated at all (the parse finding already says why). Only an equation states a cell, so a
broken inequality makes nothing suspect (it is still merged when it uses a suspect cell).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from auditor.checks.base import (
    CompileContext,
    EvalContext,
    OperandValue,
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
from auditor.rules.model import Rule

STRUCTURAL = False
PLACEHOLDERS = {
    "table_label": "表名，如 表「收到和处理政府信息公开申请情况」",
    "where": "在哪一列或哪一行检查，如 「总计」列",
    "row_label": "报告位置所在行的名称",
    "column_label": "报告位置所在列的名称",
    "left_terms": "等式左边各项及其数值",
    "right_terms": "等式右边各项及其数值",
    "left": "左边之和",
    "right": "右边之和",
    "terms": "整个等式及数值",
    "difference": "两边相差多少（绝对值）",
    "expected": "报告位置的单元格应为多少才成立",
    "actual": "报告位置的单元格实际数值",
    "relation": "关系：等于、不小于或不大于",
    "expected_text": "报告位置的单元格应满足的值，如 应为 3、至少应为 0、至多应为 5",
}

_RELATIONS = {"=": ("=", "等于"), ">=": ("≥", "不小于"), "<=": ("≤", "不大于")}


@dataclass(frozen=True, slots=True)
class Term:
    operand: Operand
    cells: tuple[tuple[str, str, str], ...]  # (table, row, column) in this instance
    label: str


@dataclass(frozen=True, slots=True)
class Instance:
    key: str  # the column (per column) or row (per row) this instance checks
    where: str
    left: tuple[Term, ...]
    right: tuple[Term, ...]
    report_at: tuple[str, str, str] | None
    report_sign: int  # coefficient of the report_at cell
    report_side: str  # "left" | "right"
    stated: tuple[tuple[str, str, str], ...]  # cells that become suspect when this breaks
    flat: tuple[
        tuple[int, str, str, str], ...
    ]  # (coefficient, table, row, column), right side negated


@dataclass(frozen=True, slots=True)
class Compiled:
    table: TableDef
    instances: tuple[Instance, ...]
    tolerance: tuple[str, Decimal]  # ("exact"|"absolute"|"decimals", value)
    statement: str  # the identity in words, for "因此……也不成立"
    relation: str = "="  # "=" | ">=" | "<="


def _tolerance(ctx: CompileContext, spec: Any) -> tuple[str, Decimal]:
    if spec is None or spec == 0 or spec == "exact":
        return ("exact", Decimal(0))
    if isinstance(spec, dict):
        if "absolute" in spec:
            return ("absolute", Decimal(str(spec["absolute"])))
        return ("decimals", Decimal(int(spec["decimals"])))
    return ("absolute", Decimal(str(spec)))


def _term_label(table: TableDef, operand: Operand, axis: str) -> str:
    if operand.label:
        return f"「{operand.label}」"
    labels = [
        row_label(table, k) if axis == "row" else column_label(table, k) for k in operand.keys
    ]
    if len(labels) == 1:
        return f"「{labels[0]}」"
    return f"「{labels[0]}」至「{labels[-1]}」{len(labels)}项之和"


def compile(rule: Rule, ctx: CompileContext) -> Compiled | None:
    spec = rule.spec
    table = resolve_table(ctx, ("table",), spec["table"])
    if table is None:
        return None
    per = spec.get("per", "column")
    axis = "row" if per == "column" else "column"  # what the operands name
    left = parse_operands(ctx, ("left",), table, spec["left"], axis)
    right = parse_operands(ctx, ("right",), table, spec["right"], axis)
    if not left or (spec["right"] and not right):
        return None
    relation = str(spec.get("relation", "="))
    if per == "column":
        keys = resolve_columns(ctx, ("columns",), table, spec.get("columns"))
    else:
        keys = resolve_rows(ctx, ("rows",), table, spec.get("rows"))
    report_at_name = spec.get("report_at")
    instances = []
    for key in keys:

        def cells(op: Operand, key: str = key) -> tuple[tuple[str, str, str], ...]:
            found = []
            for k in op.keys:
                row, col = (k, key) if per == "column" else (key, k)
                row_def = table.row(row)
                if row_def is not None and col in row_def.columns:
                    found.append((table.key, row, col))
            return tuple(found)

        lterms = tuple(Term(op, cells(op), _term_label(table, op, axis)) for op in left)
        rterms = tuple(Term(op, cells(op), _term_label(table, op, axis)) for op in right)
        if not any(t.cells for t in lterms) or (rterms and not any(t.cells for t in rterms)):
            continue  # this row has none of these columns (e.g. table 2 rows)
        single = len(lterms) == 1 and len(lterms[0].cells) == 1
        stated = lterms[0].cells if single and relation == "=" else ()
        report_at, sign, side = None, 1, "left"
        for side_name, terms in (("left", lterms), ("right", rterms)):
            for term in terms:
                for cell in term.cells:
                    name = cell[1] if per == "column" else cell[2]
                    if (
                        report_at_name is not None
                        and name == str(report_at_name)
                        and report_at is None
                    ):
                        report_at, sign, side = cell, term.operand.sign, side_name
        if report_at is None:
            first = next(t for t in (*lterms, *rterms) if t.cells)
            report_at = first.cells[0]
            sign = first.operand.sign
            side = "left" if any(first is t for t in lterms) else "right"
        where = (
            f"「{column_label(table, key)}」列"
            if per == "column"
            else f"「{row_label(table, key)}」行"
        )
        flat = tuple(
            (term.operand.sign * side_sign, *cell)
            for side_sign, terms in ((1, lterms), (-1, rterms))
            for term in terms
            for cell in term.cells
        )
        instances.append(Instance(key, where, lterms, rterms, report_at, sign, side, stated, flat))
    if report_at_name is not None and not any(
        (i.report_at[1] if per == "column" else i.report_at[2]) == str(report_at_name)
        for i in instances
    ):
        ctx.problem(("report_at",), f'report_at "{report_at_name}" 不是等式中的任何一项')
    statement = spec.get("statement") or (
        " + ".join(_term_label(table, op, axis) for op in left)
        + f" {_RELATIONS[relation][0]} "
        + (" + ".join(_term_label(table, op, axis) for op in right) or "0")
    )
    return Compiled(
        table=table,
        instances=tuple(instances),
        tolerance=_tolerance(ctx, spec.get("tolerance")),
        statement=statement,
        relation=relation,
    )


def _compare(difference: Any, relation: str) -> bool:
    """Does ``left - right`` (after tolerance) satisfy the relation?"""
    if relation == ">=":
        return difference >= 0
    if relation == "<=":
        return difference <= 0
    return difference == 0


def _holds(left: Any, right: Any, tolerance: tuple[str, Decimal], relation: str = "=") -> bool:
    kind, amount = tolerance
    if kind == "exact":
        return _compare(left - right, relation)
    if kind == "absolute":
        difference = Decimal(left) - Decimal(right)
        if abs(difference) <= amount:
            return True
        return _compare(difference, relation)
    quantum = Decimal(1).scaleb(-int(amount))
    return _compare(Decimal(left).quantize(quantum) - Decimal(right).quantize(quantum), relation)


def _terms(inst: Instance, relation: str, ltext: str, left: Any, rtext: str, right: Any) -> str:
    """The identity with its numbers, e.g. "「A」(1) + 「B」(2) = 3，「C」(4) = 4"."""
    parts = [f"{ltext} = {show(left)}"]
    if inst.right:
        parts.append(f"{rtext} = {show(right)}")
    if relation != "=":
        parts.append(f"应 {show(left)} {_RELATIONS[relation][0]} {show(right)}")
    elif not inst.right:
        parts.append("应为 0")
    return "，".join(parts)


def _expected_text(inst: Instance, relation: str, expected: Any) -> str:
    """ "应为 X", or for an inequality the bound the reported cell must respect."""
    if relation == "=":
        return f"应为 {show(expected)}"
    rises = inst.report_sign if inst.report_side == "left" else -inst.report_sign
    at_least = (rises > 0) == (relation == ">=")
    return f"{'至少' if at_least else '至多'}应为 {show(expected)}"


def _side(terms: tuple[Term, ...], ev: EvalContext, table: TableDef, operands: list[OperandValue]):
    """Sum of one side; returns (sum, text, blocking operand or None)."""
    total: Any = 0
    parts = []
    blocker = None
    tables = ev.report.tables
    for term in terms:
        subtotal: Any = 0
        for cell in term.cells:
            t, r, c = cell
            value = tables.get(t, {}).get(r, {}).get(c)
            line = ev.row_line(t, r)
            if value is None:
                bad = ev.unreadable(t, r, c)
                item = OperandValue(
                    label=f"{row_label(table, r)}/{column_label(table, c)}",
                    table=t,
                    row=r,
                    column=c,
                    value=None,
                    line=line,
                    sign=term.operand.sign,
                    unreadable=bad.reason if bad else None,
                    missing=bad is None,
                )
                operands.append(item)
                blocker = blocker or item
                continue
            operands.append(
                OperandValue(
                    label=f"{row_label(table, r)}/{column_label(table, c)}",
                    table=t,
                    row=r,
                    column=c,
                    value=value,
                    line=line,
                    sign=term.operand.sign,
                )
            )
            subtotal += value
        total += term.operand.sign * subtotal
        sign = "- " if term.operand.sign < 0 else ("+ " if parts else "")
        parts.append(f"{sign}{term.label}({show(subtotal)})")
    return total, " ".join(parts) or "0", blocker


def evaluate(rule: Rule, compiled: Compiled, ev: EvalContext) -> list[Outcome]:
    table = compiled.table
    outcomes = []
    tables = ev.report.tables
    exact = compiled.tolerance[0] == "exact"
    relation = compiled.relation
    for inst in compiled.instances:
        if exact and not ev.explain:
            # Fast path: most identities hold; details are only built when needed.
            balance: Any = 0
            for coefficient, t, r, c in inst.flat:
                value = tables.get(t, {}).get(r, {}).get(c)
                if value is None:
                    break
                balance += coefficient * value
            else:
                if _compare(balance, relation):
                    outcomes.append(Outcome("pass", inst.where))
                    continue
        operands: list[OperandValue] = []
        left, left_text, blocked_l = _side(inst.left, ev, table, operands)
        right, right_text, blocked_r = _side(inst.right, ev, table, operands)
        blocker = blocked_l or blocked_r
        if blocker is not None:
            cell = (
                f"「{row_label(table, blocker.row)}」行「{column_label(table, blocker.column)}」列"
            )
            why = f"无法读取（{blocker.unreadable}）" if blocker.unreadable else "缺失"
            outcomes.append(
                Outcome(
                    "skip",
                    inst.where,
                    f"未检查：{cell}{why}，解析问题已另行报告",
                    operands=operands,
                )
            )
            continue
        terms = _terms(inst, relation, left_text, left, right_text, right)
        if _holds(left, right, compiled.tolerance, relation):
            outcomes.append(
                Outcome("pass", inst.where, terms, operands=operands, computed=right, stated=left)
            )
            continue
        root = None
        for item in operands:
            root = ev.suspects.get((item.table, item.row, item.column))
            if root is not None:
                break
        if root is not None:
            sentence = f"因此{inst.where}“{compiled.statement}”也不成立（{terms}）"
            root.consequences.append(sentence)
            for cell in inst.stated:
                ev.suspects.setdefault(cell, root)
            outcomes.append(
                Outcome(
                    "consequence",
                    inst.where,
                    f"{terms}；由 {root.rule} 的发现引起，已并入该发现",
                    operands=operands,
                    computed=right,
                    stated=left,
                )
            )
            continue
        t, r, c = inst.report_at
        actual = ev.cell(t, r, c)
        if inst.report_side == "left":
            expected = actual + inst.report_sign * (right - left)
        else:
            expected = actual + inst.report_sign * (left - right)
        values = {
            "table_label": table_label(table),
            "where": inst.where,
            "row_label": row_label(table, r),
            "column_label": column_label(table, c),
            "left_terms": left_text,
            "right_terms": right_text,
            "left": show(left),
            "right": show(right),
            "terms": terms,
            "difference": show(abs(left - right)),
            "expected": show(expected),
            "actual": show(actual),
            "relation": _RELATIONS[relation][1],
            "expected_text": _expected_text(inst, relation, expected),
        }
        finding = make_finding(
            rule,
            ev,
            values,
            table=t,
            row=r,
            column=c,
            line=ev.row_line(t, r),
            expected=expected,
            actual=actual,
        )
        for cell in inst.stated:
            ev.suspects.setdefault(cell, finding)
        outcomes.append(
            Outcome(
                "fire", inst.where, terms, finding, operands=operands, computed=right, stated=left
            )
        )
    return outcomes
