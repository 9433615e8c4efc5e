"""Resolving the names a rule uses (tables, rows, row globs, columns, cells) at load time."""

from __future__ import annotations

import difflib
import fnmatch
from dataclasses import dataclass
from typing import Any

from auditor.checks.base import CompileContext
from auditor.formats import TableDef


def suggest(name: str, choices: list[str] | tuple[str, ...]) -> str:
    """ "，是否为 X？" for the nearest valid name, or "" when nothing is close.

    A dotted name whose parts are right but in the wrong order (carryover.applications) is
    matched first.
    """
    parts = sorted(str(name).split("."))
    if len(parts) > 1:
        for choice in choices:
            if sorted(str(choice).split(".")) == parts:
                return f"，是否为 {choice}？"
    close = difflib.get_close_matches(str(name), [str(c) for c in choices], n=1, cutoff=0.6)
    return f"，是否为 {close[0]}？" if close else ""


def resolve_table(ctx: CompileContext, subpath: tuple, name: Any) -> TableDef | None:
    table = ctx.fmt.tables.get(str(name))
    if table is None:
        ctx.problem(subpath, f'未知的表 "{name}"{suggest(str(name), list(ctx.fmt.tables))}')
    return table


def _other_formats_with(ctx: CompileContext, table: str, row: str) -> list[str]:
    found = []
    for fmt in ctx.formats.formats.values():
        other = fmt.tables.get(table)
        if fmt.id != ctx.fmt.id and other is not None and other.expand_rows(row):
            found.append(fmt.id)
    return found


def expand_row(ctx: CompileContext, subpath: tuple, table: TableDef, pattern: Any) -> list[str]:
    """One row name or glob → row keys of this format; a problem when nothing matches."""
    text = str(pattern)
    rows = table.expand_rows(text)
    if rows:
        return rows
    elsewhere = _other_formats_with(ctx, table.key, text)
    if elsewhere:
        ctx.problem(
            subpath,
            f'格式 {ctx.fmt.id} 的表 "{table.key}" 中没有行 "{text}"（只有格式 '
            f"{'、'.join(elsewhere)} 有）；请把 formats 改为只含 {'、'.join(elsewhere)}，或为各格式分别写规则",
        )
    elif any(ch in text for ch in "*?["):
        ctx.problem(subpath, f'行通配符 "{text}" 在表 "{table.key}" 中匹配不到任何行')
    else:
        ctx.problem(subpath, f'未知的行 "{text}"{suggest(text, table.row_keys)}')
    return []


def resolve_rows(ctx: CompileContext, subpath: tuple, table: TableDef, spec: Any) -> list[str]:
    """``None``/``"*"`` → every row; a name, glob or list of them → row keys in table order."""
    if spec is None or spec in ("*", "all"):
        return table.row_keys
    items = spec if isinstance(spec, list) else [spec]
    wanted: set[str] = set()
    for index, item in enumerate(items):
        path = (*subpath, index) if isinstance(spec, list) else subpath
        wanted.update(expand_row(ctx, path, table, item))
    return [key for key in table.row_keys if key in wanted]


def resolve_column(ctx: CompileContext, subpath: tuple, table: TableDef, name: Any) -> str | None:
    text = str(name)
    if text in table.columns:
        return text
    ctx.problem(subpath, f'未知的列 "{text}"{suggest(text, list(table.columns))}')
    return None


def resolve_columns(ctx: CompileContext, subpath: tuple, table: TableDef, spec: Any) -> list[str]:
    if spec is None or spec in ("*", "all"):
        return list(table.columns)
    items = spec if isinstance(spec, list) else [spec]
    wanted: set[str] = set()
    for index, item in enumerate(items):
        path = (*subpath, index) if isinstance(spec, list) else subpath
        text = str(item)
        if any(ch in text for ch in "*?["):
            matched = [c for c in table.columns if fnmatch.fnmatchcase(c, text)]
            if not matched:
                ctx.problem(path, f'列通配符 "{text}" 匹配不到任何列')
            wanted.update(matched)
        else:
            column = resolve_column(ctx, path, table, text)
            if column:
                wanted.add(column)
    return [c for c in table.columns if c in wanted]


@dataclass(frozen=True, slots=True)
class Operand:
    """A term of a sum: one row (or column) or a glob of them, with a sign and a display label."""

    sign: int
    keys: tuple[str, ...]
    label: str | None
    text: str


def parse_operands(
    ctx: CompileContext, subpath: tuple, table: TableDef, items: list[Any], axis: str
) -> list[Operand]:
    """Operands are ``"row"``, ``"-row"``, ``"glob.*"`` or ``{row|column: ..., label: ...}``."""
    result: list[Operand] = []
    for index, item in enumerate(items or []):
        path = (*subpath, index)
        label = None
        if isinstance(item, dict):
            label = item.get("label")
            name = item.get(axis)
            if name is None:
                ctx.problem(path, f'缺少 "{axis}"（要相加的{"行" if axis == "row" else "列"}）')
                continue
            path = (*path, axis)
        else:
            name = item
        text = str(name).strip()
        sign = 1
        if text.startswith("-"):
            sign, text = -1, text[1:].strip()
        elif text.startswith("+"):
            text = text[1:].strip()
        if axis == "row":
            keys = tuple(expand_row(ctx, path, table, text))
        else:
            column = resolve_column(ctx, path, table, text)
            keys = (column,) if column else ()
        if keys:
            result.append(Operand(sign=sign, keys=keys, label=label, text=text))
    return result


def parse_cell_ref(ctx: CompileContext, subpath: tuple, ref: Any) -> list[tuple[str, str, str]]:
    """``"table:row.column"`` (row may be a glob) → the cells it names in this format."""
    text = str(ref).strip()
    if ":" not in text or "." not in text.split(":", 1)[1]:
        ctx.problem(
            subpath,
            f'单元格写法应为 "表:行.列"，例如 applications:new_received.total，而不是 "{text}"',
        )
        return []
    table_key, rest = text.split(":", 1)
    row_part, column_part = rest.rsplit(".", 1)
    table = resolve_table(ctx, subpath, table_key)
    if table is None:
        return []
    rows = expand_row(ctx, subpath, table, row_part)
    column = resolve_column(ctx, subpath, table, column_part)
    if column is None:
        return []
    cells = []
    for row in rows:
        row_def = table.row(row)
        if row_def is not None and column in row_def.columns:
            cells.append((table.key, row, column))
    if rows and not cells:
        ctx.problem(subpath, f'行 "{row_part}" 没有列 "{column}"')
    return cells
