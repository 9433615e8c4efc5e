"""The loader: positions, unknown keys with suggestions, duplicates, name resolution."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from auditor.errors import RuleError
from auditor.resources import shipped_rules_dir
from auditor.rules.loader import load_ruleset

RULES = shipped_rules_dir()


@pytest.fixture()
def rules_copy(tmp_path: Path) -> Path:
    target = tmp_path / "rules"
    shutil.copytree(RULES, target)
    return target


def _problems(directory: Path) -> list[str]:
    with pytest.raises(RuleError) as info:
        load_ruleset(directory)
    return info.value.problems


def _line_of(path: Path, needle: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if needle in line:
            return number
    raise AssertionError(needle)


def test_shipped_rules_load() -> None:
    ruleset = load_ruleset(RULES)
    ids = ruleset.ids
    assert len(ids) == len(set(ids))
    balance = ruleset.get("applications.balance")
    assert balance is not None and balance.kind == "identity"
    assert balance.spec["right"] == ["results.total", "carried_forward"]
    assert set(balance.compiled) == {"2019", "2021"}


def test_misspelt_row_gets_suggestion_and_position(rules_copy: Path) -> None:
    path = rules_copy / "40-identities.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace(
            'right: ["results.total", carried_forward]', 'right: ["results.total", carried_forwad]'
        ),
        encoding="utf-8",
    )
    problems = _problems(rules_copy)
    line = _line_of(path, "carried_forwad]")
    hits = [p for p in problems if "carried_forwad" in p]
    assert hits, problems
    assert hits[0].startswith(f"{path}:{line}:")
    assert "是否为 carried_forward？" in hits[0]


def test_unknown_key_and_kind_reported_together(rules_copy: Path) -> None:
    path = rules_copy / "30-ranges.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("    severity: error\n", "    severty: error\n", 1)
    path.write_text(text, encoding="utf-8")
    other = rules_copy / "60-patterns.yaml"
    other.write_text(
        other.read_text(encoding="utf-8").replace("kind: pattern", "kind: patern", 1),
        encoding="utf-8",
    )
    problems = _problems(rules_copy)
    assert any(
        '未知的键 "severty"，是否为 severity？' in p and p.startswith(f"{path}:") for p in problems
    )
    assert any(
        '未知的规则类型 "patern"，是否为 pattern？' in p and p.startswith(f"{other}:")
        for p in problems
    )
    for problem in problems:
        assert re.match(r"^.+:\d+:\d+: ", problem), problem


def test_duplicate_key_and_duplicate_id(rules_copy: Path) -> None:
    path = rules_copy / "20-structure.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("    check: order\n", "    check: order\n    check: present\n", 1)
    text = text.replace("id: structure.section_order", "id: structure.sections")
    path.write_text(text, encoding="utf-8")
    problems = _problems(rules_copy)
    assert any('重复的键 "check"' in p for p in problems)
    assert any('规则编号 "structure.sections" 重复' in p for p in problems)


def test_row_only_in_other_format_is_explained(rules_copy: Path) -> None:
    path = rules_copy / "90-extra.yaml"
    path.write_text(
        """rules:
  - id: applications.fee_unpaid_zero
    kind: range
    table: applications
    rows: [results.other.fee_unpaid]
    title: 测试
    severity: warning
    formats: ["2019", "2021"]
    basis: 测试
    message: "{cell} {actual}"
    advice: 测试
""",
        encoding="utf-8",
    )
    problems = _problems(rules_copy)
    assert any(
        "格式 2019" in p and "results.other.fee_unpaid" in p and f"{path}:5:" in p for p in problems
    ), problems


def test_unknown_placeholder_and_bad_regex(rules_copy: Path) -> None:
    path = rules_copy / "50-crosschecks.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("{stated} 件", "{stated_value} 件", 1)
    text = text.replace("pattern: '行政复议(?:案件)?(\\d+)", "pattern: '行政复议(?:案件?(\\d+)", 1)
    path.write_text(text, encoding="utf-8")
    problems = _problems(rules_copy)
    assert any("未知的占位符 {stated_value}，是否为 stated？" in p for p in problems), problems
    assert any("正则表达式有误" in p for p in problems), problems


def test_yaml_syntax_error_has_position(rules_copy: Path) -> None:
    path = rules_copy / "60-patterns.yaml"
    path.write_text("rules:\n  - id: a.b\n    kind: [pattern\n", encoding="utf-8")
    problems = _problems(rules_copy)
    assert any(p.startswith(f"{path}:") and "YAML 语法错误" in p for p in problems)


def _extra(rules: Path, body: str) -> Path:
    path = rules / "90-extra.yaml"
    path.write_text("rules:\n" + body, encoding="utf-8")
    return path


_COMMON = """    title: 测试
    severity: warning
    basis: 测试
    advice: 测试
"""


def test_when_cell_is_resolved_with_position_and_suggestion(rules_copy: Path) -> None:
    path = _extra(
        rules_copy,
        """  - id: test.when_typo
    kind: pattern
    require: 收费通知
    when:
      - {cell: "applications:results.other.fee_unpayed.total", above: 0}
      - {cell: "applications:new_received.totl", at_least: 1}
    formats: ["2021"]
    message: "{when}"
