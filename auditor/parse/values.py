"""Read the values of one table row from the characters that follow its label.

Cells may be separated by ` | `, spaces, tabs or newlines, or glued together with no separator at
all. A glued digit run is split only when exactly one split fits the expected cells (after
applying the row's own total, when the table has one); otherwise the cells are unreadable. A
number is never guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from auditor.formats import ColumnDef
from auditor.model import Number

# One value token: a number (optionally signed, with thousands separators or decimals and a unit),
# or a marker that stands for "no value".
BLANK_MARKERS = ("不适用", "——", "—", "–", "-", "/", "\\", "无", "空")
_TOKEN = re.compile(
    r"(?P<num>-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)(?P<unit>万元|元|%)?"
    r"|(?P<blank>不适用|——|—|–|-|/|\\|无|空)"
)
# Separators, then one token: a single regex step per value.
_STEP = re.compile(r"[ \t\n|\u3000]*(?:" + _TOKEN.pattern + ")")
_SEPARATOR = re.compile(r"[ \t\n|\u3000]+")
MAX_CANDIDATES = 20000
MAX_OPTIONS = 64


def to_number(token: str, column: ColumnDef) -> Number | None:
    """The value of one token read into ``column`` (None when it is not a number)."""
    return _to_number(token, column)[0]


@dataclass(slots=True)
class RowValues:
    """The outcome of reading one row, by column position: values, unreadable cells, units."""

    values: dict[int, Number] = field(default_factory=dict)
    unreadable: dict[int, str] = field(default_factory=dict)
    units: dict[int, str] = field(default_factory=dict)
    glued: tuple[int, str, list[str] | None] | None = None  # (candidates, method, chosen)
    # When several splits fit a glued row: every one of them (resolved later by column sums).
    options: list[list[str]] = field(default_factory=list)


def scan_value_prefix(text: str, start: int, stop: int) -> tuple[list[tuple[str, str]], int]:
    """Tokens at the start of ``text[start:stop]`` up to the first character that is not a value.

    Returns ``[(kind, token)]`` with kind ``num`` or ``blank`` (kept in order, with the separator
    information lost except for the token boundaries) and the offset where reading stopped.
    """
    tokens: list[tuple[str, str]] = []
    pos = start
    step = _STEP.match
    while pos < stop:
        match = step(text, pos, stop)
        if match is None:
            sep = _SEPARATOR.match(text, pos, stop)
            if sep:
                pos = sep.end()
            break
        number = match.group("num")
        if number is not None:
            unit = match.group("unit")
            tokens.append(("num", number + unit if unit else number))
        else:
            tokens.append(("blank", match.group("blank")))
        pos = match.end()
    return tokens, pos


def pipe_cells(text: str, expected: int) -> list[str] | None:
    """Cells of a `|`-separated run when their number matches ``expected`` (empty cells kept).

    Text before the first pipe counts as a cell only when it is not empty; trailing empty cells
    (colspan padding) are dropped until the count fits.
    """
    cells = [c.strip() for c in text.split("|")]
    if cells and not cells[0]:
        cells.pop(0)
    if cells and not cells[-1]:
        cells.pop()
    while len(cells) > expected and not cells[-1]:
        cells.pop()
    return cells if len(cells) == expected else None


def _to_number(token: str, column: ColumnDef) -> tuple[Number | None, str | None, str | None]:
    """(value, unit, reason-if-unreadable) for one token read into one column."""
    if token.isdigit() and column.type != "money":
        return int(token), None, None
    unit = None
    for suffix in ("万元", "元", "%"):
        if token.endswith(suffix):
            unit, token = suffix, token[: -len(suffix)]
            break
    token = token.replace(",", "")
    try:
        number = Decimal(token)
    except InvalidOperation:
        return None, unit, f"无法识别的数值“{token}”"
    if column.type == "money" or "." in token:
        return number, unit, None
    return int(number), unit, None


def read_row(
    tokens: list[tuple[str, str]],
    columns: list[ColumnDef],
    total_column: str | None,
    raw: str,
    pipes: list[str] | None = None,
) -> RowValues:
    """Map value tokens onto ``columns``; never invents a value."""
    result = RowValues()
    expected = len(columns)
    if not tokens and pipes is not None and not any(pipes):
        tokens = [("blank", "")] * expected
    if not tokens:
        for index in range(expected):
            result.unreadable[index] = "该行没有填写数值（空白）"
        return result
    if len(tokens) < expected and pipes is not None:
        # Explicit empty cells between pipes: positions are known.
        tokens = [
            ("num", cell)
            if _TOKEN.fullmatch(cell) and cell not in BLANK_MARKERS
            else ("blank", cell)
            for cell in pipes
        ]
    if len(tokens) == expected:
        for index, ((kind, token), col) in enumerate(zip(tokens, columns, strict=True)):
            if kind == "blank":
                shown = token or "空白"
                result.unreadable[index] = f"单元格为“{shown}”，不是数字（不按0计）"
                continue
            _store(result, index, token, col)
        return result
    if len(tokens) > expected or any(kind == "blank" for kind, _ in tokens):
        for index in range(expected):
            result.unreadable[index] = (
                f"读到{len(tokens)}个值，应为{expected}个，无法确定对应关系（原文：{_excerpt(raw)}）"
            )
        return result
    return _split_glued(tokens, columns, total_column, raw)


def _split_glued(
    tokens: list[tuple[str, str]], columns: list[ColumnDef], total_column: str | None, raw: str
) -> RowValues:
    result = RowValues()
    pieces = [t for _, t in tokens]
    if sum(len(t) for t in pieces) == len(columns) and all(t.isdigit() for t in pieces):
        candidates = [list("".join(pieces))]  # as many digits as cells: one digit each
    else:
        candidates = list(_splits(pieces, columns))
    method = "unique"
    if len(candidates) > 1 and total_column is not None:
        method = "row_total"
        candidates = [c for c in candidates if _row_total_holds(c, columns, total_column)]
    if len(candidates) >= MAX_CANDIDATES:
        method = "too_many"
    if len(candidates) == 1:
        chosen = candidates[0]
        for index, (piece, col) in enumerate(zip(chosen, columns, strict=True)):
            _store(result, index, piece, col)
        result.glued = (1, method, list(chosen))
        return result
    if not candidates:
        reason = f"读到{len(tokens)}个值（{_excerpt(raw)}），少于应有的{len(columns)}个，且无法拆分"
        if any(len(t) > 1 for _, t in tokens):
            reason = f"数字粘连（{_excerpt(raw)}），没有符合本行合计关系的拆分方式"
        result.glued = (0, "ambiguous", None)
    else:
        reason = f"数字粘连（{_excerpt(raw)}），有{len(candidates)}种拆分方式都说得通，无法确定"
        if len(tokens) > 1 and _separated(raw):
            # Separated numbers, fewer than the cells: a missing cell is as likely as glued digits.
            values = "、".join(t for _, t in tokens)
            reason = (
                f"只读到{len(tokens)}个数值（{values}），应有{len(columns)}个："
                f"可能缺了一格，也可能有数字粘连（有{len(candidates)}种拆法），无法确定"
            )
        result.glued = (len(candidates), "ambiguous" if method != "too_many" else method, None)
        if len(candidates) <= MAX_OPTIONS:
            result.options = candidates
    for index in range(len(columns)):
        result.unreadable[index] = reason
    return result


def _separated(raw: str) -> bool:
    """Whether the numbers in ``raw`` are separated by spaces or pipes (not all glued)."""
    return bool(_SEPARATOR.search(raw.strip()))


def _excerpt(raw: str) -> str:
    return " ".join(raw.split())[:40]


def _store(result: RowValues, index: int, token: str, column: ColumnDef) -> None:
    value, unit, reason = _to_number(token, column)
    if reason or value is None:
        result.unreadable[index] = reason or "无法识别的数值"
        return
    result.values[index] = value
    if unit:
        result.units[index] = unit


def _row_total_holds(pieces: list[str], columns: list[ColumnDef], total_column: str) -> bool:
    """The total column equals the sum of the others (per block of columns ending in a total)."""
    start = 0
    for index, col in enumerate(columns):
        if col.key != total_column:
            continue
        try:
            parts = sum(Decimal(p.replace(",", "").rstrip("元万%")) for p in pieces[start:index])
            total = Decimal(pieces[index].replace(",", "").rstrip("元万%"))
        except InvalidOperation:
            return False
        if parts != total:
            return False
        start = index + 1
    return True


_PIECE_INT = re.compile(r"0|[1-9]\d*")
_PIECE_SIGNED = re.compile(r"-?(?:0|[1-9]\d*)")
_PIECE_MONEY = re.compile(r"(?:0|[1-9]\d*)(?:\.\d+)?(?:万元|元)?")


def _piece_fits(piece: str, column: ColumnDef) -> bool:
    if column.type == "money":
        return _PIECE_MONEY.fullmatch(piece) is not None
    if column.signed:
        return _PIECE_SIGNED.fullmatch(piece) is not None
    return _PIECE_INT.fullmatch(piece) is not None


def _splits(tokens: list[str], columns: list[ColumnDef]):
    """Every way to cut the tokens into ``len(columns)`` pieces, each valid for its column."""
    count = 0
    # Characters left after each token (to stop early when too few remain for the columns left).
    after = [sum(len(t) for t in tokens[i + 1 :]) for i in range(len(tokens))]
    later_tokens = [len(tokens) - i - 1 for i in range(len(tokens))]

    def walk(token_index: int, offset: int, col_index: int, pieces: list[str]):
        nonlocal count
        if count >= MAX_CANDIDATES:
            return
        if token_index == len(tokens):
            if col_index == len(columns):
                count += 1
                yield list(pieces)
            return
        if col_index == len(columns):
            return
        token = tokens[token_index]
        column = columns[col_index]
        columns_left = len(columns) - col_index - 1
        if later_tokens[token_index] > columns_left:
            return
        for end in range(offset + 1, len(token) + 1):
            if len(token) - end + after[token_index] < columns_left:
                break  # too few characters left for the remaining columns
            piece = token[offset:end]
            if not _piece_fits(piece, column):
                # A longer piece can only become valid for money ("1." → "1.5") or a bare sign.
                if column.type == "money" or piece == "-":
                    continue
                break
            pieces.append(piece)
            if end == len(token):
                yield from walk(token_index + 1, 0, col_index + 1, pieces)
            else:
                yield from walk(token_index, end, col_index + 1, pieces)
            pieces.pop()

    yield from walk(0, 0, 0, [])
