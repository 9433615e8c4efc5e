"""Find the three statistical tables and read their rows, whatever the layout.

Rows are located by their labels (from the format definition) in the compact text, in order; the
values of a row are the value tokens between the end of its label and the next row's label. This
reads ` | ` rows, one cell per line, blank-line layouts, glued cells, run-on pages, Markdown and
the pipe rows that the HTML and PDF readers produce, with one mechanism.
"""

from __future__ import annotations

import re
from bisect import bisect_right

from auditor.formats import RowDef, TableDef
from auditor.model import GluedResolution, Report, Unreadable
from auditor.parse.document import Document
from auditor.parse.resolve import PendingRow, resolve_by_column_sums
from auditor.parse.values import pipe_cells, read_row, scan_value_prefix
from auditor.text import compact

_VALUE_START = re.compile(r"[0-9|/\\—–\-\n]|不适用")
_DIGIT = re.compile(r"\d")
# How many characters of label text may follow the matched phrase before the values start.
_LABEL_SLACK = 12


def locate_table(doc: Document, table: TableDef, region: tuple[int, int]) -> int | None:
    """Compact offset where the table starts inside ``region``, or None when it is not there.

    Anchors are tried in the order the format definition lists them (most specific first).
    """
    for anchor in table.anchors:
        found = doc.find((anchor,), region[0], region[1])
        if found:
            return found[0]
    return None


def read_table(doc: Document, table: TableDef, region: tuple[int, int], report: Report) -> None:
    """Read every row of ``table`` found in the compact ``region`` into ``report``."""
    start, end = region
    matches = _match_rows(doc, table, start, end)
    cells = report.tables.setdefault(table.key, {})
    found_rows = report.rows_found.setdefault(table.key, [])
    pending: list[PendingRow] = []
    for index, (row, label_start, label_end) in enumerate(matches):
        next_start = matches[index + 1][1] if index + 1 < len(matches) else end
        text_from = doc.text_end(_consume_label(doc.compact, label_start, label_end, row))
        text_to = doc.text_offset(next_start) if next_start < len(doc.compact) else len(doc.text)
        label_len = len(row.label) - len(row.match[0]) + _LABEL_SLACK
        values_from = _skip_label_rest(doc.text, text_from, text_to, label_len)
        line = _line(doc, doc.text_offset(label_start))
        found_rows.append(row.key)
        report.row_lines[f"{table.key}:{row.key}"] = line
        options = _read_into(doc, table, row, values_from, text_to, line, report, cells)
        if options:
            pending.append(PendingRow(row.key, options))
    resolve_by_column_sums(table, pending, report)


def _match_rows(
    doc: Document, table: TableDef, start: int, end: int
) -> list[tuple[RowDef, int, int]]:
    """Row labels in table order; rows printed out of order are looked for again afterwards."""
    matches: list[tuple[RowDef, int, int]] = []
    missing: list[RowDef] = []
    cursor = start
    for row in table.rows:
        found = _find_row(doc, row, cursor, end)
        if found is None:
            missing.append(row)
            continue
        matches.append((row, _with_enumerator(doc.compact, found[0], cursor), found[1]))
        cursor = found[1]
    for row in missing:
        found = _find_row(doc, row, start, end)
        if found is None or any(
            s <= found[0] < e or found[0] <= s < found[1] for _, s, e in matches
        ):
            continue
        matches.append((row, _with_enumerator(doc.compact, found[0], start), found[1]))
    matches.sort(key=lambda item: item[1])
    return matches


def _find_row(doc: Document, row: RowDef, start: int, end: int) -> tuple[int, int] | None:
    """The row's label; a label followed by nothing at all (a heading over a broken Markdown
    table) gives way to a later occurrence that is followed by values."""
    first = doc.find(row.match, start, end)
    found = first
    for _ in range(3):
        if found is None:
            return first
        after = doc.text_end(found[1])
        stop = doc.text_offset(end) if end < len(doc.compact) else len(doc.text)
        value_at = _skip_label_rest(doc.text, after, stop, len(row.label) + _LABEL_SLACK)
        tokens, _ = scan_value_prefix(doc.text, value_at, stop)
        if tokens:
            return found
        found = doc.find(row.match, found[1], end)
    return first


_ENUMERATOR = re.compile(r"(?:\d\.|\([一二三四五六七八九十]\)|[一二三四五六七八九十]、)$")


def _with_enumerator(compact: str, start: int, floor: int) -> int:
    """Move a label's start back over its numbering (`2.`, `(三)`, `四、`).

    A digit run glued to the label (`…0502.没有现成信息…`) thus gives its last digit to the label.
    """
    match = _ENUMERATOR.search(compact, max(floor, start - 3), start)
    return match.start() if match else start


def _consume_label(compact: str, start: int, end: int, row: RowDef) -> int:
    """Extend a matched label phrase over the rest of the row's label, even across line breaks
    (`(二)部分公开(区分处理的,只计这一情` ⏎ `形,不计其他情形) 447 7 …`)."""
    label = row.compact_label
    at = label.find(compact[start:end])
    if at < 0:
        return end
    rest = label[at + end - start :]
    size = 0
    limit = min(len(rest), len(compact) - end)
    while size < limit and compact[end + size] == rest[size]:
        size += 1
    return end + size


