import json
import re
from decimal import Decimal
from pathlib import Path

import pytest

from auditor.batch.outputs import (
    INDEX_DATA,
    INDEX_FIELDS,
    IndexView,
    TopFinding,
    index_rows,
    js_value,
    write_index_html,
)
from auditor.batch.records import ROW_FIELDS
from auditor.errors import TemplateError
from auditor.formats import load_formats
from auditor.model import Finding, Report, SectionInfo
from auditor.render.env import MEMO_HTML, MEMO_MD, Templates, escape_md
from auditor.render.labels import LabelBook
from auditor.render.view import location_parts, memo_view, report_view, text_value

LABELS = LabelBook(load_formats())


def _report(**kw) -> Report:
    base = dict(source="in/a.txt", agency="某局", year=2023, format="2021", published="2024-01-31")
    base.update(kw)
    return Report(**base)


def test_location_uses_the_report_heading_and_labels():
    report = _report(
        sections={
            "applications": SectionInfo(
                "applications", "三、收到和处理政府信息公开申请的情况", 40, 0
            )
        }
    )
    finding = Finding("applications.balance", "identity", "error", "m", table="applications",
                      row="carried_forward", column="total", line=57)  # fmt: skip
    parts = location_parts(finding, report, LABELS)
    assert parts == [
        "章节「三、收到和处理政府信息公开申请的情况」",
        "表「收到和处理政府信息公开申请情况」",
        "行「四、结转下年度继续办理」",
        "列「总计」",
        "第 57 行",
    ]


def test_values_are_prepared_as_text():
    assert text_value(Decimal("0.5000")) == "0.5000"
    assert text_value([1, 2]) == "1、2"
    assert text_value(True) == "是"
    assert text_value(None) is None


def test_verdicts_and_counts():
    errors = [Finding("a", "identity", "error", "m"), Finding("b", "pattern", "warning", "m")]
    view = report_view(_report(), errors, [], LABELS, 0, None)
    assert view.verdict_class == "error" and view.counts == {"error": 1, "warning": 1, "info": 0}
    assert [g.severity for g in view.groups] == ["error", "warning"]
    failed = report_view(
        _report(status="failed", error="文件是空的", agency=None, year=None),
        [],
        [],
        LABELS,
        1,
        None,
    )
    assert failed.verdict == "无法审核：文件是空的" and failed.previous_note == ""
    memo = memo_view("某局", "某局", [view, failed], "rules/")
    assert memo.verdict == "共审核 2 份报告：1 份存在错误，1 份无法审核。"
    assert memo.columns and memo.comparison[0].label == "审核结论"


def test_markdown_escapes_report_text():
    assert escape_md("a|b <x> *y*\n# z") == "a\\|b \\<x\\> \\*y\\* \\# z"


def test_memo_renders_with_shipped_templates_and_escapes():
    finding = Finding("pattern.spam", "pattern", "error", "发现<script>x</script>", title="注入内容",
                      advice="删除", expected="无", actual="365bet")  # fmt: skip
    view = report_view(_report(agency="<b>局</b>"), [finding], [], LABELS, 0, None)
    memo = memo_view("<b>局</b>", "x", [view], "rules/")
    html = Templates().render(MEMO_HTML, memo=memo)
    assert "&lt;script&gt;" in html and "<script>x" not in html and "&lt;b&gt;局" in html
    assert "@page" in html and "<link" not in html and "src=" not in html
    md = Templates().render(MEMO_MD, memo=memo)
    assert "\\<script\\>" in md and "注入内容" in md and "删除" in md


def test_user_templates_override_file_by_file(tmp_path: Path):
    (tmp_path / "memo.md.j2").write_text("致 {{ memo.agency }}\n", encoding="utf-8")
    templates = Templates(tmp_path)
    view = report_view(_report(), [], [], LABELS, 0, None)
    assert templates.render(MEMO_MD, memo=memo_view("某局", "x", [view], "r/")) == "致 某局\n"
    assert "<!DOCTYPE html>" in templates.render(
        MEMO_HTML, memo=memo_view("某局", "x", [view], "r/")
    )


def test_syntax_error_names_file_and_line(tmp_path: Path):
    (tmp_path / "index.html.j2").write_text("<p>\n\n{% if x %}\n", encoding="utf-8")
    with pytest.raises(TemplateError) as info:
        Templates(tmp_path)
    assert str(info.value).startswith(f"{tmp_path / 'index.html.j2'}:")
    assert "模板语法错误" in str(info.value)


def test_missing_template_dir():
    with pytest.raises(TemplateError):
        Templates(Path("/nonexistent/templates"))


