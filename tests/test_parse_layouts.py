"""The parser reads each text layout, with non-zero multi-digit numbers, and never invents one."""

from __future__ import annotations

from decimal import Decimal

import pytest

from auditor.formats import load_formats
from auditor.parse import parse_text

F2021 = load_formats().get("2021")
T3 = F2021.tables["applications"]

# A consistent table 3 (per column: new + carried = total + forward; total = sum of results).
T3_VALUES = {
    "new_received": [64, 0, 0, 2, 0, 4, 70],
    "carried_over": [3, 1, 0, 0, 0, 0, 4],
    "results.granted": [27, 0, 0, 2, 0, 1, 30],
    "results.partial": [5, 0, 0, 0, 0, 0, 5],
    "results.unavailable.not_held": [22, 1, 0, 0, 0, 3, 26],
    "results.other.misc": [12, 0, 0, 0, 0, 0, 12],
    "results.total": [66, 1, 0, 2, 0, 4, 73],
    "carried_forward": [1, 0, 0, 0, 0, 0, 1],
}
T4 = [1, 0, 2, 0, 3, 12, 0, 0, 0, 12, 0, 0, 0, 0, 0]


def row_values(key: str) -> list[int]:
    return T3_VALUES.get(key, [0] * 7)


def body(table2: str, table3: str, table4: str) -> str:
    return (
        "天门市测试局2022年政府信息公开工作年度报告\n发布时间: 2023-01-20\n"
        "一、总体情况\n本机关2022年收到政府信息公开申请70件。\n"
        f"二、主动公开政府信息情况\n{table2}\n"
        f"三、收到和处理政府信息公开申请情况\n{table3}\n"
        f"四、政府信息公开行政复议、行政诉讼情况\n{table4}\n"
        "五、存在的主要问题及改进情况\n无。\n六、其他需要报告的事项\n本年度未收取信息处理费。\n"
    )


def layout(sep: str, end: str = "\n") -> str:
    """Render the three tables with ``sep`` between cells and ``end`` after each row."""
    t2 = (
        f"第二十条第(一)项{end}信息内容{sep}本年制发件数{sep}本年废止件数{sep}现行有效件数{end}"
        f"规章{sep}0{sep}0{sep}3{end}行政规范性文件{sep}12{sep}1{sep}40{end}"
        f"第二十条第(五)项{end}信息内容{sep}本年处理决定数量{end}行政许可{sep}2293{end}"
        f"第二十条第(六)项{end}信息内容{sep}本年处理决定数量{end}行政处罚{sep}1282{end}行政强制{sep}42{end}"
        f"第二十条第(八)项{end}信息内容{sep}本年收费金额(单位:万元){end}行政事业性收费{sep}24.3110{end}"
    )
    rows = []
    for row in T3.rows:
        cells = sep.join(str(v) for v in row_values(row.key))
        rows.append(f"{row.label}{sep}{cells}{end}")
    t3 = (
        f"(本列数据的勾稽关系为:第一项加第二项之和,等于第三项加第四项之和){sep}申请人情况{end}"
        f"自然人{sep}法人或其他组织{sep}总计{end}商业企业{sep}科研机构{sep}社会公益组织{sep}法律服务机构{sep}其他{end}"
        + "".join(rows)
    )
    t4 = (
        f"行政复议{sep}行政诉讼{end}结果维持{sep}结果纠正{sep}其他结果{sep}尚未审结{sep}总计{sep}"
        f"未经复议直接起诉{sep}复议后起诉{end}" + sep.join(str(v) for v in T4) + end
    )
    return body(t2, t3, t4)


def assert_all_cells(report) -> None:
    assert report.status == "parsed", report.error
    assert report.format == "2021"
    assert report.unreadable == []
    table = report.tables["applications"]
    for row in T3.rows:
        expected = dict(zip(row.columns, row_values(row.key), strict=True))
        assert table[row.key] == expected, row.key
    ad = report.tables["active_disclosure"]
    assert ad["normative_docs"] == {"issued": 12, "repealed": 1, "in_force": 40}
    assert ad["licensing"] == {"decisions": 2293}
    assert ad["admin_fees"] == {"amount_wan": Decimal("24.3110")}
    rl = report.tables["review_litigation"]
    assert rl["review"] == {"upheld": 1, "corrected": 0, "other": 2, "pending": 0, "total": 3}
    assert rl["litigation_direct"]["total"] == 12
    assert list(report.sections) == [
        "overview",
        "active_disclosure",
        "applications",
        "review_litigation",
        "problems",
        "other_matters",
    ]


@pytest.mark.parametrize(
    ("name", "sep", "end"),
    [
        ("pipes", " | ", " |\n"),
        ("cell_per_line_pipe", " |\n", " |\n"),
        ("cell_per_line_blank", "\n\n", "\n\n"),
        ("tabs", "\t", "\n"),
        ("run_on_one_line", " ", " "),
    ],
)
def test_separated_layouts_read_every_cell(name: str, sep: str, end: str) -> None:
    report = parse_text(layout(sep, end), name)
    assert_all_cells(report)
    assert report.agency == "天门市测试局"
    assert report.year == 2022
    assert report.published == "2023-01-20"


def test_markdown_layout_with_rule_lines_and_page_footer() -> None:
    text = layout(" | ", " |\n").replace("\n规章", "\n|---|---|---|---|\n— 3 —\n| 规章")
    report = parse_text(text, "md")
    assert_all_cells(report)


