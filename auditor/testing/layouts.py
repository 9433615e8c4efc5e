"""Render a ``ReportModel`` as report text in each layout the parser must read.

Every table is first built as a grid of cells with rowspan/colspan, exactly as the national
template lays it out in HTML; text layouts then flatten the grid the way real pages do
(see reports-in/000–004 and the Pingtan pages in the peer corpus):

- ``pipes``      `` | `` between the cells of a row, trailing empty cells (000)
- ``cell_pipe``  one cell per line ending in `` |`` (002)
- ``cell_blank`` one cell per line, blank lines between, header labels split (004)
- ``glued``      no separator at all (001); some multi-digit rows cannot be split
- ``markdown``   ``|---|`` tables on the full grid, spanned positions empty
- ``tabs``       tab-separated cells
- ``runon``      the whole body on one line, full-width punctuation, glued tables (Pingtan)
- ``html``       a saved page: ``<table>`` with rowspan/colspan, labels split over ``<p>``
"""

from __future__ import annotations

import html as html_lib
import random
from dataclasses import dataclass
from decimal import Decimal

from auditor.formats import TableDef, load_formats
from auditor.model import Number
from auditor.testing.generator import ReportModel

LAYOUTS: tuple[str, ...] = (
    "pipes",
    "cell_pipe",
    "cell_blank",
    "glued",
    "markdown",
    "tabs",
    "runon",
    "html",
)
GLUED_LAYOUTS = frozenset({"glued", "runon"})

TOP_CHROME = (
    "您当前所在位置: 首页 > 政府信息公开 > 政府信息公开年报",
    "索引号: 11510700MB1{n:04d}/{y}-00012 主题分类: 综合政务",
    "字体:【 大 中 小 】 打印",
)
BOTTOM_CHROME = ("扫一扫在手机打开当前页", "浏览次数:", "文件下载:", "相关阅读:")
_FULLWIDTH = str.maketrans({"(": "（", ")": "）", ":": "：", ",": "，", ";": "；"})


@dataclass(slots=True)
class Cell:
    parts: tuple[str, ...]  # the label as split over several <p> / lines; one part when whole
    role: str = "label"  # "header" | "label" | "group" | "value" | "title"
    rowspan: int = 1
    colspan: int = 1

    @property
    def text(self) -> str:
        return "".join(self.parts)


@dataclass(slots=True)
class Grid:
    key: str
    width: int
    rows: list[list[Cell]]
    # for glued layouts: (row key, first value column index in the row's values) per data line
    data_lines: list[tuple[int, list[tuple[str, str]]]]  # (grid row index, [(row, column)...])


def suffix(layout: str) -> str:
    return ".html" if layout == "html" else ".txt"


def render(model: ReportModel, layout: str) -> str:
    """The report text of ``model`` in ``layout`` (deterministic for a given model)."""
    if layout not in LAYOUTS:
        raise ValueError(f"unknown layout {layout!r}")
    fmt = load_formats().formats[model.format_id]
    rng = random.Random(f"{model.seed}:{layout}")
    grids = {key: build_grid(model, fmt.tables[key], rng, layout) for key in fmt.tables}
    if layout == "html":
        return _render_html(model, grids, rng)
    blocks = _blocks(model, grids)
    if layout == "runon":
        return _render_runon(model, blocks)
    return _render_lines(model, blocks, layout, rng)


def title(model: ReportModel) -> str:
    return f"{model.agency}{model.year}年政府信息公开工作年度报告"


def value_text(value: Number) -> str:
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


# -- grids -----------------------------------------------------------------------------------


def _split_label(text: str, rng: random.Random, layout: str) -> tuple[str, ...]:
    """Split a header label the way narrow table cells wrap it."""
    if layout in ("html", "cell_blank") and len(text) >= 4 and rng.random() < 0.7:
        size = 2 if len(text) <= 6 else 3
        return tuple(text[i : i + size] for i in range(0, len(text), size))
    if layout == "pipes" and len(text) == 4 and rng.random() < 0.5:
        return (text[:2] + " " + text[2:],)
    return (text,)


def build_grid(model: ReportModel, table: TableDef, rng: random.Random, layout: str) -> Grid:
    if table.key == "applications":
        return _applications_grid(model, table, rng, layout)
    if table.key == "review_litigation":
        return _review_grid(model, table, rng, layout)
    return _active_grid(model, table, rng, layout)


def _values(model: ReportModel, table: str, row: str, columns) -> list[Cell]:
    cells = model.tables[table][row]
    return [Cell((value_text(cells[c]),), "value") for c in columns]


