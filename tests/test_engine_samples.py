"""The shipped rules on the sample reports in reports-in/ (needs the parser)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from auditor.engine import audit_report, load_ruleset

SAMPLES = Path(__file__).resolve().parent.parent / "reports-in"
CORPUS = Path(__file__).resolve().parent / "fixtures" / "corpus"
pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("auditor.parse") is None,
    reason="parser (auditor.parse) not available yet",
)


@pytest.fixture(scope="module")
def ruleset():
    return load_ruleset()


def _audit(prefix: str, ruleset):
    from auditor.parse import parse_path

    path = next(SAMPLES.glob(f"{prefix}_*.txt"))
    report = parse_path(path, formats=ruleset.formats)
    return report, audit_report(report, ruleset)


@pytest.mark.parametrize("prefix", ["000", "003", "004"])
def test_no_error_on_clean_samples(prefix, ruleset):
    report, findings = _audit(prefix, ruleset)
    assert report.status == "parsed"
    assert [f for f in findings if f.severity == "error"] == []


def test_sample_001_lacks_fee_statement(ruleset):
    _report, findings = _audit("001", ruleset)
    fee = [f for f in findings if f.rule == "other_matters.fee_statement"]
    assert len(fee) == 1 and fee[0].severity in ("warning", "error")


def test_sample_002_has_injected_spam(ruleset):
    _report, findings = _audit("002", ruleset)
    spam = [f for f in findings if f.rule == "text.injected_spam"]
    assert len(spam) == 1 and spam[0].severity in ("warning", "error")
    assert "365bet" in spam[0].message
    assert not any(f.rule == "other_matters.fee_statement" for f in findings)  # 2020: not required


def test_mixed_format_is_one_finding_not_a_cascade_of_missing_rows() -> None:
    """洪泽区 2024 prints (六)其他处理 as one 2019-style row under 2021 headers."""
    pytest.importorskip("pdfplumber")
    path = CORPUS / "zxj6827111-blip__KIROGOVCOMPARE" / "hzq2024_working.pdf"
    from auditor.parse import parse_path

    findings = audit_report(parse_path(path), load_ruleset())
    rules = [f.rule for f in findings]
    assert "format.mixed" in rules
    assert not [f for f in findings if f.kind == "row"], rules
