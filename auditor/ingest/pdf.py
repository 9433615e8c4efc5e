"""PDF reports → text, reading tables from the PDF's own ruling lines.

Library: pdfplumber (MIT; pdfminer.six underneath). It is the one well-kept permissive library
that finds tables from ruling lines and reports merged cells as such (a cell spanning rows comes
once, at its origin), which is what keeps each number after its own row label. pypdfium2 reads
the text layer ~15x faster but has no table finder; pymupdf is AGPL. Measured on the three
sample PDFs: ~45-55 ms per page with pdfplumber (tables + text), ~2-3 ms with pypdfium2 (text
only).

Per page: drop invisible drawing (white or filled background boxes, which some converters put
behind every text line), find the tables, write each table row as ``| cell | cell |`` (lines
inside a cell joined without a separator, so wrapped labels, one-character vertical labels and
header words broken across lines come out whole), write the text outside tables line by line,
and put both in reading order. Page numbers (``- 4 -``, ``第 4 页``) are dropped so that a table
split across pages continues without them.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from auditor.errors import IngestError

_TABLE_SETTINGS: dict[str, Any] = {
    "vertical_strategy": "lines",
    "horizontal_strategy": "lines",
    "snap_tolerance": 3,
    "join_tolerance": 3,
    "intersection_tolerance": 3,
    "edge_min_length": 3,
}
_THIN = 2.0  # a filled box at most this thick is a drawn line
_PAGE_NUMBER = re.compile(
    r"^\s*(?:[-—–－－]\s*\d{1,4}\s*[-—–－－]|第\s*\d{1,4}\s*页(?:\s*[,，/]?\s*共\s*\d{1,4}\s*页)?)\s*$"
)
_BARE_NUMBER = re.compile(r"^\s*\d{1,4}\s*$")
_MARGIN = 0.08  # top/bottom share of the page where a bare number is a page number
_CID = re.compile(r"\(cid:\d+\)")
_MIN_TEXT_CHARS = 20  # fewer visible characters in the whole file: a scan


def read_pdf(path: Path) -> tuple[str, list[str]]:
    """Return the report text and notes (Chinese) for a PDF; raise IngestError when unusable."""
    import pdfplumber
    from pdfminer.pdfdocument import PDFPasswordIncorrect
    from pdfplumber.utils.exceptions import PdfminerException

    # pdfminer logs every oddity of a damaged file; users get one line from us instead.
    logging.getLogger("pdfminer").setLevel(logging.CRITICAL)

    try:
        pdf = pdfplumber.open(path)
    except OSError as exc:
        from auditor.ingest import os_error_message

        raise IngestError(os_error_message(exc)) from exc
    except (PdfminerException, PDFPasswordIncorrect) as exc:
        raise IngestError(_open_error(exc)) from exc
    notes: list[str] = []
    pages: list[list[Item]] = []
    blank_pages: list[int] = []
    try:
        with pdf:
            for number, page in enumerate(pdf.pages, start=1):
                items = _page_items(page)
                if not items:
                    blank_pages.append(number)
                pages.append(items)
    except PdfminerException as exc:
        raise IngestError(_open_error(exc)) from exc
    except (ValueError, KeyError, TypeError, IndexError, AttributeError) as exc:
        # pdfminer meets a malformed object it does not wrap in its own exception
        raise IngestError("PDF文件已损坏或格式不正确，无法解析") from exc
    text = "\n".join(render_items(pages))
    visible = len(re.sub(r"\s", "", text))
    if visible < _MIN_TEXT_CHARS:
        raise IngestError("扫描版PDF，没有可提取的文字层（本工具不做OCR）")
    cid = len(_CID.findall(text))
    if cid * 8 > visible:  # "(cid:123)" is 8-10 characters
        raise IngestError("PDF的字体没有文字编码映射，无法提取文字（可尝试另存为带文字的PDF）")
    if blank_pages:
        shown = "、".join(str(n) for n in blank_pages)
        notes.append(f"PDF第{shown}页没有文字层（可能是扫描页），这些页的内容未读取")
    return text, notes


def _open_error(exc: Exception) -> str:
    inner = exc.args[0] if exc.args else exc
    name = type(inner).__name__
    if "Password" in name or "Encrypt" in name or "password" in str(inner).lower():
        return "PDF已加密（需要密码），无法读取"
    return "PDF文件已损坏或格式不正确，无法解析"


# -- one page ---------------------------------------------------------------------------------


class _Cell:
    __slots__ = ("x0", "x1", "text")

    def __init__(self, x0: float, x1: float, text: str) -> None:
        self.x0, self.x1, self.text = x0, x1, text


Row = list[_Cell | None]  # None: the continuation of a merged cell
Item = str | list[Row]  # a text line, or a table


def _page_items(page: Any) -> list[Item]:
    """The page's text lines and tables, in reading order."""
    page = page.filter(_visible)
    tables = [t for t in page.find_tables(_table_settings(page)) if _is_table(t)]
    placed: list[tuple[float, int, Item]] = []
    for table in tables:
        rows: list[Row] = []
        for row, texts in zip(table.rows, table.extract(), strict=True):
            rows.append(
                [
                    None if box is None else _Cell(box[0], box[2], cell_text(text or ""))
                    for box, text in zip(row.cells, texts, strict=True)
                ]
            )
        placed.append((table.bbox[1], 0, rows))
    cells = _CellIndex(tables)
    outside = page.filter(lambda obj: not cells.contains(obj)) if tables else page
    height = float(page.height)
    for line in outside.extract_text_lines(return_chars=False):
        text = line["text"].strip()
        if not text or _is_page_number(text, line["top"], line["bottom"], height):
            continue
        placed.append((line["top"], 1, text))
    placed.sort(key=lambda item: (item[0], item[1]))
    return [item for _, _, item in placed]


