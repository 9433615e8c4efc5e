"""The engine: every kind fires on a bad report and stays quiet on a good one; cascades; parse."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest

from auditor.engine import audit_report, load_ruleset
from auditor.model import Unreadable
from auditor.testing import clean_report


@pytest.fixture(scope="module")
def ruleset():
    return load_ruleset()


def _rules(findings, kind=None):
    return [f.rule for f in findings if kind is None or f.kind == kind]


@pytest.mark.parametrize(("fmt", "year"), [("2021", 2022), ("2021", 2024), ("2019", 2020)])
def test_clean_report_has_no_error(ruleset, fmt, year):
    findings = audit_report(clean_report(fmt, year), ruleset)
    assert [f for f in findings if f.severity == "error"] == []
    assert findings == []


def test_balance_finding_carries_values(ruleset):
    report = clean_report(
        "2021",
        2022,
        cells={
            "applications": {
                "new_received": {"natural_person": 3, "total": 3},
                "results.granted": {"natural_person": 2, "total": 2},
                "results.total": {"natural_person": 2, "total": 2},
                "carried_forward": {"natural_person": 0, "total": 0},
            }
        },
    )
    findings = [f for f in audit_report(report, ruleset) if f.rule == "applications.balance"]
    assert [(f.row, f.column) for f in findings] == [
        ("carried_forward", "natural_person"),
        ("carried_forward", "total"),
    ]
    first = findings[0]
    assert first.severity == "error" and first.kind == "identity"
    assert (first.expected, first.actual) == (1, 0)
    assert "3" in first.message and "「自然人」列" in first.message
    assert first.line == report.row_lines["applications:carried_forward"]
    assert first.basis and first.advice and first.title


def test_wrong_row_total_gives_one_root_finding_with_consequence(ruleset):
    report = clean_report(
        "2021",
        2022,
        cells={
            "applications": {
                "new_received": {"natural_person": 3, "total": 3},
                "results.granted": {"natural_person": 3, "total": 4},
                "results.total": {"natural_person": 3, "total": 3},
            }
        },
    )
    identities = [f for f in audit_report(report, ruleset) if f.kind == "identity"]
    assert len(identities) == 1
    root = identities[0]
    assert (root.rule, root.row, root.column) == (
        "applications.row_total",
        "results.granted",
        "total",
    )
    assert len(root.consequences) == 1
    assert root.consequences[0].startswith("因此") and "也不成立" in root.consequences[0]


def test_unreadable_operand_means_no_identity_finding(ruleset):
    report = clean_report(
        "2021",
        2022,
        cells={"applications": {"new_received": {"natural_person": 5, "total": 5}}},
        unreadable=[Unreadable("applications", "new_received", "*", "数字粘连，无法拆分", line=12)],
    )
    findings = audit_report(report, ruleset)
    assert _rules(findings, "identity") == []
    parse = [f for f in findings if f.kind == "parse"]
    assert len(parse) == 1  # one finding for the whole row, not seven
    assert parse[0].severity == "warning" and parse[0].row == "new_received" and parse[0].line == 12
    assert "数字粘连" in parse[0].message


def test_single_unreadable_cell_names_the_cell(ruleset):
    report = clean_report(
        "2021",
        2022,
        unreadable=[Unreadable("applications", "results.total", "research", "单元格为空白")],
    )
    parse = [f for f in audit_report(report, ruleset) if f.kind == "parse"]
    assert [(f.row, f.column) for f in parse] == [("results.total", "research")]
    assert "科研机构" in parse[0].message


def test_failed_report_gives_single_parse_error(ruleset):
    report = clean_report("2021", 2022, status="failed", error="页面只有标题，没有年报正文")
    findings = audit_report(report, ruleset)
    assert len(findings) == 1
    assert (findings[0].kind, findings[0].severity) == ("parse", "error")
    assert "页面只有标题" in findings[0].message


def test_whole_table_missing_is_one_finding(ruleset):
    report = clean_report("2021", 2022, drop_tables=["applications"])
    rows = [f for f in audit_report(report, ruleset) if f.kind == "row"]
    assert len(rows) == 1 and rows[0].table == "applications" and rows[0].row is None


def test_missing_section_and_order(ruleset):
    findings = audit_report(clean_report("2021", 2022, drop_sections=["problems"]), ruleset)
    assert [(f.rule, f.section) for f in findings if f.kind == "section"] == [
        ("structure.sections", "problems")
    ]
    order = [
        "overview",
        "applications",
        "active_disclosure",
        "review_litigation",
        "problems",
        "other_matters",
    ]
    findings = audit_report(clean_report("2021", 2022, section_order=order), ruleset)
    assert [f.rule for f in findings if f.kind == "section"] == ["structure.section_order"]


def test_range_negative_and_signed(ruleset):
    bad = clean_report("2021", 2022, cells={"review_litigation": {"review": {"pending": -1}}})
    findings = [f for f in audit_report(bad, ruleset) if f.kind == "range"]
    assert [(f.rule, f.row, f.column) for f in findings] == [
        ("review_litigation.counts", "review", "pending")
    ]
    ok = clean_report(
        "2019",
        2020,
        cells={
            "active_disclosure": {"licensing": {"prev_items": 10, "change": -3, "decisions": 7}}
        },
    )
    assert [f for f in audit_report(ok, ruleset) if f.kind == "range"] == []
    money = clean_report(
        "2021",
        2022,
        cells={"active_disclosure": {"admin_fees": {"amount_wan": Decimal("0.12345")}}},
    )
    assert _rules(audit_report(money, ruleset)) == ["active_disclosure.fee_amount"]


def test_crosscheck_fires_and_respects_the_document_attribute_trap(ruleset):
    cells = {
        "applications": {
            "new_received": {"natural_person": 3, "total": 3},
            "results.granted": {"natural_person": 3, "total": 3},
            "results.total": {"natural_person": 3, "total": 3},
        }
    }
    bad = clean_report(
        "2021", 2022, cells=cells, section_text={"overview": "本年度共收到政府信息公开申请5件。"}
    )
    assert _rules(audit_report(bad, ruleset)) == ["narrative.applications_received"]
    trap = clean_report(
        "2021", 2022, section_text={"overview": "共报送文件10件，其中主动公开1件、依申请公开8件。"}
    )
    assert audit_report(trap, ruleset) == []
    claim = clean_report(
        "2021", 2022, cells=cells, section_text={"applications": "本年度未收到政府信息公开申请。"}
    )
    assert _rules(audit_report(claim, ruleset)) == ["narrative.no_applications"]


def test_deadline(ruleset):
    late = clean_report("2021", 2022, agency="某市交通运输局", published="2023-02-01")
    findings = audit_report(late, ruleset)
    assert [(f.rule, f.severity) for f in findings] == [("publication.late", "error")]
    assert "逾期 1 天" in findings[0].message
    gov = clean_report("2021", 2022, agency="某市人民政府", published="2023-03-31")
    assert audit_report(gov, ruleset) == []
    early = clean_report("2021", 2022, published="2022-11-30")
    assert _rules(audit_report(early, ruleset)) == ["publication.impossible_date"]
    none = clean_report("2021", 2022, published=None)
    assert [(f.rule, f.severity) for f in audit_report(none, ruleset)] == [
        ("publication.date_missing", "info")
    ]


def test_format_rules(ruleset):
    old = clean_report("2019", 2022)
    assert "format.version_year" in _rules(audit_report(old, ruleset))
    mixed = clean_report(
        "2021", 2022, table_formats={"active_disclosure": "2021", "applications": "2019"}
    )
    assert _rules(audit_report(mixed, ruleset)) == ["format.mixed"]
    pre = clean_report(
        "2021",
        2017,
        format=None,
        pre_2019=True,
        drop_sections=["problems"],
        drop_tables=["applications"],
    )
    assert _rules(audit_report(pre, ruleset)) == ["format.pre_2019"]
    unknown_2019 = clean_report("2019", 2019, format=None)
    assert [(f.rule, f.severity) for f in audit_report(unknown_2019, ruleset)] == [
        ("format.unrecognised_2019", "info")
    ]


def test_unknown_format_only_gets_structural_findings(ruleset):
    report = clean_report(
        "2021",
        2022,
        format=None,
        drop_sections=["problems"],
        cells={"applications": {"new_received": {"total": 9}}},
    )
    kinds = {f.kind for f in audit_report(report, ruleset)}
    assert kinds == {"format", "section"}


def test_pattern_fee_statement_and_spam(ruleset):
    no_fee = clean_report("2021", 2023, section_text={"other_matters": "无其他需要报告事项"})
    findings = audit_report(no_fee, ruleset)
    assert [(f.rule, f.severity, f.section) for f in findings] == [
        ("other_matters.fee_statement", "warning", "other_matters")
    ]
    assert (
        audit_report(clean_report("2019", 2020, section_text={"other_matters": "无。"}), ruleset)
        == []
    )
    spam = clean_report("2021", 2022, extra_text="欢迎访问365bet体育在线")
    assert [f.severity for f in audit_report(spam, ruleset) if f.rule == "text.injected_spam"] == [
        "warning"
    ]


def test_carryover(ruleset):
    cells = {
        "applications": {
            "carried_over": {"natural_person": 1, "total": 1},
            "results.granted": {"natural_person": 1, "total": 1},
            "results.total": {"natural_person": 1, "total": 1},
        }
    }
    report = clean_report("2021", 2023, cells=cells)
    previous = clean_report(
        "2021",
        2022,
        cells={
            "applications": {
                "new_received": {"natural_person": 3, "total": 3},
                "results.total": {"natural_person": 1, "total": 1},
                "results.granted": {"natural_person": 1, "total": 1},
                "carried_forward": {"natural_person": 2, "total": 2},
            }
        },
    )
    findings = audit_report(report, ruleset, previous=previous)
    assert [(f.rule, f.column, f.expected, f.actual) for f in findings] == [
        ("applications.carryover", "natural_person", 2, 1),
        ("applications.carryover", "total", 2, 1),
    ]
    assert audit_report(report, ruleset) == []


def test_findings_are_deterministic(ruleset):
    report = clean_report(
        "2021",
        2022,
        published="2023-03-01",
        drop_sections=["problems"],
        cells={"applications": {"new_received": {"total": 4}}},
    )
    first = [f.to_json() for f in audit_report(report, ruleset)]
    second = [f.to_json() for f in audit_report(report, ruleset)]
    assert first == second and len(first) >= 3


def test_speed_well_under_a_millisecond(ruleset):
    report = clean_report("2021", 2022)
    audit_report(report, ruleset)
    runs = 300
    start = time.perf_counter()
    for _ in range(runs):
        audit_report(report, ruleset)
    per_report = (time.perf_counter() - start) / runs
    assert per_report < 0.002  # measured ≈0.3 ms; generous bound for slow CI machines


def test_a_table_left_blank_is_one_parse_finding_not_one_per_row(ruleset):
    blank = {"table": "applications", "row": "*", "column": "*", "reason": "单元格为“空白”"}
    rows = [r.key for r in ruleset.formats.get("2021").tables["applications"].rows]
    report = clean_report("2021", 2022, unreadable=[{**blank, "row": row} for row in rows])
    parse = [f for f in audit_report(report, ruleset) if f.kind == "parse"]
    assert len(parse) == 1
    assert parse[0].table == "applications" and parse[0].row is None
    assert "整张表" in parse[0].message


# --- when: (conditions on cells) ---------------------------------------------------------------

_FEE_UNPAID = {
    "applications": {
        "new_received": {"natural_person": 7, "total": 7},
        "results.other.fee_unpaid": {"natural_person": 7, "total": 7},
        "results.total": {"natural_person": 7, "total": 7},
    }
}


def _trace(report, ruleset, rule_id):
    from auditor.engine import explain_report

    (trace,) = explain_report(report, ruleset, rule_id)
    return trace


def test_when_condition_false_means_not_applicable_with_reason(ruleset):
    report = clean_report("2021", 2023, section_text={"other_matters": "未收取信息处理费。"})
    assert "other_matters.fee_notice" not in _rules(audit_report(report, ruleset))
    trace = _trace(report, ruleset, "other_matters.fee_notice")
    assert trace.status == "not_applicable"
    assert trace.reason == (
        "条件不满足：「2.申请人逾期未按收费通知要求缴纳费用…」总计 = 0（规则要求 > 0）"
    )


def test_when_condition_true_applies_the_rule_and_fills_when(ruleset):
    text = {"other_matters": "收取信息处理费共计380元。"}
    report = clean_report("2021", 2025, cells=_FEE_UNPAID, section_text=text)
    (finding,) = [f for f in audit_report(report, ruleset) if f.rule == "other_matters.fee_notice"]
    assert finding.severity == "warning" and finding.section == "other_matters"
    assert "总计 = 7" in finding.message and "收费通知" in finding.message
    trace = _trace(report, ruleset, "other_matters.fee_notice")
    assert trace.status == "fired" and "适用条件成立" in trace.reason
    text = {"other_matters": "本年度发出收费通知7件，申请人均未缴费。"}
    quiet = clean_report("2021", 2025, cells=_FEE_UNPAID, section_text=text)
    assert "other_matters.fee_notice" not in _rules(audit_report(quiet, ruleset))


def test_when_condition_on_unreadable_cell_skips_the_rule(ruleset):
    bad = Unreadable("applications", "results.other.fee_unpaid", "total", "数字粘连无法拆分")
    report = clean_report("2021", 2023, unreadable=[bad])
    assert "other_matters.fee_notice" not in _rules(audit_report(report, ruleset))
    trace = _trace(report, ruleset, "other_matters.fee_notice")
    assert trace.status == "skipped"
    assert "条件无法判断" in trace.reason and "数字粘连无法拆分" in trace.reason


# --- identity relation (inequalities) ---------------------------------------------------------


def test_inequality_fires_only_when_items_would_be_negative(ruleset):
    cells = {
        "active_disclosure": {
            "licensing": {"prev_items": 3, "change": -5, "decisions": 0},
            "punishment": {"prev_items": 4, "change": -4, "decisions": 0},
            "coercion": {"prev_items": 0, "change": 2, "decisions": 0},
        }
    }
    report = clean_report("2019", 2020, cells=cells)
    findings = [
        f for f in audit_report(report, ruleset) if f.rule == "active_disclosure.items_nonnegative"
    ]
    assert [(f.row, f.column, f.severity) for f in findings] == [("licensing", "change", "error")]
    finding = findings[0]
    assert (finding.expected, finding.actual) == (-3, -5)
    assert "合计 -2" in finding.message and "至少应为 -3" in finding.message
    assert "「行政许可」行" in finding.message


# --- crosscheck report_year -------------------------------------------------------------------


def test_statistics_period_of_another_year_is_reported(ruleset):
    from pathlib import Path

    from auditor.parse import parse_path

    sample = Path(__file__).resolve().parents[1] / "reports-in" / "003_40f103b002da3e1a.txt"
    report = parse_path(sample, formats=ruleset.formats)
    assert "narrative.statistics_year" not in _rules(audit_report(report, ruleset))
    report.year = 2024  # as if the 2023 text had been reused for the 2024 report
    (finding,) = [f for f in audit_report(report, ruleset) if f.rule == "narrative.statistics_year"]
    assert finding.severity == "warning"
    assert (finding.expected, finding.actual) == (2024, 2023)
    assert "2023" in finding.message and "2024 年度" in finding.message