def _applications_grid(
    model: ReportModel, table: TableDef, rng: random.Random, layout: str
) -> Grid:
    cols = list(table.columns)
    total_col = table.total_column or cols[-1]
    parts = [c for c in cols if c != total_col]
    width = 3 + len(cols)
    hl = lambda key: Cell(_split_label(table.columns[key].label, rng, layout), "header")  # noqa: E731
    rows: list[list[Cell]] = [
        [
            Cell((table.headers["corner_note"],), "title", rowspan=3, colspan=3),
            Cell((table.headers["applicants"],), "header", colspan=len(cols)),
        ],
        [
            hl(parts[0]),
            Cell((table.headers["legal_persons"],), "header", colspan=len(parts) - 1),
            hl(total_col),
        ],
        [hl(c) for c in parts[1:]],
    ]
    rows[1][0].rowspan = rows[1][2].rowspan = 2
    data_lines = []
    present = [r for r in table.rows if ("applications", r.key) not in model.missing_rows]
    result_rows = [r for r in present if r.key.startswith("results.")]
    seen_groups: set[str] = set()
    for r in present:
        line: list[Cell] = []
        label = Cell((r.label,), "label")
        if not r.key.startswith("results."):
            label.colspan = 3
        else:
            if "results" not in seen_groups:
                seen_groups.add("results")
                parts_ = (
                    _split_label(table.groups["results"], rng, "html")
                    if layout == "html"
                    else (table.groups["results"],)
                )
                line.append(Cell(parts_, "group", rowspan=len(result_rows)))
            group = r.key.rsplit(".", 1)[0]
            if group in table.groups and group != "results":
                if group not in seen_groups:
                    seen_groups.add(group)
                    size = sum(1 for x in result_rows if x.key.startswith(group + "."))
                    line.append(Cell((table.groups[group],), "group", rowspan=size))
            else:
                label.colspan = 2
        line.append(label)
        line.extend(_values(model, "applications", r.key, cols))
        data_lines.append((len(rows), [(r.key, c) for c in cols]))
        rows.append(line)
    return Grid("applications", width, rows, data_lines)


def _review_grid(model: ReportModel, table: TableDef, rng: random.Random, layout: str) -> Grid:
    cols = list(table.columns)
    n = len(cols)
    blocks = table.rows
    top: list[Cell] = []
    sub: list[Cell] = []
    leaf: list[Cell] = []
    groups: list[tuple[str, int]] = []
    for block in blocks:
        group, _, subname = block.label.partition("·")
        if groups and groups[-1][0] == group:
            groups[-1] = (group, groups[-1][1] + n)
        else:
            groups.append((group, n))
        if subname:
            sub.append(Cell((subname,), "header", colspan=n))
    for group, span in groups:
        top.append(Cell((group,), "header", colspan=span))
    first = blocks[0]
    row1 = [
        Cell(_split_label(table.columns[c].label, rng, layout), "header", rowspan=2)
        for c in first.columns
    ]
    for block in blocks[1:]:
        leaf.extend(
            Cell(_split_label(table.columns[c].label, rng, layout), "header") for c in block.columns
        )
    values: list[Cell] = []
    keys: list[tuple[str, str]] = []
    for block in blocks:
        values.extend(_values(model, "review_litigation", block.key, block.columns))
        keys.extend((block.key, c) for c in block.columns)
    rows = [top, row1 + sub, leaf, values]
    return Grid("review_litigation", n * len(blocks), rows, [(3, keys)])


def _active_grid(model: ReportModel, table: TableDef, rng: random.Random, layout: str) -> Grid:
    width = 1 + max(len(r.columns) for r in table.rows)
    rows: list[list[Cell]] = []
    data_lines = []
    item = None
    articles = layout != "cell_pipe" or rng.random() < 0.5  # seed 002 has no 第二十条 rows
    header_cols: tuple[str, ...] | None = None
    for r in table.rows:
        new_item = r.item or item
        if new_item != item or r.columns != header_cols:
            if articles and new_item != item:
                rows.append([Cell((f"第二十条第{new_item}项",), "title", colspan=width)])
            header = [Cell((table.headers["content"],), "header")]
            header += [
                Cell(_split_label(table.columns[c].label, rng, layout), "header") for c in r.columns
            ]
            header[-1].colspan = width - len(r.columns)
            rows.append(header)
            item, header_cols = new_item, r.columns
        line = [Cell((r.label,), "label"), *_values(model, "active_disclosure", r.key, r.columns)]
        line[-1].colspan = width - len(r.columns)
        data_lines.append((len(rows), [(r.key, c) for c in r.columns]))
        rows.append(line)
    return Grid("active_disclosure", width, rows, data_lines)


def full_grid(grid: Grid) -> list[list[str]]:
    """Expand spans: every position of the grid, spanned positions empty."""
    out: list[list[str]] = [[""] * grid.width for _ in grid.rows]
    taken: set[tuple[int, int]] = set()
    for i, row in enumerate(grid.rows):
        j = 0
        for cell in row:
            while (i, j) in taken:
                j += 1
            if j < grid.width:
                out[i][j] = cell.text
            for di in range(cell.rowspan):
                for dj in range(cell.colspan):
                    taken.add((i + di, j + dj))
            j += cell.colspan
    return out