_LABEL_START = re.compile(
    r"^(?:[（(][一二三四五六七八九十\d]+[)）]|[一二三四五六七八九十]+[、.．]|\d+[、.．，,])"
)
_NUMBER = re.compile(r"^[-+]?[\d,，.]+%?$")
_TOLERANCE = 3.0


def join_page_break(last: Row, first: Row) -> None:
    """Rejoin label text that a page break cut off inside a table.

    ``last`` is the last row of a table ending a page, ``first`` the first row of the table
    starting the next page. A cell of ``first`` lying in the same column as a text cell of
    ``last`` and holding a bare fragment (``法提供`` of ``（四）无法提供``) is appended to it, when the
    fragment's row is evidently a continuation: it has a sub-label (``2.…``) further right, or
    no numbers at all.
    """
    cells = [c for c in first if c is not None and c.text]
    has_numbers = any(_NUMBER.match(c.text) for c in cells)
    for index, cell in enumerate(cells):
        if _NUMBER.match(cell.text) or _LABEL_START.match(cell.text):
            continue
        sub_label_after = any(_LABEL_START.match(c.text) for c in cells[index + 1 :])
        if has_numbers and not sub_label_after:
            continue
        above = next(
            (
                c
                for c in last
                if c is not None
                and abs(c.x0 - cell.x0) <= _TOLERANCE
                and abs(c.x1 - cell.x1) <= _TOLERANCE
            ),
            None,
        )
        if above is not None and above.text and not _NUMBER.match(above.text):
            above.text += cell.text
            cell.text = ""


def render_items(pages: Sequence[list[Item]]) -> list[str]:
    """Join tables cut by page breaks, then write every item as text lines."""
    for before, after in zip(pages, pages[1:], strict=False):
        last, first = (before[-1] if before else None), (after[0] if after else None)
        if isinstance(last, list) and isinstance(first, list) and last and first:
            join_page_break(last[-1], first[0])
    lines: list[str] = []
    for page in pages:
        for item in page:
            if isinstance(item, str):
                lines.append(item)
            else:
                lines.extend(render_rows([[c.text if c else None for c in row] for row in item]))
    return lines


def _table_settings(page: Any) -> dict[str, Any]:
    """Close tables cut by a page break: where a table runs over the page end (or starts on
    the page without a top rule), its vertical rules end with no horizontal rule to meet them,
    so pdfplumber would not see the cells there. Add horizontal rules at those ends."""
    verticals = [e for e in page.edges if e["orientation"] == "v"]
    if not verticals:
        return _TABLE_SETTINGS
    ends = [min(e["top"] for e in verticals), max(e["bottom"] for e in verticals)]
    return {**_TABLE_SETTINGS, "explicit_horizontal_lines": ends}


class _CellIndex:
    """Which characters fall inside a table cell (they are written by the table)."""

    def __init__(self, tables: Sequence[Any]) -> None:
        self.tables = [(t.bbox, t.cells) for t in tables]

    def contains(self, obj: dict[str, Any]) -> bool:
        if obj.get("object_type") != "char":
            return False
        x = (obj["x0"] + obj["x1"]) / 2
        y = (obj["top"] + obj["bottom"]) / 2
        for (tx0, ttop, tx1, tbottom), cells in self.tables:
            if tx0 <= x <= tx1 and ttop <= y <= tbottom:
                return any(x0 <= x <= x1 and top <= y <= bottom for x0, top, x1, bottom in cells)
        return False


def _is_table(table: Any) -> bool:
    """A real table has at least two columns somewhere (not a frame around text)."""
    return any(sum(cell is not None for cell in row) >= 2 for row in table.extract())


def _is_page_number(text: str, top: float, bottom: float, height: float) -> bool:
    if _PAGE_NUMBER.match(text):
        return True
    in_margin = bottom > height * (1 - _MARGIN) or top < height * _MARGIN
    return in_margin and bool(_BARE_NUMBER.match(text))


# -- drawing: which objects count as ruling lines ---------------------------------------------


def _is_white(color: Any) -> bool:
    if not isinstance(color, (tuple, list)) or not color:
        return False
    if not all(isinstance(c, (int, float)) for c in color):
        return False
    if len(color) == 4:  # CMYK
        return all(c <= 0.02 for c in color)
    return all(c >= 0.98 for c in color)


def _visible(obj: dict[str, Any]) -> bool:
    kind = obj.get("object_type")
    if kind == "rect":
        thin = min(obj["width"], obj["height"]) <= _THIN
        if obj.get("stroke") and not _is_white(obj.get("stroking_color")):
            return True
        return bool(obj.get("fill")) and thin and not _is_white(obj.get("non_stroking_color"))
    if kind in ("line", "curve"):
        return bool(obj.get("stroke", True)) and not _is_white(obj.get("stroking_color"))
    return True


# -- table rows → text ------------------------------------------------------------------------

_DIGIT_BREAK = re.compile(r"(?<=\d)\n(?=\d)")


def cell_text(cell: str) -> str:
    """A cell's lines joined without separator; a break between two digits stays a space."""
    return re.sub(r"\s+", " ", _DIGIT_BREAK.sub(" ", cell).replace("\n", "")).strip()


def render_rows(rows: Iterable[Sequence[str | None]]) -> list[str]:
    """One line per row: ``| a | b |``; a merged cell's continuation (None) is left out.

    A row with a single cell (a caption, or text framed by a box) is written as plain text.
    """
    lines: list[str] = []
    for row in rows:
        cells = [cell_text(cell) for cell in row if cell is not None]
        if not any(cells):
            continue
        if len(cells) == 1:
            lines.append(cells[0])
        else:
            lines.append("| " + " | ".join(cells) + " |")
    return lines