def _skip_label_rest(text: str, start: int, stop: int, slack: int) -> int:
    """Skip what is left of a row label (e.g. `(区分处理的,只计这一情形…)`) before its values."""
    seen = 0
    pos = start
    while pos < stop:
        if _VALUE_START.match(text, pos):
            return pos
        if not text[pos].isspace():
            seen += 1
            if seen > slack:
                return stop
        pos += 1
    return pos


def _read_into(
    doc: Document,
    table: TableDef,
    row: RowDef,
    start: int,
    stop: int,
    line: int,
    report: Report,
    cells: dict,
) -> list[list[str]]:
    """Read one row into ``cells``; return the candidate splits if the row stayed ambiguous."""
    tokens, read_to = scan_value_prefix(doc.text, start, stop)
    columns = [table.columns[key] for key in row.columns]
    if len(tokens) > len(columns):
        # More values than cells: the values on the label's own line belong to the row.
        line_end = doc.text.find("\n", start, read_to)
        if line_end > 0:
            first_line, first_end = scan_value_prefix(doc.text, start, line_end)
            if len(first_line) == len(columns):
                tokens, read_to = first_line, first_end
    raw = doc.text[start:read_to]
    pipes = pipe_cells(raw, len(columns)) if "|" in raw else None
    outcome = read_row(tokens, columns, table.total_column, raw, pipes)
    values = {columns[i].key: v for i, v in outcome.values.items()}
    if values:
        cells[row.key] = values
    for index, reason in sorted(outcome.unreadable.items()):
        report.unreadable.append(Unreadable(table.key, row.key, columns[index].key, reason, line))
    for index, unit in outcome.units.items():
        report.cell_units[f"{table.key}:{row.key}.{columns[index].key}"] = unit
    if outcome.glued is not None:
        candidates, method, chosen = outcome.glued
        report.resolutions.append(
            GluedResolution(
                table.key, row.key, " ".join(raw.split()), line, candidates, method, chosen
            )
        )
    return outcome.options


def read_positional_table(
    doc: Document, table: TableDef, region: tuple[int, int], report: Report
) -> None:
    """Table 4: one line of 15 numbers under truncated headers, read by position."""
    start, end = region
    # The numbers follow the first block's last header (its total column, 总计); header text
    # between the blocks carries no digits.
    last_header = compact(table.columns[table.total_column].label) if table.total_column else ""
    header = (last_header and doc.find((last_header,), start, end)) or doc.find(
        table.anchors, start, end
    )
    if header is None:
        return
    pos = doc.text_end(header[1])
    stop = doc.text_offset(end) if end < len(doc.compact) else len(doc.text)
    columns = [table.columns[key] for row in table.rows for key in row.columns]
    tokens: list[tuple[str, str]] = []
    raw_parts: list[str] = []
    first_line: int | None = None
    while pos < stop and _count_numbers(tokens) < len(columns):
        found = _VALUE_START.search(doc.text, pos, stop)
        if found is None:
            break
        gap = doc.text[pos : found.start()]
        if tokens and any(ch.isdigit() for ch in gap):
            break
        if tokens and len(gap.strip()) > 80:  # narrative after the table
            break
        more, read_to = scan_value_prefix(doc.text, found.start(), stop)
        if read_to == found.start():
            pos = found.start() + 1
            continue
        if any(kind == "num" for kind, _ in more):
            if first_line is None:  # the line of the first number, not of the header before it
                digit = _DIGIT.search(doc.text, found.start(), read_to)
                first_line = _line(doc, digit.start() if digit else found.start())
            tokens.extend(more)
            raw_parts.append(doc.text[found.start() : read_to])
        pos = read_to
    if not tokens:
        return
    line = first_line or _line(doc, doc.text_offset(header[0]))
    raw = " ".join(" ".join(raw_parts).split())
    outcome = read_row(tokens, columns, table.total_column, raw, None)
    cells = report.tables.setdefault(table.key, {})
    report.rows_found[table.key] = [row.key for row in table.rows]
    width = 0
    for row in table.rows:
        report.row_lines[f"{table.key}:{row.key}"] = line
        values = {}
        for offset, key in enumerate(row.columns):
            position = width + offset
            if position in outcome.values:
                values[key] = outcome.values[position]
            else:
                reason = outcome.unreadable.get(position, "缺少该单元格")
                report.unreadable.append(Unreadable(table.key, row.key, key, reason, line))
        if values:
            cells[row.key] = values
        width += len(row.columns)
    if outcome.glued is not None:
        candidates, method, chosen = outcome.glued
        report.resolutions.append(
            GluedResolution(table.key, "*", raw, line, candidates, method, chosen)
        )


def _count_numbers(tokens: list[tuple[str, str]]) -> int:
    return sum(1 for kind, _ in tokens if kind == "num")


def _line(doc: Document, offset: int) -> int:
    return bisect_right(doc.line_starts, offset)
