"""HTML report pages → text, reading the tables from their own ``<table>`` structure.

Uses the standard library's ``html.parser`` (tolerant of the broken markup of saved government
pages, no dependency, fast enough: the work is one pass over the tags).

Output: one line per block element; each data table as one line per ``<tr>``,
``| cell | cell |``. Inside a cell, block and inline elements are joined without a separator,
so a vertical label ``<p>自</p><p>然</p><p>人</p>`` reads ``自然人`` and Word's
``20</span><span>23`` reads ``2023``. A cell spanning rows or columns is written once, where it
starts. Tables used for page layout (a cell holding another table or a long multi-paragraph
text) are written as ordinary blocks instead. Scripts, styles, the ``<head>`` (except its
``<title>``) and navigation chrome (``<nav>``, ``<header>``, ``<footer>``, and elements whose
class or id names a header, footer, menu, breadcrumb or search box) are dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from auditor.ingest.decode import decode_bytes

_BLOCK = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "br",
        "center",
        "dd",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "li",
        "main",
        "ol",
        "p",
        "pre",
        "section",
        "ul",
        "caption",
        "title",
    ]
)
# Elements whose content is never report text.
_SKIP = frozenset(
    [
        "script",
        "style",
        "noscript",
        "template",
        "svg",
        "math",
        "iframe",
        "object",
        "select",
        "textarea",
        "button",
    ]
)
# class/id tokens that mark page chrome (a token equal to one of these, or starting with
# one of them followed by - or _).
_CHROME_WORDS = ("nav", "navbar", "menu", "submenu", "header", "footer", "breadcrumb", "crumb")
_CHROME = re.compile(r"(?:^|[\s])(?:" + "|".join(_CHROME_WORDS) + r")(?:[-_][\w-]*)?(?=\s|$)", re.I)
_CHROME_TAGS = frozenset(["div", "ul", "ol", "section", "aside", "table"])

_WS = re.compile(r"\s+")
_MIN_BODY_CHARS = 200  # less text than this once chrome is dropped: keep the chrome after all
# A layout cell: a long text made of several paragraphs.
_LAYOUT_CELL_CHARS = 300
_BREAK = "\x1e"  # marks a block boundary inside a cell's collected text
_AROUND_BREAK = re.compile(r"\s*\x1e\s*")
# A source line break between two CJK characters is not a space (CSS Text segment-break rule).
_CJK = "\u3000-\u303f\u3400-\u9fff\uff00-\uffef"
_CJK_NEWLINE = re.compile(rf"(?<=[{_CJK}])[ \t]*\n\s*(?=[{_CJK}])")


def _clean(text: str) -> str:
    """Collapse whitespace the way a browser shows it."""
    return _WS.sub(" ", _CJK_NEWLINE.sub("", text)).strip()


_INLINE_TAG = re.compile(
    r"""</?(?:span|font|o:p|b|i|u|em|strong|a|sup|sub|small|big|label|abbr)\b"""
    r"""(?:[^>"']|"[^"]*"|'[^']*')*>""",
    re.I,
)
_STYLE_ATTR = re.compile(r"""\sstyle\s*=\s*(?:"[^"]*"|'[^']*')""", re.I)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)


@dataclass
class _Table:
    rows: list[list[str]] = field(default_factory=list)
    cell: list[str] | None = None  # pieces of the open cell
    layout: bool = False

    def open_row(self) -> None:
        self.close_cell()
        self.rows.append([])

    def open_cell(self) -> None:
        self.close_cell()
        if not self.rows:
            self.rows.append([])
        self.cell = []

    def close_cell(self) -> None:
        if self.cell is None:
            return
        raw = "".join(self.cell)
        self.rows[-1].append(raw)
        if raw.count(_BREAK) >= 2 and len(raw) > _LAYOUT_CELL_CHARS:
            self.layout = True
        self.cell = None

    def render(self) -> list[str]:
        self.close_cell()
        if self.layout:
            lines = (
                _clean(line) for row in self.rows for cell in row for line in cell.split(_BREAK)
            )
            return [line for line in lines if line]
        lines = []
        for row in self.rows:
            cells = [_clean(_AROUND_BREAK.sub("", cell)) for cell in row]
            if any(cells):
                lines.append("| " + " | ".join(cells) + " |")
        return lines


