"""HTML report pages → text, reading the tables from their own ``<table>`` structure.

Parsed with lxml (libxml2: tolerant of the broken markup of saved government pages, and 2-3x
quicker than the standard library's ``html.parser`` that this module used before; the output is
the same), then walked once in document order.

Output: one line per block element; each data table as one line per ``<tr>``,
``| cell | cell |``. Inside a cell, block and inline elements are joined without a separator,
so a vertical label ``<p>自</p><p>然</p><p>人</p>`` reads ``自然人`` and Word's
``20</span><span>23`` reads ``2023``. A cell spanning rows or columns is written once, where it
starts. Tables used for page layout (a cell holding another table or a long multi-paragraph
text) are written as ordinary blocks instead. Scripts, styles, the ``<head>`` (except its
``<title>``) and navigation chrome (``<nav>``, ``<header>``, ``<footer>``, and elements whose
class or id names a header, footer, menu, breadcrumb or search box) are dropped.

Encoding is decided by ``decode_bytes`` (BOM, UTF-8, meta charset, GB18030), never by libxml2:
the parser always gets UTF-8 bytes with the encoding stated, so a wrong ``<meta charset>`` (a
UTF-8 page declaring gb2312 is common) cannot garble the text.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field

from lxml import etree

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
    if text.isprintable() and " " not in text:
        return text  # no whitespace at all (nor a break mark): the common table cell
    return _WS.sub(" ", _CJK_NEWLINE.sub("", text)).strip()


def _cell_text(cell: str) -> str:
    """A data-table cell: its blocks joined without a separator, whitespace collapsed."""
    if cell.isprintable() and " " not in cell:
        return cell
    return _clean(_AROUND_BREAK.sub("", cell))


# Inline tags, removed before a second parse of a page that nests beyond libxml2's limit.
_INLINE_TAG = re.compile(
    rb"""</?(?:span|font|o:p|b|i|u|em|strong|a|sup|sub|small|big|label|abbr)\b"""
    rb"""(?:[^>"']|"[^"]*"|'[^']*')*>""",
    re.I,
)
# Container blocks, turned into <br> by a third parse when a page still nests too deeply.
_NESTING_TAG = re.compile(
    rb"""</?(?:div|section|article|aside|main|center|blockquote|ul|ol|li|dl|dd|dt|form)\b"""
    rb"""(?:[^>"']|"[^"]*"|'[^']*')*>""",
    re.I,
)
# Elements libxml2 reads as raw text (as browsers do) but html.parser read as markup: their
# text is parsed again, so that their content reads as it did.
_RAW_TEXT = frozenset(["noframes", "noembed", "xmp", "plaintext"])
_MAX_REPARSE = 3  # raw-text elements inside raw-text elements: give up after this depth
_TAG = re.compile(r"<[^>]*>")
# Control characters Python counts as whitespace become spaces (as html.parser left them to
# the whitespace collapsing); libxml2 would turn them into U+FFFD.
_SPACE_CONTROLS = bytes.maketrans(b"\x0b\x0c\x1c\x1d\x1e\x1f", b"      ")
_LOCAL = threading.local()  # one parser per thread: a parser keeps its last error log


def _parser() -> etree.HTMLParser:
    parser = getattr(_LOCAL, "parser", None)
    if parser is None:
        parser = _LOCAL.parser = etree.HTMLParser(
            encoding="utf-8",  # stated, so that libxml2 ignores the page's own <meta charset>
            remove_comments=True,
            remove_pis=True,
            huge_tree=True,  # nesting limit 2048 instead of 256
            collect_ids=False,
            no_network=True,
            default_doctype=False,
        )
    return parser


_TOO_DEEP_NOTE = "网页标签嵌套过深（超过2048层），其后的内容未能读取"
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
            cells = [_cell_text(cell) for cell in row]
            if any(cells):
                lines.append("| " + " | ".join(cells) + " |")
        return lines


class _Writer:
    """Collects output lines while the tree is walked in document order.

    ``sink`` is the list that text goes to: the current line outside tables, the open cell of
    the innermost table, or None between a table's cells (such text is dropped, as browsers
    move it away).
    """

    __slots__ = ("lines", "inline", "tables", "sink")

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.inline: list[str] = []  # text of the current line outside tables
        self.tables: list[_Table] = []
        self.sink: list[str] | None = self.inline

    def _resink(self) -> None:
        self.sink = self.tables[-1].cell if self.tables else self.inline

    def brk(self) -> None:
        sink = self.sink
        if sink is self.inline:
            self.flush()
        elif sink is not None:
            sink.append(_BREAK)

    def flush(self) -> None:
        if self.inline:
            line = _clean("".join(self.inline))
            if line:
                self.lines.append(line)
            self.inline.clear()

    def open_table(self) -> None:
        self.brk()
        self.tables.append(_Table())
        self.sink = None

    def open_row(self) -> None:
        if self.tables:
            self.tables[-1].open_row()
            self.sink = None

    def open_cell(self) -> None:
        if self.tables:
            self.tables[-1].open_cell()
            self.sink = self.tables[-1].cell

    def close_cell(self) -> None:
        if self.tables:
            self.tables[-1].close_cell()
            self.sink = None

    def close_table(self) -> None:
        if not self.tables:
            return
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
            self.flush()
            self.lines.extend(lines)
        self._resink()

    def finish(self) -> str:
        while self.tables:  # unclosed tables (a tree has none, kept for safety)
            self.close_table()
        self.flush()
        return "\n".join(self.lines)


# Elements that need more than "emit text, then children, then tail".
_SPECIAL = _BLOCK | _SKIP | {"head", "body", "article", "main", "nav", "header", "footer"}
_SPECIAL |= {"table", "tr", "td", "th"} | _RAW_TEXT
_VOID_BLOCK = frozenset(["br", "hr"])  # one break, not one per start and end


def _is_chrome(el: etree._Element, tag: str, in_article: int) -> bool:
    if tag == "nav":
        return True
    if tag in ("header", "footer"):
        return not in_article  # an article's own header holds its title
    if tag in _CHROME_TAGS:
        for name in ("class", "id"):
            value = el.get(name)
            if value and _CHROME.search(value):
                return True
    return False


def _render(root: etree._Element, drop_chrome: bool) -> str:
    out = _Writer()
    _walk(root, out, drop_chrome)
    return out.finish()


def _walk(root: etree._Element, out: _Writer, drop_chrome: bool, depth: int = 0) -> None:
    """Walk the tree in document order (iteratively: broken pages nest deeply).

    The rules are those of a tag-by-tag reading: a block element breaks the line where it
    starts and where it ends; the text of <head> other than <title> is dropped.
    """
    inline = out.inline
    in_head = mute = False  # mute: in <head>, outside <title>
    in_article = 0  # open <article>/<main> elements
    skipped = None  # the dropped element whose end event comes next
    walker = etree.iterwalk(root, events=("start", "end"))
    for event, el in walker:
        tag = el.tag
        if event == "start":
            text = el.text
            if tag in _SPECIAL:
                if tag == "head":
                    in_head = mute = True
                    continue
                if tag == "body":
                    in_head = mute = False
                elif tag == "article" or tag == "main":
                    in_article += 1
                if tag in _SKIP or (drop_chrome and _is_chrome(el, tag, in_article)):
                    walker.skip_subtree()
                    skipped = el
                    continue
                if tag == "table":
                    out.open_table()
                elif tag == "tr":
                    out.open_row()
                elif tag == "td" or tag == "th":
                    out.open_cell()
                elif tag in _RAW_TEXT:
                    if text and "<" in text and depth < _MAX_REPARSE:
                        inner = _parse(text.encode("utf-8", "replace"))[0]
                        if inner is not None:
                            _walk(inner, out, drop_chrome, depth + 1)
                            continue
                elif tag in _BLOCK:  # <title> included
                    if tag == "title":
                        mute = False
                        if text and "<" in text:
                            text = _TAG.sub("", text)
                    sink = out.sink
                    if sink is inline:
                        out.flush()
                    elif sink is not None:
                        sink.append(_BREAK)
            elif not isinstance(tag, str):
                continue  # a comment or processing instruction the parser kept
            if text and not mute:
                sink = out.sink
                if sink is not None:
                    sink.append(text)
            continue
        # end event
        if el is skipped:
            skipped = None
        elif tag in _SPECIAL:
            if tag == "head":
                in_head = mute = False
            elif tag == "article" or tag == "main":
                in_article = max(0, in_article - 1)
            elif tag == "table":
                out.close_table()
            elif tag == "td" or tag == "th" or tag == "tr":
                out.close_cell()
            elif tag in _BLOCK and tag not in _VOID_BLOCK:
                if tag == "title":
                    mute = in_head
                sink = out.sink
                if sink is inline:
                    out.flush()
                elif sink is not None:
                    sink.append(_BREAK)
        tail = el.tail
        if tail and not mute:
            sink = out.sink
            if sink is not None:
                sink.append(tail)


def html_to_text(markup: str | bytes) -> str:
    """Render HTML (decoded text, or UTF-8 bytes) as text lines (see the module docstring)."""
    text, _ = _to_text(markup.encode("utf-8", "replace") if isinstance(markup, str) else markup)
    return text


def _to_text(data: bytes) -> tuple[str, bool]:
    """Text of UTF-8 ``data`` and whether the page nests too deeply to be read to its end."""
    root, too_deep = _parse(data)
    # Unclosed inline tags (<font>, <span>) pile up; without them the page may fit. Failing
    # that, container blocks (<div>…) are read as line breaks.
    for pattern, replacement in ((_INLINE_TAG, b""), (_NESTING_TAG, b"<br>")):
        if not too_deep:
            break
        flatter = pattern.sub(replacement, data)
        if flatter != data:
            data = flatter
            root, too_deep = _parse(data)
    if root is None:
        return "", too_deep
    text = _render(root, drop_chrome=True)
    if len(_WS.sub("", text)) < _MIN_BODY_CHARS:
        # Dropping chrome left almost nothing: the page may keep its body inside an element
        # named like chrome, or an unclosed one. Read everything instead.
        full = _render(root, drop_chrome=False)
        if len(full) > len(text):
            return full, too_deep
    return text, too_deep


def _parse(data: bytes) -> tuple[etree._Element | None, bool]:
    """Parse UTF-8 ``data``; return the root (None for an empty page) and whether libxml2
    stopped at its nesting limit."""
    parser = _parser()
    try:
        root = etree.fromstring(data.translate(_SPACE_CONTROLS), parser)
    except etree.LxmlError:  # nothing libxml2 can read as a document
        return None, False
    too_deep = any(
        error.level == etree.ErrorLevels.FATAL and "depth" in error.message
        for error in parser.error_log
    )
    return root, too_deep


def declared_charset(data: bytes) -> str | None:
    """The charset named in a ``<meta>`` tag near the top of the page, if any."""
    match = _META_CHARSET.search(data, 0, 4096)
    return match.group(1).decode("ascii") if match else None


def read_html_bytes(data: bytes) -> tuple[str, list[str]]:
    """Decode and render an HTML page; return the text and notes (encoding, nesting)."""
    markup, note = decode_bytes(data, declared_charset(data))
    # No note means strict UTF-8 without a BOM: the bytes themselves can go to libxml2.
    utf8 = data if note is None else markup.encode("utf-8", "replace")
    text, too_deep = _to_text(utf8)
    notes = [note] if note else []
    if too_deep:
        notes.append(_TOO_DEEP_NOTE)
    return text, notes