# -- text layouts ----------------------------------------------------------------------------


def _blocks(model: ReportModel, grids: dict[str, Grid]) -> list[tuple[str, object]]:
    """The report as a sequence of ("line", text) / ("heading", text) / ("table", Grid)."""
    out: list[tuple[str, object]] = [("title", title(model))]
    if model.published is not None:
        out.append(("line", f"发布时间: {model.published.isoformat()}"))
    out.append(("line", model.intro))
    for key, paragraphs in model.sections.items():
        out.append(("heading", model.headings[key]))
        for i, paragraph in enumerate(paragraphs):
            out.append(("line", paragraph))
            if i == 0 and key in grids:
                out.append(("table", grids[key]))
    return out


def _render_lines(model: ReportModel, blocks, layout: str, rng: random.Random) -> str:
    lines: list[str] = []
    blank = layout in ("cell_blank", "glued", "markdown")
    chrome = [
        c.format(n=model.seed % 10000, y=model.year + 1) for c in TOP_CHROME if rng.random() < 0.5
    ]
    lines.extend(chrome)
    indent = "\xa0\xa0" if layout == "glued" and rng.random() < 0.5 else ""
    for kind, content in blocks:
        if kind == "table":
            lines.extend(_table_lines(content, layout))
        elif kind == "title":
            lines.append(f"# {content}" if layout == "markdown" else content)
        elif kind == "heading":
            lines.append(f"## {content}" if layout == "markdown" else indent + content)
        else:
            lines.append(content)
        if blank:
            lines.append("")
    lines.extend(c for c in BOTTOM_CHROME if rng.random() < 0.6)
    return "\n".join(lines) + "\n"


def _pad(grid: Grid, row: list[Cell]) -> str:
    missing = grid.width - len(row)
    return " " + "|" * missing if missing > 0 else ""


def _table_lines(grid: Grid, layout: str) -> list[str]:
    lines: list[str] = []
    if layout == "markdown":
        full = full_grid(grid)
        for i, row in enumerate(full):
            lines.append("| " + " | ".join(row) + " |")
            if i == 0:
                lines.append("|" + "---|" * grid.width)
        lines.append("")
        return lines
    for row in grid.rows:
        if layout == "pipes":
            texts = [" ".join(c.parts) if c.role == "header" else c.text for c in row]
            lines.append(" | ".join(texts) + " |" + _pad(grid, row))
        elif layout == "tabs":
            lines.append("\t".join(c.text for c in row))
        elif layout == "glued":
            lines.append("".join(c.text for c in row))
        elif layout == "cell_pipe":
            for k, cell in enumerate(row):
                end = _pad(grid, row) if k == len(row) - 1 else ""
                lines.append(cell.text + " |" + end)
        elif layout == "cell_blank":
            for cell in row:
                for part in cell.parts:
                    lines.extend((part, ""))
    return lines


def _render_runon(model: ReportModel, blocks) -> str:
    head = [f"标题: {title(model)}"]
    if model.published is not None:
        head.append(f"发布时间: {model.published.isoformat()} 09:30")
    head += ["文号: ", "发布机构: ", "栏目: 政府信息公开年报", "=" * 20 + " 正文 " + "=" * 20]
    when = f" 时间: {model.published.isoformat()} 09:30" if model.published else ""
    body = [
        f"当前位置: 首页政务公开政府信息公开政府信息公开年报 {title(model)} 来源: {model.agency}{when} 微信 微博 文件下载 相关链接: -->"
    ]
    for kind, content in blocks:
        if kind in ("title",) or (kind == "line" and str(content).startswith("发布时间")):
            continue
        if kind == "table":
            body.append("".join("".join(c.text for c in row) for row in content.rows))
        else:
            body.append(str(content))
    text = "".join(body) + " 附件下载"
    return "\n".join(head) + "\n" + text.translate(_FULLWIDTH) + "\n"


# -- html ------------------------------------------------------------------------------------


def _esc(text: str) -> str:
    return html_lib.escape(text.translate(_FULLWIDTH), quote=False)