def test_labels_split_by_spaces_newlines_nbsp_and_fullwidth_punctuation() -> None:
    text = layout(" | ", " |\n")
    text = text.replace("三、本年度办理结果", "三、本年度办\n理结果").replace(
        "(二)部分公开", "（二）部分\u00a0公开"
    )
    text = text.replace("3.危及“三安全一稳定”", '3、危及"三安全一稳定"').replace(
        "商业企业", "商业 企业"
    )
    text = text.replace("一、总体情况", "\u00a0\u00a0一、总体情况").replace(
        "(单位:万元)", "（单位：万元）"
    )
    report = parse_text(text, "variants")
    assert_all_cells(report)


def test_table_row_labels_with_numerals_are_not_section_headings() -> None:
    report = parse_text(layout(" | ", " |\n"), "x")
    applications = report.sections["applications"]
    review = report.sections["review_litigation"]
    # 三、本年度办理结果 and 四、结转下年度继续办理 sit inside section 三, not as headings.
    assert applications.heading == "三、收到和处理政府信息公开申请情况"
    assert review.heading == "四、政府信息公开行政复议、行政诉讼情况"
    assert applications.line < review.line


def test_glued_rows_split_by_row_total_and_column_sums() -> None:
    report = parse_text(layout("", "\n"), "glued")
    assert report.tables["applications"]["new_received"]["natural_person"] == 64
    assert report.tables["applications"]["results.granted"]["total"] == 30
    assert report.tables["review_litigation"]["litigation_direct"]["total"] == 12
    methods = {(r.table, r.row): r.method for r in report.resolutions}
    assert methods[("applications", "new_received")] in {"row_total", "column_sums"}
    # 12140 into issued/repealed/in_force fits several ways (12|1|40, 1|21|40, …): unreadable.
    unreadable = {(u.table, u.row) for u in report.unreadable}
    assert ("active_disclosure", "normative_docs") in unreadable
    assert "normative_docs" not in report.tables["active_disclosure"]


def test_digit_before_next_label_belongs_to_the_label() -> None:
    text = layout("", "\n").replace("\n2.没有现成信息", "2.没有现成信息")
    report = parse_text(text, "glued-label")
    assert report.tables["applications"]["results.unavailable.not_held"]["total"] == 26
    assert report.tables["applications"]["results.unavailable.needs_creation"]["total"] == 0


def test_ambiguous_glued_row_is_unreadable_not_guessed() -> None:
    text = layout("", "\n").replace("行政处罚1282", "行政处罚2648-18538")
    report = parse_text(text, "ambiguous")
    assert report.tables["active_disclosure"].get("punishment") is None
    reasons = [u.reason for u in report.unreadable if u.row == "punishment"]
    assert reasons and "无法" in reasons[0]


@pytest.mark.parametrize("blank", ["/", "-", "—", "不适用", ""])
def test_blank_markers_are_not_zero(blank: str) -> None:
    text = layout(" | ", " |\n").replace("行政强制 | 42 |", f"行政强制 | {blank} |")
    report = parse_text(text, "blank")
    assert "coercion" not in report.tables["active_disclosure"]
    (item,) = [u for u in report.unreadable if u.row == "coercion"]
    assert item.column == "decisions"


def test_short_row_is_not_zero_padded() -> None:
    text = layout(" ", "\n").replace(
        "二、上年结转政府信息公开申请数量 3 1 0 0 0 0 4",
        "二、上年结转政府信息公开申请数量 3 1 0 0 0 4",
    )
    report = parse_text(text, "short")
    assert "carried_over" not in report.tables["applications"]
    cols = {u.column for u in report.unreadable if u.row == "carried_over"}
    assert cols == set(T3.columns)


def test_pre_2019_report_is_recognised_as_such() -> None:
    text = "某市某局2018年政府信息公开工作年度报告\n一、概述\n统计表 指标名称 计量单位 数量\n主动公开 条 12\n"
    report = parse_text(text, "old")
    assert report.pre_2019 is True
    assert report.format is None
    assert report.tables == {}


def test_non_report_text_fails_with_one_line_reason() -> None:
    report = parse_text("今天天气很好，我们去公园散步。" * 50, "essay")
    assert report.status == "failed"
    assert "\n" not in (report.error or "") and "年度报告" in (report.error or "")


def test_wrong_format_tables_are_recognised_from_structure_not_year() -> None:
    text = (
        layout(" | ", " |\n")
        .replace("本年制发件数", "本年新制作数量")
        .replace("本年废止件数", "本年新公开数量")
    )
    text = text.replace("现行有效件数", "对外公开总数量")
    report = parse_text(text, "mixed")
    assert report.table_formats["active_disclosure"] == "2019"
    assert report.table_formats["applications"] == "2021"


def test_catalogue_label_variants() -> None:
    """总计 without (七), 结转下一年度, 部分公开 without its note, full-width digits, local 小计 rows."""
    text = layout(" | ", " |\n")
    text = text.replace("(七)总计", "总计").replace("结转下年度继续办理", "结转下一年度继续办理")
    text = text.replace("(二)部分公开(区分处理的,只计这一情形,不计其他情形)", "(二)部分公开")
    text = text.replace("行政许可 | 2293", "行政许可 | ２２９３")
    text = text.replace("1.本机关不掌握", "小计 | 35 | 0 | 0 | 2 | 0 | 1 | 38 |\n1.本机关不掌握")
    assert "小计" in text
    report = parse_text(text, "variants")
    assert_all_cells(report)