"""
        + _COMMON,
    )
    problems = _problems(rules_copy)
    row = [p for p in problems if "fee_unpayed" in p]
    assert row and row[0].startswith(f"{path}:6:")
    assert "是否为 results.other.fee_unpaid？" in row[0]
    assert any(p.startswith(f"{path}:7:") and "是否为 total？" in p for p in problems), problems


def test_when_needs_exactly_one_operator(rules_copy: Path) -> None:
    path = _extra(
        rules_copy,
        """  - id: test.when_operators
    kind: pattern
    require: 收费通知
    when:
      - {cell: "applications:new_received.total", above: 0, below: 9}
      - {cell: "applications:new_received.total"}
      - {cell: "applications:new_received.total", more_than: 1}
    formats: ["2021"]
    message: 测试
"""
        + _COMMON,
    )
    problems = _problems(rules_copy)
    assert any(p.startswith(f"{path}:6:") and "只能写其中一个" in p for p in problems), problems
    assert any(p.startswith(f"{path}:7:") and "其中之一" in p for p in problems), problems
    assert any(p.startswith(f"{path}:8:") and "more_than" in p in p for p in problems)


def test_when_row_of_one_format_only_is_explained(rules_copy: Path) -> None:
    _extra(
        rules_copy,
        """  - id: test.when_format
    kind: pattern
    require: 收费通知
    when: [{cell: "applications:results.other.fee_unpaid.total", above: 0}]
    formats: ["2019", "2021"]
    message: 测试
"""
        + _COMMON,
    )
    problems = _problems(rules_copy)
    assert any("格式 2019" in p and "只有格式 2021 有" in p for p in problems), problems


def test_when_placeholder_needs_when(rules_copy: Path) -> None:
    _extra(
        rules_copy,
        """  - id: test.no_when
    kind: pattern
    require: 收费通知
    formats: ["2021"]
    message: "条件：{when}"
"""
        + _COMMON,
    )
    problems = _problems(rules_copy)
    assert any("{when} 只能用于写了 when: 的规则" in p for p in problems), problems


def test_relation_and_report_year_are_validated(rules_copy: Path) -> None:
    path = _extra(
        rules_copy,
        """  - id: test.bad_relation
    kind: identity
    table: applications
    left: [new_received]
    right: []
    relation: ">"
    formats: ["2021"]
    message: 测试
"""
        + _COMMON
        + """  - id: test.two_modes
    kind: crosscheck
    pattern: '统计期限为(\\d{4})年'
    report_year: same
    equals: ["applications:new_received.total"]
    formats: ["2021"]
    message: 测试
"""
        + _COMMON,
    )
    problems = _problems(rules_copy)
    assert any(p.startswith(f"{path}:7:") and '">"' in p for p in problems), problems
    assert any("只能写其中一个" in p and "report_year" in p for p in problems), problems


def test_less_or_equal_inequality_and_merging_into_a_root_cause(rules_copy: Path) -> None:
    from auditor.engine import audit_report
    from auditor.testing import clean_report

    _extra(
        rules_copy,
        """  - id: test.carried_forward_bound
    kind: identity
    table: applications
    per: row
    rows: [carried_forward]
    left: [total]
    right: [natural_person]
    relation: "<="
    formats: ["2021"]
    message: "{where}{terms}；“总计”{expected_text}，{relation}右边"
"""
        + _COMMON,
    )
    ruleset = load_ruleset(rules_copy)
    rule = ruleset.get("test.carried_forward_bound")
    assert rule is not None and rule.compiled["2021"].statement.endswith("≤ 「自然人」")
    cells = {
        "applications": {
            "new_received": {"natural_person": 1, "total": 1},
            "results.total": {"natural_person": 0, "total": 0},
            "carried_forward": {"natural_person": 1, "total": 1},
        }
    }
    quiet = audit_report(clean_report("2021", 2022, cells=cells), ruleset)
    assert "test.carried_forward_bound" not in [f.rule for f in quiet]
    cells["applications"]["carried_forward"]["total"] = 3
    findings = audit_report(clean_report("2021", 2022, cells=cells), ruleset)
    # The row total 3 ≠ 1 is the root cause: the inequality on the same (suspect) cell is merged.
    roots = [f for f in findings if f.rule == "applications.row_total"]
    assert [f.rule for f in findings if f.rule == "test.carried_forward_bound"] == []
    assert any("也不成立" in c for c in roots[0].consequences), roots
    rule_only = load_ruleset(rules_copy)
    rule_only.rules = [r for r in rule_only.rules if r.id == "test.carried_forward_bound"]
    (finding,) = audit_report(clean_report("2021", 2022, cells=cells), rule_only)
    assert "应 3 ≤ 1" in finding.message and "至多应为 1" in finding.message
    assert "不大于右边" in finding.message


def test_format_definition_mistakes_name_file_line_and_nearest_key(tmp_path):
    """Format files are rule files too: a misspelt key or column is reported, not a traceback."""
    import shutil

    from auditor.errors import RuleError
    from auditor.resources import shipped_rules_dir
    from auditor.rules.loader import load_ruleset as load

    rules = tmp_path / "rules"
    shutil.copytree(shipped_rules_dir(), rules)
    path = rules / "formats" / "f2021.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("{key: regulations, label: 规章,", "{key: regulations, lable: 规章,", 1)
    text = text.replace(
        'columns: [decisions], item: "(五)"', 'columns: [decision], item: "(五)"', 1
    )
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RuleError) as caught:
        load(rules)
    problems = "\n".join(caught.value.problems)
    assert "f2021.yaml:" in problems
    assert '未知的键 "lable"，是否为 label？' in problems
    assert '未知的列 "decision"，是否为 decisions？' in problems
