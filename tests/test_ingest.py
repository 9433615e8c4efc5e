"""Ingest: encodings, refused files, HTML tables, real Pingtan pages and real PDFs."""

from __future__ import annotations

import os
import random
import re
import stat
from pathlib import Path

import pytest

from auditor.errors import IngestError
from auditor.ingest import Document, read_document
from auditor.ingest.html import html_to_text, read_html_bytes
from auditor.ingest.pdf import join_page_break, render_rows

FIXTURES = Path(__file__).parent / "fixtures" / "ingest"
REPO = Path(__file__).resolve().parents[1]


# Copies of ../shared/corpus/peers, so that the tests run on a clean clone.
PEERS: Path | None = REPO / "tests" / "fixtures" / "corpus"
if not PEERS.is_dir():
    PEERS = None
needs_corpus = pytest.mark.skipif(PEERS is None, reason="shared/corpus/peers not available")


def row_values(text: str, label: str) -> list[str]:
    """The cells after ``label`` on its table line, the way the parser reads them."""
    for line in text.splitlines():
        if not line.startswith("|"):
            continue
        kept = [(i, ch) for i, ch in enumerate(line) if not (ch.isspace() or ch == "|")]
        flat = "".join(ch for _, ch in kept)
        found = flat.find(label)
        if found >= 0:
            end = kept[found + len(label) - 1][0] + 1
            return [v for v in re.split(r"[\s|]+", line[end:]) if v]
    raise AssertionError(f"row {label} not found")


# -- plain text: encodings ----------------------------------------------------------------

EXPECTED = "平潭综合实验区2021年度政府信息公开工作年度报告\n一、总体情况\n本年度共收到申请70件。\n"


@pytest.mark.parametrize(
    ("name", "note"),
    [
        ("utf8.txt", None),
        ("utf8_bom.txt", "文件编码为 UTF-8（带BOM）"),
        ("utf16.txt", "文件编码为 UTF-16"),
        ("gbk.txt", "文件编码为 GB18030"),
    ],
)
def test_text_encodings(name: str, note: str | None) -> None:
    doc = read_document(FIXTURES / name)
    assert doc == Document(text=EXPECTED, kind="text", notes=[note] if note else [])


def test_a_few_damaged_bytes_are_replaced_and_noted(tmp_path: Path) -> None:
    path = tmp_path / "r.txt"
    path.write_bytes(EXPECTED.encode("utf-8") * 20 + b"\xff" + EXPECTED.encode("utf-8"))
    doc = read_document(path)
    assert doc.text.count("\ufffd") == 1
    assert doc.notes == ["文件编码为 UTF-8，其中1处无法解码的字节已替换为“\ufffd”"]


def test_markdown_is_text(tmp_path: Path) -> None:
    path = tmp_path / "r.MD"
    path.write_text("| 规章 | 0 | 0 | 0 |\n", encoding="utf-8")
    assert read_document(path).kind == "text"


# -- refused files ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("empty.txt", "文件为空"),
        ("blank.md", "只有空白"),
        ("binary.txt", "二进制"),
        ("controls.txt", "二进制"),
        ("undecodable.txt", "无法识别文件的文字编码"),
        ("empty.html", "没有可读的正文"),
        ("scanned.pdf", "扫描版PDF，没有可提取的文字层（本工具不做OCR）"),
        ("encrypted.pdf", "PDF已加密"),
        ("corrupt.pdf", "PDF文件已损坏"),
    ],
)
def test_refused_files(name: str, reason: str) -> None:
    with pytest.raises(IngestError) as caught:
        read_document(FIXTURES / name)
    message = str(caught.value)
    assert reason in message
    assert "\n" not in message


def test_unsupported_extension(tmp_path: Path) -> None:
    path = tmp_path / "report.docx"
    path.write_bytes(b"PK\x03\x04")
    with pytest.raises(IngestError, match=r"不支持的文件类型 \.docx"):
        read_document(path)


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="文件不存在"):
        read_document(tmp_path / "nope.txt")
    with pytest.raises(IngestError, match="文件不存在"):
        read_document(tmp_path / "nope.pdf")
    folder = tmp_path / "dir.html"
    folder.mkdir()
    with pytest.raises(IngestError, match="文件夹"):
        read_document(folder)


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read any file")
def test_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "locked.txt"
    path.write_text("报告", encoding="utf-8")
    path.chmod(0)
    try:
        with pytest.raises(IngestError, match="权限"):
            read_document(path)
    finally:
        path.chmod(stat.S_IRUSR | stat.S_IWUSR)


