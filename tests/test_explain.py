"""``explain_report`` and ``audit explain``: built on the same evaluation as ``audit_report``."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor.cli import main
from auditor.engine import explain_report, load_ruleset
from auditor.explain import render_traces
from auditor.model import GluedResolution, Unreadable
from auditor.testing import clean_report


@pytest.fixture(scope="module")
def ruleset():
    return load_ruleset()


def test_trace_for_every_rule_with_status(ruleset):
    report = clean_report("2021", 2022)
    traces = explain_report(report, ruleset)
    by_rule = {t.rule: t for t in traces}
    assert set(ruleset.ids) <= set(by_rule)
    assert by_rule["applications.balance"].status == "passed"
    assert by_rule["narrative.normative_docs_2019"].status == "not_applicable"
    assert "2019" in by_rule["narrative.normative_docs_2019"].reason
    assert by_rule["applications.carryover"].status == "skipped"


def test_identity_trace_shows_operands_and_unreadable(ruleset):
    report = clean_report(
        "2021",
        2022,
        cells={"applications": {"new_received": {"natural_person": 2, "total": 2}}},
        unreadable=[Unreadable("applications", "carried_forward", "natural_person", "数字粘连")],
    )
    [trace] = explain_report(report, ruleset, "applications.balance")
    assert trace.status == "fired"  # the total column breaks
    skipped = [o for o in trace.outcomes if o.status == "skip"]
    assert len(skipped) == 1 and "数字粘连" in skipped[0].reason
    assert any(op.unreadable == "数字粘连" for op in skipped[0].operands)
    fired = [o for o in trace.outcomes if o.status == "fire"]
    assert fired[0].stated == 2 and fired[0].computed == 0
    labels = [op.label for op in fired[0].operands]
    assert any("本年新收" in label for label in labels)
    assert all(op.line for op in fired[0].operands)


def test_merged_consequence_status_and_resolutions(ruleset):
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
    report.resolutions.append(
        GluedResolution(
            "applications",
            "new_received",
            "3000003",
            7,
            2,
            "row_total",
            ["3", "0", "0", "0", "0", "0", "3"],
        )
    )
    traces = explain_report(report, ruleset)
    by_rule = {t.rule: t for t in traces}
    assert by_rule["applications.results_total"].status == "merged"
    assert by_rule["parse.unreadable"].resolutions
    text = render_traces(report, traces)
    assert "已并入前面的发现" in text and "3000003" in text and "因此" in text


def test_explain_cli(tmp_path: Path):
    if importlib.util.find_spec("auditor.parse") is None:
        pytest.skip("parser not available yet")
    sample = next((Path(__file__).resolve().parent.parent / "reports-in").glob("001_*.txt"))
    result = CliRunner().invoke(
        main, ["explain", str(sample), "--rule", "other_matters.fee_statement"]
    )
    assert result.exit_code == 0, result.output
    assert "other_matters.fee_statement" in result.output and "[触发]" in result.output
    bad = CliRunner().invoke(main, ["explain", str(sample), "--rule", "applications.balanc"])
    assert bad.exit_code == 2 and "是否为 applications.balance？" in bad.output


def test_explain_with_previous_year_checks_carryover(tmp_path):
    """``--previous`` gives carryover rules the same agency's report for the year before."""
    this_year = tmp_path / "2023.txt"
    last_year = tmp_path / "2022.txt"
    base = Path(__file__).resolve().parent.parent / "reports-in" / "003_40f103b002da3e1a.txt"
    text = base.read_text(encoding="utf-8")
    this_year.write_text(text, encoding="utf-8")
    last_year.write_text(text.replace("2023", "2022").replace("2024", "2023"), encoding="utf-8")
    args = ["explain", str(this_year), "--rule", "applications.carryover"]
    alone = CliRunner().invoke(main, args)
    paired = CliRunner().invoke(main, [*args, "--previous", str(last_year)])
    assert alone.exit_code == 0 and paired.exit_code == 0, paired.output
    assert "[通过]" not in alone.output
    assert "[通过] applications.carryover" in paired.output


def test_explain_warns_when_previous_is_another_agency_or_year():
    samples = Path(__file__).resolve().parent.parent / "reports-in"
    this_year = str(samples / "003_40f103b002da3e1a.txt")
    other = str(samples / "004_7859ced941c8677a.txt")
    result = CliRunner().invoke(
        main, ["explain", this_year, "--rule", "applications.carryover", "--previous", other]
    )
    assert result.exit_code == 0
    assert (
        "--previous 的单位（绵阳市机关事务管理局）与本报告（朝阳市营商环境建设局）不同"
        in result.output
    )


def test_unknown_rule_with_parts_swapped_is_suggested():
    samples = Path(__file__).resolve().parent.parent / "reports-in"
    result = CliRunner().invoke(
        main,
        ["explain", str(samples / "003_40f103b002da3e1a.txt"), "--rule", "carryover.applications"],
    )
    assert result.exit_code == 2
    assert "是否为 applications.carryover？" in result.output