def _render_html(model: ReportModel, grids: dict[str, Grid], rng: random.Random) -> str:
    t = title(model)
    date = model.published.isoformat() if model.published else ""
    out = [
        "<!DOCTYPE html>",
        '<html><head><meta charset="utf-8">',
        f"<title>{_esc(t)}_政府信息公开年报</title>",
        f'<meta name="ArticleTitle" content="{html_lib.escape(t)}">',
        "</head><body>",
        '<div class="crumb">您当前所在位置: <a href="/">首页</a> &gt; <a href="/zwgk/">政府信息公开</a> &gt; 政府信息公开年报</div>',
        f'<div class="article"><h1 class="title">{_esc(t)}</h1>',
        '<div class="info">',
    ]
    if date:
        out.append(f"<span>发布时间: {date}</span>")
    out.append(f"<span>来源: {_esc(model.agency)}</span><span>浏览次数:</span></div>")
    out.append('<div class="content">')
    out.append(f"<p>{_esc(model.intro)}</p>")
    for key, paragraphs in model.sections.items():
        heading = _esc(model.headings[key])
        out.append(
            f"<p><strong>{heading}</strong></p>" if rng.random() < 0.5 else f"<p>{heading}</p>"
        )
        for i, paragraph in enumerate(paragraphs):
            out.append(f"<p>{_esc(paragraph)}</p>")
            if i == 0 and key in grids:
                out.append(_html_table(grids[key]))
    out.append("</div></div>")
    out.append('<div class="qr"><p>扫一扫在手机上查看当前页面</p></div>')
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def _html_table(grid: Grid) -> str:
    rows = []
    for row in grid.rows:
        cells = []
        for cell in row:
            attrs = ""
            if cell.rowspan > 1:
                attrs += f' rowspan="{cell.rowspan}"'
            if cell.colspan > 1:
                attrs += f' colspan="{cell.colspan}"'
            inner = "".join(f"<p>{_esc(p)}</p>" for p in cell.parts)
            cells.append(f"<td{attrs}>{inner}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return '<table border="1" cellspacing="0"><tbody>' + "".join(rows) + "</tbody></table>"


# -- what a glued layout leaves unreadable ---------------------------------------------------


def expected_unreadable(model: ReportModel, layout: str) -> set[tuple[str, str, str]]:
    """Cells whose glued digits admit more than one split (so the parser must not guess).

    A data line is readable when exactly one split of its digit run fits the cell patterns
    (no leading zeros, a minus sign only in signed columns) and the row/block totals.
    """
    if layout not in GLUED_LAYOUTS:
        return set()
    fmt = load_formats().formats[model.format_id]
    out: set[tuple[str, str, str]] = set()
    for key, table in fmt.tables.items():
        grid = build_grid(model, table, random.Random(0), layout)
        for row_index, keys in grid.data_lines:
            values = [c for c in grid.rows[row_index] if c.role == "value"]
            digits = "".join(c.text for c in values)
            kinds = [_kind(table, col) for _, col in keys]
            groups = _total_groups(table, keys)
            if count_splits(digits, kinds, groups, limit=2) != 1:
                out.update((key, row, col) for row, col in keys)
    return out


def _kind(table: TableDef, column: str) -> str:
    coldef = table.columns[column]
    if coldef.type == "money":
        return "money"
    return "signed" if coldef.signed else "count"


def _total_groups(table: TableDef, keys: list[tuple[str, str]]) -> list[tuple[list[int], int]]:
    """Index groups (parts, total) for rows of tables that have a total column."""
    if not table.total_column:
        return []
    groups = []
    by_row: dict[str, list[int]] = {}
    for i, (row, _) in enumerate(keys):
        by_row.setdefault(row, []).append(i)
    for indexes in by_row.values():
        total = [i for i in indexes if keys[i][1] == table.total_column]
        if total:
            groups.append(([i for i in indexes if i != total[0]], total[0]))
    return groups


def _token_ok(token: str, kind: str) -> bool:
    body = token[1:] if kind == "signed" and token.startswith("-") else token
    if kind == "money" and "." in body:
        whole, _, frac = body.partition(".")
        return bool(frac) and frac.isdigit() and _token_ok(whole, "count")
    return body.isdigit() and (body == "0" or not body.startswith("0"))


def count_splits(
    text: str,
    kinds: list[str],
    groups: list[tuple[list[int], int]],
    *,
    limit: int = 2,
    max_len: int = 12,
) -> int:
    """How many ways (up to ``limit``) ``text`` splits into cells of ``kinds`` meeting the totals."""
    ends = {total: (parts, total) for parts, total in groups}
    found = 0
    chosen: list[Decimal] = []

    def walk(pos: int, index: int) -> None:
        nonlocal found
        if found >= limit:
            return
        if index == len(kinds):
            found += pos == len(text)
            return
        remaining = len(kinds) - index
        if len(text) - pos < remaining:
            return
        for length in range(1, min(max_len, len(text) - pos - remaining + 1) + 1):
            token = text[pos : pos + length]
            if not _token_ok(token, kinds[index]):
                continue
            value = Decimal(token)
            if index in ends:
                parts, _ = ends[index]
                if sum(chosen[i] for i in parts) != value:
                    continue
            chosen.append(value)
            walk(pos + length, index + 1)
            chosen.pop()

    walk(0, 0)
    return found