def test_pdf_garbage_never_raises_other_errors(tmp_path: Path) -> None:
    for i, data in enumerate(
        [b"%PDF-1.7\n", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>", b"\x00" * 50]
    ):
        path = tmp_path / f"bad{i}.pdf"
        path.write_bytes(data)
        with pytest.raises(IngestError):
            read_document(path)


# -- HTML ---------------------------------------------------------------------------------


def test_html_table_structure() -> None:
    doc = read_document(FIXTURES / "table_gbk.html")
    assert doc.kind == "html"
    assert doc.notes == ["文件编码为 GB18030"]
    lines = doc.text.splitlines()
    # chrome (script, style, nav, header/footer divs) is gone
    for chrome in ("首页", "网站导航", "var menu", "版权所有", "margin"):
        assert chrome not in doc.text
    assert "本年度收到申请12件。" in lines  # Word-style split spans joined
    assert "| 自然人 | 法人或其他组织 | 总计 |" in lines  # <p>自</p><p>然</p><p>人</p>
    assert "|  |  |  | 商业企业 | 科研机构 | 社会公益组织 | 法律服务机构 | 其他 |" in lines
    assert "| 一、本年新收政府信息公开申请数量 | 10 | 2 | 0 | 0 | 0 | 0 | 12 |" in lines
    # row-spanning labels come once, at their origin; an empty <td> stays an empty cell
    assert "| 三、本年度办理结果 | （一）予以公开 | 4 | 1 |  | 0 | 0 | 0 | 5 |" in lines
    assert "| （三）不予公开 | 1.属于国家秘密 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |" in lines
    assert "| 2.其他法律行政法规禁止公开 | 3 | 0 | 0 | 0 | 0 | 0 | 3 |" in lines
    assert lines.index("一、总体情况") < lines.index("二、主动公开政府信息情况")


def test_html_layout_table_is_not_a_data_table() -> None:
    body = "".join(f"<p>第{i}段正文，内容较长。" + "这是说明文字。" * 10 + "</p>" for i in range(4))
    inner = "<table><tr><td>规章</td><td>1</td><td>0</td></tr></table>"
    markup = f"<table><tr><td>{body}{inner}</td><td>侧栏</td></tr></table>"
    lines = html_to_text(markup).splitlines()
    assert lines[0].startswith("第0段正文")
    assert "| 规章 | 1 | 0 |" in lines
    assert "侧栏" in lines


def test_html_whitespace_and_entities() -> None:
    markup = "<p>行政&nbsp;许可</p><table><tr><td>\n  <p>1.属于</p>\n<p>国家秘密</p></td><td> 1 </td></tr></table>"
    assert html_to_text(markup).splitlines() == ["行政 许可", "| 1.属于国家秘密 | 1 |"]


def test_html_unclosed_chrome_does_not_eat_the_page() -> None:
    markup = "<body><div class='menu'>首页<p>一、总体情况</p><p>正文" + "很长" * 200 + "</p></body>"
    assert "一、总体情况" in html_to_text(markup)


def _pingtan(number: str) -> Document:
    assert PEERS is not None
    folder = next((PEERS / "changwu__pingtan-gov-zwgk-archive").glob(f"{number}_*"))
    return read_document(folder / "page.html")


@needs_corpus
def test_pingtan_2021_html() -> None:
    doc = _pingtan("80613")
    text = doc.text
    assert doc.kind == "html" and doc.notes == []
    assert "当前位置" not in text  # breadcrumb dropped
    assert row_values(text, "行政规范性文件") == ["69", "3", "665"]
    assert row_values(text, "行政事业性收费") == ["24252.311082"]
    assert row_values(text, "一、本年新收政府信息公开申请数量") == [
        "64",
        "0",
        "0",
        "2",
        "0",
        "4",
        "70",
    ]
    assert row_values(text, "1.本机关不掌握相关政府信息") == ["22", "0", "0", "0", "0", "3", "25"]
    assert row_values(text, "（七）总计") == ["63", "0", "0", "2", "0", "4", "69"]
    review = "| 1 | 0 | 2 | 0 | 3 | 12 | 0 | 0 | 0 | 12 | 0 | 0 | 0 | 0 | 0 |"
    assert review in text.splitlines()


@needs_corpus
def test_pingtan_2024_html() -> None:
    text = _pingtan("97791").text
    assert row_values(text, "一、本年新收政府信息公开申请数量") == [
        "217",
        "1",
        "0",
        "0",
        "0",
        "0",
        "218",
    ]
    assert row_values(text, "5.属于三类内部事务信息") == ["32", "0", "0", "0", "0", "0", "32"]
    assert row_values(text, "3.其他") == ["1", "1", "0", "0", "0", "0", "2"]
    review = "| 2 | 1 | 3 | 1 | 7 | 0 | 0 | 0 | 0 | 0 | 13 | 2 | 4 | 0 | 19 |"
    assert review in text.splitlines()


# -- HTML: encodings, broken markup (the lxml reading) --------------------------------------

_BODY = "<p>一、总体情况</p><p>本年度收到申请12件。" + "正文内容" * 60 + "</p>"
_TABLE = "<table><tr><td>行政许可</td><td>1<span>2</span></td></tr></table>"


def _page(meta: str = "") -> str:
    return (
        f"<html><head>{meta}<title>某局年度报告</title></head><body>{_BODY}{_TABLE}</body></html>"
    )


@pytest.mark.parametrize(
    ("data", "note"),
    [
        # a UTF-8 page declaring gb2312 (common): libxml2 must not follow the declaration
        (_page("<meta charset='gb2312'>").encode("utf-8"), None),
        # a GBK page declaring UTF-8, one declaring nothing, one declaring a Western code page
        (_page("<meta charset='utf-8'>").encode("gbk"), "文件编码为 GB18030"),
        (_page().encode("gbk"), "文件编码为 GB18030"),
        (_page("<meta charset='iso-8859-1'>").encode("gbk"), "文件编码为 GB18030"),
        (b"\xef\xbb\xbf" + _page().encode("utf-8"), "文件编码为 UTF-8（带BOM）"),
        (_page("<meta charset='utf-16'>").encode("utf-16"), "文件编码为 UTF-16"),
    ],
)
def test_html_encodings(data: bytes, note: str | None) -> None:
    text, notes = read_html_bytes(data)
    assert notes == ([note] if note else [])
    lines = text.splitlines()
    assert lines[:2] == ["某局年度报告", "一、总体情况"]
    assert "| 行政许可 | 12 |" in lines


def test_html_gb18030_four_byte_characters(tmp_path: Path) -> None:
    path = tmp_path / "r.htm"
    path.write_bytes(f"<p>㐀䶵𠀀{_BODY}".encode("gb18030"))
    assert read_document(path).text.startswith("㐀䶵𠀀\n一、总体情况")


def test_html_entities_as_browsers_read_them() -> None:
    # HTML5 rules (libxml2 >= 2.14, as html.parser): no semicolon needed for the old entities,
    # numeric references 128-159 mean the windows-1252 characters
    markup = "<p>a&nbsp b &amp c &#150; &#x4e2d;&#25991; &copy&notit; &zwnj;</p>"
    assert html_to_text(markup) == "a b & c – 中文 ©¬it; \u200c"


def test_html_line_rules_outside_blocks() -> None:
    # <header> (kept inside an <article>) and a stray <td> are no blocks; <br> and <hr> are
    markup = (
        "<p>甲</p><article><header>乙</header>丙<br>丁</article><p>戊</p>己<hr/>庚<td>辛</td>壬"
    )
    assert html_to_text(markup).splitlines() == ["甲", "乙丙", "丁", "戊", "己", "庚辛壬"]


def test_html_control_characters_and_line_ends() -> None:
    # a form feed is whitespace; a CR LF between Chinese characters is no space (as LF)
    markup = "<p>一\x0c二</p><p>第一行\r\n第二行</p><p>a\r\nb</p>"
    assert html_to_text(markup).splitlines() == ["一 二", "第一行第二行", "a b"]


def test_html_raw_text_elements_read_as_markup() -> None:
    markup = f"<frameset><frame src=a></frameset><noframes><body>{_BODY}</body></noframes>"
    assert html_to_text(markup).splitlines()[0] == "一、总体情况"
    assert html_to_text("<title><b>标题</b></title>") == "标题"


@pytest.mark.parametrize(
    "opening",
    ["<p><font>" * 3000, "<div>" * 5000, "<span>" * 2500 + "<div>" * 2500],
    ids=["unclosed-font", "unclosed-div", "both"],
)
def test_html_deep_nesting_is_read_to_the_end(opening: str) -> None:
    text, notes = read_html_bytes(f"{opening}{_BODY}{_TABLE}<p>尾部文字</p>".encode())
    assert notes == []
    assert "一、总体情况" in text and "| 行政许可 | 12 |" in text
    assert text.endswith("尾部文字")


def test_html_too_deep_even_when_flattened_is_said() -> None:
    text, notes = read_html_bytes(("<table><tr><td>" * 3000 + _BODY).encode())
    assert notes == ["网页标签嵌套过深（超过2048层），其后的内容未能读取"]


@pytest.mark.parametrize("markup", [b"<!-- only a comment -->", b"<html></html>", b"<?xml?>"])
def test_html_without_text(tmp_path: Path, markup: bytes) -> None:
    path = tmp_path / "r.html"
    path.write_bytes(markup)
    with pytest.raises(IngestError, match="网页中没有可读的正文文字"):
        read_document(path)


def _real_page() -> bytes:
    if PEERS is not None:
        folder = next((PEERS / "changwu__pingtan-gov-zwgk-archive").glob("97791_*"))
        return (folder / "page.html").read_bytes()
    return (FIXTURES / "table_gbk.html").read_bytes()


def test_html_damaged_pages_raise_only_ingest_errors() -> None:
    original = _real_page()
    rng = random.Random(20240601)
    read = 0
    for i in range(200):
        data = bytearray(original)
        if i % 4 != 1:  # byte flips: random bytes, or markup characters
            alphabet = b"<>/\"'=&;!- \n" if i % 4 == 3 else bytes(range(256))
            for _ in range(rng.randint(1, 60)):
                data[rng.randrange(len(data))] = rng.choice(alphabet)
        if i % 4 in (1, 2):
            del data[rng.randrange(len(data)) :]
        try:
            text, notes = read_html_bytes(bytes(data))
        except IngestError as exc:
            assert str(exc) and "\n" not in str(exc)
        else:
            assert isinstance(text, str) and all(isinstance(n, str) for n in notes)
            read += 1
    assert read > 100  # most damaged pages are still read


# -- PDF ----------------------------------------------------------------------------------


def test_render_rows_joins_lines_inside_cells() -> None:
    rows = [
        ["三\n、\n本\n年", "（一）予以公开", "1\n2", "0"],
        [None, "商业\n企业", None, ""],
        ["only one cell", None, None, None],
    ]
    assert render_rows(rows) == [
        "| 三、本年 | （一）予以公开 | 1 2 | 0 |",
        "| 商业企业 |  |",
        "only one cell",
    ]


def test_join_page_break_rejoins_cut_label() -> None:
    from auditor.ingest.pdf import _Cell

    last = [
        _Cell(70, 95, ""),
        _Cell(95, 137, "（四）无"),
        _Cell(137, 251, "1.本机关"),
        _Cell(251, 284, "7"),
    ]
    first = [
        _Cell(70, 95, ""),
        _Cell(95, 137, "法提供"),
        _Cell(137, 251, "2.没有"),
        _Cell(251, 284, "1"),
    ]
    join_page_break(last, first)
    assert [c.text for c in last] == ["", "（四）无法提供", "1.本机关", "7"]
    assert [c.text for c in first] == ["", "", "2.没有", "1"]
    # an ordinary new row at the top of a page is left alone
    last = [_Cell(70, 200, "行政许可"), _Cell(200, 300, "550")]
    first = [_Cell(70, 200, "行政处罚"), _Cell(200, 300, "4119")]
    join_page_break(last, first)
    assert [c.text for c in last] == ["行政许可", "550"]


PDFS = {
    "hzq2023": "zxj6827111-blip__KIROGOVCOMPARE/hzq2023_working.pdf",
    "hzq2024": "zxj6827111-blip__KIROGOVCOMPARE/hzq2024_working.pdf",
    "szfgs2024": "zxj6827111-blip__govnianbao/szfgs2024.pdf",
}


@pytest.fixture(scope="module")
def pdf_text() -> dict[str, str]:
    if PEERS is None:
        pytest.skip("shared/corpus/peers not available")
    return {name: read_document(PEERS / rel).text for name, rel in PDFS.items()}


def test_pdf_hzq2023(pdf_text: dict[str, str]) -> None:
    text = pdf_text["hzq2023"]
    lines = text.splitlines()
    assert not any(re.fullmatch(r"-\s*\d+\s*-", line) for line in lines)  # page footers dropped
    assert row_values(text, "行政规范性文件") == ["0", "5", "5"]
    assert row_values(text, "行政处罚") == ["4119"]  # first row of a table continued on page 3
    assert row_values(text, "行政事业性收费") == ["7730.28"]
    # one-character vertical label, read as one cell
    assert "| 三、本年度办理结果 | （一）予以公开 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |" in lines
    assert "| 自然人 | 法人或其他组织 | 总计 |" in lines
    assert "| 商业企业 | 科研机构 | 社会公益组织 | 法律服务机构 | 其他 |" in lines
    assert row_values(text, "1.本机关不掌握相关政府信息") == ["10", "0", "0", "0", "0", "0", "10"]
    # last row on page 3, cut by the page end (no closing rule)
    assert row_values(text, "2.没有现成信息需要另行制作") == ["3", "0", "0", "0", "0", "0", "3"]
    # first row on page 4, after the page footer "- 3 -"
    assert row_values(text, "3.补正后申请内容仍不明确") == ["0", "0", "0", "0", "0", "0", "0"]
    assert row_values(text, "5.要求行政机关确认或重新出具已获取信息") == ["0"] * 7
    assert row_values(text, "（七）总计") == ["21", "0", "0", "0", "0", "0", "21"]
    assert "| 10 | 1 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 5 | 0 | 0 | 0 | 0 |" in lines


def test_pdf_hzq2024(pdf_text: dict[str, str]) -> None:
    text = pdf_text["hzq2024"]
    assert row_values(text, "行政许可") == ["9487"]
    assert row_values(text, "一、本年新收政府信息公开申请数量") == [
        "95",
        "0",
        "0",
        "0",
        "0",
        "0",
        "95",
    ]
    assert row_values(text, "3.危及“三安全一稳定”") == ["1", "0", "0", "0", "0", "0", "1"]
    assert row_values(text, "1.本机关不掌握相关政府信息") == ["31", "0", "0", "0", "0", "0", "31"]
    assert row_values(text, "（七）总计") == ["95", "0", "0", "0", "0", "0", "95"]
    assert "| 1 | 1 | 0 | 0 | 2 | 1 | 0 | 0 | 0 | 1 | 2 | 0 | 1 | 0 | 3 |" in text.splitlines()


def test_pdf_szfgs2024(pdf_text: dict[str, str]) -> None:
    text = pdf_text["szfgs2024"]
    lines = text.splitlines()
    assert row_values(text, "行政处罚") == ["3985758"]
    assert row_values(text, "行政事业性收费") == ["96171.6"]
    assert row_values(text, "一、本年新收政府信息公开申请数量") == [
        "3001",
        "53",
        "0",
        "0",
        "61",
        "4",
        "3119",
    ]
    assert row_values(text, "（二）部分公开（区分处理的，只计这一情形，不计其他情形）") == (
        ["447", "7", "0", "0", "0", "0", "454"]
    )
    # "（四）无" on page 4 and "法提供" on page 5 are one label again
    assert (
        "| （四）无法提供 | 1.本机关不掌握相关政府信息 | 746 | 12 | 0 | 0 | 10 | 1 | 769 |" in lines
    )
    assert row_values(text, "2.没有现成信息需要另行制作") == ["11", "0", "0", "0", "0", "0", "11"]
    assert row_values(text, "3、其他") == ["108", "2", "0", "0", "0", "0", "110"]
    assert row_values(text, "四、结转下年度继续办理") == ["103", "0", "0", "0", "0", "0", "103"]
    review = "| 72 | 64 | 178 | 37 | 351 | 13 | 4 | 8 | 1 | 26 | 12 | 1 | 1 | 6 | 20 |"
    assert review in lines
    assert "全年收取政府信息公开信息处理费 3940 元。" in text
