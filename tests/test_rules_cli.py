"""``audit rules check`` / ``audit rules test``: exit codes, positions, readable diffs."""

from __future__ import annotations

import shutil
from pathlib import Path

from click.testing import CliRunner

from auditor.cli import main
from auditor.resources import shipped_rules_dir


def _copy(tmp_path: Path) -> Path:
    target = tmp_path / "rules"
    shutil.copytree(shipped_rules_dir(), target)
    return target


def test_rules_check_clean() -> None:
    result = CliRunner().invoke(main, ["rules", "check", str(shipped_rules_dir())])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("规则检查通过：")
    assert "条规则" in result.output


def test_rules_check_misspelt_key_fails_with_file_line_and_suggestion(tmp_path: Path) -> None:
    rules = _copy(tmp_path)
    path = rules / "40-identities.yaml"
    lines = path.read_text(encoding="utf-8").splitlines()
    number = next(i for i, line in enumerate(lines) if line.strip() == "report_at: carried_forward")
    lines[number] = lines[number].replace("report_at", "reprot_at")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["rules", "check", str(rules)])
    assert result.exit_code == 2
    assert f'{path}:{number + 1}:5: 未知的键 "reprot_at"，是否为 report_at？' in result.output
    assert "Traceback" not in result.output


def test_rules_check_reports_rule_without_tests(tmp_path: Path) -> None:
    rules = _copy(tmp_path)
    path = rules / "60-patterns.yaml"
    text = path.read_text(encoding="utf-8").replace(
        "id: text.injected_spam", "id: text.injected_junk"
    )
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, ["rules", "check", str(rules)])
    assert result.exit_code == 2
    assert "规则 text.injected_junk 缺少测试" in result.output
    assert '未知的规则编号 "text.injected_spam"，是否为 text.injected_junk？' in result.output


def test_rules_test_passes_on_shipped_rules() -> None:
    result = CliRunner().invoke(main, ["rules", "test", str(shipped_rules_dir())])
    assert result.exit_code == 0, result.output
    assert "0 个失败" in result.output


def test_failing_rule_test_shows_readable_diff(tmp_path: Path) -> None:
    rules = _copy(tmp_path)
    path = rules / "tests" / "identities.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace(
        "      - {rule: applications.balance, row: carried_forward, column: natural_person, severity: error}\n",
        "",
        1,
    )
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, ["rules", "test", str(rules)])
    assert result.exit_code == 1
    out = result.output
    assert "✗" in out and "勾稽关系不成立（结转下年度填错）" in out
    assert "期望的发现" in out and "实际的发现" in out
    assert "+ 多出：applications.balance" in out and "列=natural_person" in out
    assert "1 个失败" in out


def test_broken_rule_test_file_is_a_problem(tmp_path: Path) -> None:
    rules = _copy(tmp_path)
    path = rules / "tests" / "ranges.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "results.granted: {natural_person: -1}", "results.grantd: {natural_person: -1}"
        ),
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["rules", "test", str(rules)])
    assert result.exit_code == 2
    assert '未知的行 "results.grantd"，是否为 results.granted？' in result.output


def test_explain_says_why_a_when_rule_did_not_apply() -> None:
    sample = Path(__file__).resolve().parents[1] / "reports-in" / "000_3154ea15bf6b21be.txt"
    result = CliRunner().invoke(
        main, ["explain", str(sample), "--rule", "other_matters.fee_notice"]
    )
    assert result.exit_code == 0, result.output
    assert "条件不满足：「2.申请人逾期未按收费通知要求缴纳费用…」总计 = 0" in result.output
    assert "Traceback" not in result.output


def test_rules_test_shows_a_failing_when_case(tmp_path: Path) -> None:
    rules = _copy(tmp_path)
    path = rules / "60-patterns.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace('fee_unpaid.total", above: 0}', 'fee_unpaid.total", above: 10}')
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, ["rules", "test", str(rules)])
    assert result.exit_code != 0
    assert "other_matters.fee_notice" in result.output
