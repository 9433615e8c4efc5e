"""Choose between the possible splits of glued rows using the table's column sums.

Only when exactly one combination of the candidate splits satisfies every column sum that can be
evaluated is it adopted; otherwise the cells stay unreadable. A number is never filled in.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from auditor.formats import TableDef
from auditor.model import Number, Report
from auditor.parse.values import to_number

MAX_COMBINATIONS = 4096


@dataclass(slots=True)
class PendingRow:
    row: str
    options: list[list[str]]  # candidate splits, pieces in column order


def resolve_by_column_sums(table: TableDef, pending: list[PendingRow], report: Report) -> None:
    if not pending or not table.column_sums:
        return
    size = 1
    for item in pending:
        size *= len(item.options)
    if size > MAX_COMBINATIONS:
        return
    columns = [table.columns[key] for key in table.row(pending[0].row).columns]  # type: ignore[union-attr]
    known = report.tables.get(table.key, {})
    fitting: list[tuple[list[str], ...]] = []
    for combo in itertools.product(*(item.options for item in pending)):
        trial = {item.row: pieces for item, pieces in zip(pending, combo, strict=True)}
        if _all_sums_hold(table, columns, known, trial):
            fitting.append(combo)
            if len(fitting) > 1:
                return
    if len(fitting) != 1:
        return
    for item, pieces in zip(pending, fitting[0], strict=True):
        values: dict[str, Number] = {}
        for col, piece in zip(columns, pieces, strict=True):
            value = to_number(piece, col)
            if value is None:
                return
            values[col.key] = value
        report.tables.setdefault(table.key, {})[item.row] = values
        report.unreadable = [
            u for u in report.unreadable if not (u.table == table.key and u.row == item.row)
        ]
        for resolution in report.resolutions:
            if resolution.table == table.key and resolution.row == item.row:
                resolution.method = "column_sums"
                resolution.chosen = list(pieces)


def _all_sums_hold(table: TableDef, columns, known: dict, trial: dict[str, list[str]]) -> bool:
    used = 0
    touched = set(trial)
    for left, right in table.column_sums:
        rows = left + right
        if not touched.intersection(rows):
            continue
        for index, col in enumerate(columns):
            sides = []
            for side in (left, right):
                total = 0
                for row in side:
                    value = _value(known, trial, row, index, col.key)
                    if value is None:
                        break
                    total += value
                else:
                    sides.append(total)
                    continue
                break
            if len(sides) != 2:
                continue
            used += 1
            if sides[0] != sides[1]:
                return False
    return used > 0


def _value(
    known: dict, trial: dict[str, list[str]], row: str, index: int, column: str
) -> Number | None:
    if row in trial:
        piece = trial[row][index]
        try:
            return int(piece)
        except ValueError:
            return None
    return known.get(row, {}).get(column)
