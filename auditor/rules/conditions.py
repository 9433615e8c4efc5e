"""``when:`` — conditions on cells that decide whether a rule applies to a report at all.

Each condition names one cell (``表:行.列``; a row glob means the sum of its rows) and one
operator (``above`` ``below`` ``equals`` ``at_least`` ``at_most``); all must hold. Cell names are
resolved per format at load time, like every other reference in a rule. A condition on a cell
that is missing or unreadable cannot be decided: the rule is then skipped, not applied.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from auditor.checks.base import CompileContext, EvalContext, column_label, row_label, show
from auditor.checks.refs import parse_cell_ref

OPERATORS: dict[str, tuple[str, Any]] = {
    "above": (">", lambda a, b: a > b),
    "below": ("<", lambda a, b: a < b),
    "equals": ("=", lambda a, b: a == b),
    "at_least": ("≥", lambda a, b: a >= b),
    "at_most": ("≤", lambda a, b: a <= b),
}
_LABEL_LIMIT = 24


@dataclass(frozen=True, slots=True)
class Condition:
    cells: tuple[tuple[str, str, str], ...]
    operator: str  # a key of OPERATORS
    bound: Decimal
    label: str  # e.g. 「2.申请人逾期未按收费通知要求缴纳费用…」总计

    def requirement(self) -> str:
        return f"{OPERATORS[self.operator][0]} {show(self.bound)}"


def _short(text: str) -> str:
    """A long row label up to its first clause, e.g. 「2.申请人逾期未按收费通知要求缴纳费用…」."""
    if len(text) <= _LABEL_LIMIT:
        return text
    cut = min((i for i in (text.find("、"), text.find("，")) if 0 < i < _LABEL_LIMIT), default=-1)
    return (text[:cut] if cut > 0 else text[: _LABEL_LIMIT - 1]) + "…"


def compile_conditions(ctx: CompileContext, items: list[dict[str, Any]]) -> tuple[Condition, ...]:
    """Resolve ``when:`` for one format; problems go to ``ctx`` (path ``("when", i, "cell")``)."""
    result = []
    for index, item in enumerate(items):
        cells = parse_cell_ref(ctx, ("when", index, "cell"), item["cell"])
        if not cells:
            continue
        operator = next(key for key in OPERATORS if key in item)
        table = ctx.fmt.tables[cells[0][0]]
        rows = "、".join(f"「{_short(row_label(table, row))}」" for _, row, _ in cells)
        if len(cells) > 1:
            rows += "之和"
        label = f"{rows}{column_label(table, cells[0][2])}"
        bound = Decimal(str(item[operator]))
        result.append(Condition(tuple(cells), operator, bound, label))
    return tuple(result)


def check_conditions(conditions: tuple[Condition, ...], ev: EvalContext) -> tuple[str, str]:
    """``("hold", values)``, ``("false", why)`` or ``("unknown", why)`` for one report;
    ``values`` lists the conditions with their actual numbers, for the ``{when}`` placeholder."""
    values = []
    for condition in conditions:
        total: Any = 0
        for table, row, column in condition.cells:
            value = ev.cell(table, row, column)
            if value is None:
                bad = ev.unreadable(table, row, column)
                why = f"无法读取（{bad.reason}）" if bad else "缺失"
                return "unknown", f"条件无法判断：{condition.label}{why}"
            total += value
        if not OPERATORS[condition.operator][1](total, condition.bound):
            return (
                "false",
                f"条件不满足：{condition.label} = {show(total)}（规则要求 {condition.requirement()}）",
            )
        values.append(f"{condition.label} = {show(total)}")
    return "hold", "，".join(values)