def _index_view(rows) -> IndexView:
    top = [TopFinding("pattern.spam", "注入<b>内容</b>", 3)]
    return IndexView(2, 1, 1, 3, 0, 0, 0, 2, "rules/", "", ["w.yaml:3: 未匹配"], top, rows)


def _spool_row(**kw) -> list:
    base = dict(source="in/a.txt", agency="某局", year=2023, format="2021", published=None,
                status="audited", error=None, errors=0, warnings=0, infos=0, waived=0, memo="某局")  # fmt: skip
    base.update(kw)
    return [base[name] for name in ROW_FIELDS]


def test_index_rows_are_compact():
    rows = list(
        index_rows(
            (row, "{}")
            for row in (
                _spool_row(),
                _spool_row(errors=2, warnings=1, memo="某局-1a2b"),
                _spool_row(warnings=1, agency="a#b?", memo="a#b?"),
                _spool_row(
                    status="failed", error="文件是空的", agency=None, year=None, memo="unidentified"
                ),  # fmt: skip
                _spool_row(infos=1, memo=""),
            )
        )
    )
    assert rows == [
        ["in/a.txt", "某局", 2023, "ok", 0, 0, 0, 0],  # memo named after the agency: left out
        ["in/a.txt", "某局", 2023, "error", 2, 1, 0, 0, "某局-1a2b"],
        ["in/a.txt", "a#b?", 2023, "warning", 0, 1, 0, 0, "a%23b%3F"],
        ["in/a.txt", "", None, "failed", 0, 0, 0, 0, "unidentified", "文件是空的"],
        ["in/a.txt", "某局", 2023, "ok", 0, 0, 1, 0, ""],  # no memo
    ]
    assert INDEX_FIELDS[8:] == ("memo", "error")


def test_js_values_cannot_close_a_script():
    text = js_value(["</script><!--", "a\u2028b\u2029", '"\\'])
    assert "<" not in text and "\u2028" not in text and "\u2029" not in text
    assert json.loads(text) == ["</script><!--", "a\u2028b\u2029", '"\\']


def test_index_is_written_as_a_page_and_a_data_file(tmp_path: Path):
    produced = []

    def rows():  # a generator: rows are written as they come, never collected
        for i in range(450):
            produced.append(i)
            yield [f"in/{i:03d}.txt", f"局{i % 7}", 2023, "ok", 0, 0, 0, 0]

    view = _index_view(rows())
    write_index_html(tmp_path, Templates(), view)
    assert len(produced) == 450 and view.count == 450
    html = (tmp_path / "index.html").read_text(encoding="utf-8")
    data = (tmp_path / INDEX_DATA).read_text(encoding="utf-8")
    assert data.count("\n") == 450 + 3  # comment, header, one line per row, footer
    listed = json.loads(data.partition("window.AUDIT_INDEX = ")[2].removesuffix(";\n"))
    assert listed["fields"] == list(INDEX_FIELDS) and len(listed["rows"]) == 450
    assert listed["count"] == 450 and view.digest == listed["digest"] and len(view.digest) == 16
    assert f'data-count="450" data-digest="{view.digest}"' in html
    assert "in/001.txt" not in html  # no per-report rows in the page
    assert "注入&lt;b&gt;内容" in html and "w.yaml:3: 未匹配" in html
    # self-contained: inline CSS and JS, only the data file next to it is loaded
    assert re.findall(r'(?:src|href)="([^"#]+)"', html) == [INDEX_DATA]
    assert "<link" not in html and "fetch(" not in html
    # every column of the list is a field of the data file
    keys = re.findall(r'<th data-key="(\w+)"', html)
    assert keys and set(keys) <= set(INDEX_FIELDS)


def test_index_data_is_identical_for_identical_rows(tmp_path: Path):
    def rows(agency: str):
        return iter([["in/a.txt", agency, 2023, "ok", 0, 0, 0, 0]])

    for name, agency in (("a", "某局"), ("b", "某局"), ("c", "别局")):
        (tmp_path / name).mkdir()
        write_index_html(tmp_path / name, Templates(), _index_view(rows(agency)))
    files = {
        name: ((tmp_path / name / "index.html").read_bytes(),
               (tmp_path / name / INDEX_DATA).read_bytes())
        for name in "abc"
    }  # fmt: skip
    assert files["a"] == files["b"] and files["a"][0] != files["c"][0]  # digest differs


def test_an_old_index_template_listing_rows_is_told_why(tmp_path: Path):
    (tmp_path / "index.html.j2").write_text(
        "<table>\n{% for row in index.rows %}<tr><td>{{ row.source }}\n{% endfor %}\n",
        encoding="utf-8",
    )
    (tmp_path / "out").mkdir()
    with pytest.raises(TemplateError) as info:
        write_index_html(tmp_path / "out", Templates(tmp_path), _index_view(iter([])))
    assert "index.html.j2:2" in str(info.value) and INDEX_DATA in str(info.value)


