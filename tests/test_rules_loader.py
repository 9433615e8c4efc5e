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