class _Extractor(HTMLParser):
    def __init__(self, drop_chrome: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.drop_chrome = drop_chrome
        self.lines: list[str] = []
        self.inline: list[str] = []  # text of the current line outside tables
        self.tables: list[_Table] = []
        self.skip_tag: str | None = None  # tag whose content is being skipped
        self.skip_depth = 0
        self.in_head = False
        self.in_title = False
        self.in_article = 0  # open <article>/<main> elements

    # -- output -------------------------------------------------------------------------
    def _emit(self, text: str) -> None:
        table = self.tables[-1] if self.tables else None
        if table is None:
            self.inline.append(text)
        elif table.cell is not None:
            table.cell.append(text)
        # text between cells (outside any <td>) is dropped, as browsers move it away

    def _break(self) -> None:
        table = self.tables[-1] if self.tables else None
        if table is None:
            self._flush()
        elif table.cell is not None:
            table.cell.append(_BREAK)

    def _flush(self) -> None:
        if self.inline:
            line = _clean("".join(self.inline))
            if line:
                self.lines.append(line)
            self.inline = []

    # -- parser callbacks ---------------------------------------------------------------
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.skip_tag is not None:
            if tag == self.skip_tag:
                self.skip_depth += 1
            return
        if tag == "head":
            self.in_head = True
            return
        if tag == "body":
            self.in_head = False
        elif tag in ("article", "main"):
            self.in_article += 1
        elif tag == "title":
            self.in_title = True
            self._break()
            return
        if tag in _SKIP or (self.drop_chrome and self._is_chrome(tag, attrs)):
            self.skip_tag, self.skip_depth = tag, 1
            return
        if tag == "table":
            self._break()
            self.tables.append(_Table())
        elif tag == "tr" and self.tables:
            self.tables[-1].open_row()
        elif tag in ("td", "th") and self.tables:
            self.tables[-1].open_cell()
        elif tag in _BLOCK:
            self._break()

    def _is_chrome(self, tag: str, attrs: list[tuple[str, str | None]]) -> bool:
        if tag == "nav":
            return True
        if tag in ("header", "footer"):
            return not self.in_article  # an article's own header holds its title
        if tag in _CHROME_TAGS:
            for name, value in attrs:
                if name in ("class", "id") and value and _CHROME.search(value):
                    return True
        return False

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.skip_tag is None and tag in _BLOCK:
            self._break()

    def handle_endtag(self, tag: str) -> None:
        if self.skip_tag is not None:
            if tag == self.skip_tag:
                self.skip_depth -= 1
                if self.skip_depth == 0:
                    self.skip_tag = None
            elif tag == "body":
                self.skip_tag = None  # an unclosed chrome element must not eat the page
            return
        if tag == "head":
            self.in_head = False
        elif tag in ("article", "main"):
            self.in_article = max(0, self.in_article - 1)
        elif tag == "title":
            self.in_title = False
            self._break()
        elif tag == "table" and self.tables:
            self._close_table()
        elif tag in ("td", "th") and self.tables or tag == "tr" and self.tables:
            self.tables[-1].close_cell()
        elif tag in _BLOCK:
            self._break()

    def handle_data(self, data: str) -> None:
        if self.skip_tag is not None or (self.in_head and not self.in_title):
            return
        self._emit(data)

    def _close_table(self) -> None:
        table = self.tables.pop()
        lines = table.render()
        if self.tables:
            parent = self.tables[-1]
            parent.layout = True  # a table inside a table: the outer one is page layout
            if parent.cell is None:
                parent.open_cell()
            assert parent.cell is not None
            parent.cell.append(_BREAK + _BREAK.join(lines) + _BREAK)
        else:
            self._flush()
            self.lines.extend(lines)

    def finish(self) -> str:
        self.close()
        while self.tables:  # unclosed tables
            self._close_table()
        self._flush()
        return "\n".join(self.lines)


def html_to_text(markup: str) -> str:
    """Render decoded HTML as text lines (see the module docstring)."""
    text = _render(markup, drop_chrome=True)
    if len(_WS.sub("", text)) < _MIN_BODY_CHARS:
        # Dropping chrome left almost nothing: the page may keep its body inside an element
        # named like chrome, or an unclosed one. Read everything instead.
        full = _render(markup, drop_chrome=False)
        if len(full) > len(text):
            return full
    return text


def _render(markup: str, drop_chrome: bool) -> str:
    extractor = _Extractor(drop_chrome)
    # Inline tags and styles are most of a Word-made page and change nothing in the output
    # (inline elements add no separator); html.parser is much quicker without them.
    extractor.feed(_INLINE_TAG.sub("", _STYLE_ATTR.sub("", markup)))
    return extractor.finish()


def declared_charset(data: bytes) -> str | None:
    """The charset named in a ``<meta>`` tag near the top of the page, if any."""
    match = _META_CHARSET.search(data, 0, 4096)
    return match.group(1).decode("ascii") if match else None


def read_html_bytes(data: bytes) -> tuple[str, list[str]]:
    """Decode and render an HTML page; return the text and notes (encoding, chrome)."""
    markup, note = decode_bytes(data, declared_charset(data))
    return html_to_text(markup), [note] if note else []