def test_pattern_findings_show_no_numbers_but_identities_do():
    pattern = Finding("pattern.spam", "pattern", "error", "正文中出现“365bet”", title="违规内容",
                      expected=None, actual="365bet")  # fmt: skip
    identity = Finding("applications.balance", "identity", "error", "不平衡", title="勾稽",
                       expected=Decimal("12"), actual=10)  # fmt: skip
    view = report_view(_report(), [pattern, identity], [], LABELS, 0, None)
    shown = {f.rule: f for g in view.groups for f in g.findings}
    assert shown["pattern.spam"].expected is None and shown["pattern.spam"].values == ""
    assert shown["applications.balance"].values == "应为 12，实为 10"
    memo = memo_view("某局", "x", [view], "rules/")
    for name in (MEMO_MD, MEMO_HTML):
        text = Templates().render(name, memo=memo)
        assert "实为 365bet" not in text and "<strong>365bet" not in text
        assert text.count("数值") == 1  # only the identity finding has a 数值 line


def _unread(n: int) -> list[Finding]:
    return [Finding("parse.unreadable", "parse", "warning", f"c{i}") for i in range(n)]


def test_unread_cells_make_the_verdict_say_the_audit_is_incomplete():
    warning = Finding("b", "pattern", "warning", "m")
    view = report_view(_report(), [warning, *_unread(6)], [], LABELS, 0, None)
    assert view.verdict_class == "warning"
    assert view.verdict == (
        "基本符合要求：有 7 项警告，请核实；其中 6 项是本工具未能读出的数值，相关检查未进行，"
        "请对照原文核对。"
    )
    assert view.incomplete and "未能读出" in view.verdict_short
    only = report_view(_report(), _unread(2), [], LABELS, 0, None)
    assert only.verdict_class == "warning" and only.verdict.startswith("审核不完整")
    error = report_view(
        _report(), [Finding("a", "identity", "error", "m"), *_unread(3)], [], LABELS, 0, None
    )
    assert error.verdict_class == "error"
    assert "另有 3 项警告是本工具未能读出的数值，相关检查未进行" in error.verdict
    clean = report_view(_report(), [warning], [], LABELS, 0, None)
    assert clean.verdict == "基本符合要求：有 1 项警告，请核实。" and not clean.incomplete
    memo = memo_view("某局", "x", [view, clean], "rules/")
    assert "其中 1 份有本工具未能读出的数值" in memo.verdict


def test_unknown_field_is_explained_in_chinese(tmp_path: Path):
    (tmp_path / "memo.md.j2").write_text("# 意见\n\n{{ memo.verdictt }}\n", encoding="utf-8")
    view = report_view(_report(), [], [], LABELS, 0, None)
    with pytest.raises(TemplateError) as info:
        Templates(tmp_path).render(MEMO_MD, memo=memo_view("某局", "x", [view], "r/"))
    assert str(info.value) == (
        f"{tmp_path / 'memo.md.j2'}:3: 模板中使用了不存在的字段 “verdictt”"
        "（可用字段见 templates/README.md）"
    )


def test_unclosed_block_is_explained_with_its_first_line(tmp_path: Path):
    (tmp_path / "memo.md.j2").write_text(
        "# 意见\n{% for r in memo.reports %}\n{% if r.year %}\n{{ r.year }}\n{% endif %}\n",
        encoding="utf-8",
    )
    with pytest.raises(TemplateError) as info:
        Templates(tmp_path)
    message = str(info.value)
    assert message.startswith(f"{tmp_path / 'memo.md.j2'}:")
    assert "模板在结尾处缺少结束标记（如 {% endfor %} / {% endif %}）" in message
    assert "请检查从第 2 行开始的 {% for %} 块" in message


def test_index_template_error_keeps_the_previous_index(tmp_path: Path):
    out = tmp_path / "out"
    out.mkdir()
    write_index_html(out, Templates(), _index_view(iter([_spool_row()])))
    good = {p.name: p.read_bytes() for p in out.iterdir()}
    assert set(good) == {"index.html", INDEX_DATA} and good["index.html"]
    broken = tmp_path / "tpl"
    broken.mkdir()
    (broken / "index.html.j2").write_text("<p>\n{{ 1/0 }}\n", encoding="utf-8")
    rows = iter([_spool_row(source="in/b.txt")])
    with pytest.raises(TemplateError) as info:
        write_index_html(out, Templates(broken), _index_view(rows))
    assert "index.html.j2:2" in str(info.value) and "ZeroDivisionError" in str(info.value)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == good  # no temp files left
