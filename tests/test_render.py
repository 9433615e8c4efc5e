from decimal import Decimal
from pathlib import Path

import pytest

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
