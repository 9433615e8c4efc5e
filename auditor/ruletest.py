"""Rule tests as data: ``<rules>/tests/*.yaml`` → small reports and the findings they must give.

A case is either ``file:`` (a report file, parsed) or cells and section text over
``clean_report(format, year)``. ``rule:``/``rules:`` put rules *in focus*: only their findings are
compared (and a case in focus that expects nothing from a rule is that rule's "quiet" case).
Without focus every finding is compared. ``expect: none`` means no finding at all.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from auditor.checks.refs import suggest
from auditor.engine import PARSE_FAILED, PARSE_UNREADABLE, audit_report
from auditor.formats import FormatDef
from auditor.model import Finding, Report
from auditor.rules.loader import rule_files
from auditor.rules.model import RuleSet
from auditor.rules.validate import file_validator, report_errors
from auditor.rules.yamlpos import Positioned, load_positioned
from auditor.testing.reports import build_report

BUILTIN_RULES = (PARSE_UNREADABLE, PARSE_FAILED)
_MATCH_KEYS = ("rule", "severity", "section", "table", "row", "column")


@dataclass(slots=True)
class Case:
    name: str
    origin: str  # FILE:LINE
    data: dict[str, Any]
    base_dir: Path
    focus: tuple[str, ...] | None
    expect: list[dict[str, Any]]


@dataclass(slots=True)
class CaseResult:
    case: Case
    passed: bool
    actual: list[Finding] = field(default_factory=list)
    missing: list[dict[str, Any]] = field(default_factory=list)
    unexpected: list[Finding] = field(default_factory=list)
    error: str | None = None


def tests_dir(ruleset: RuleSet) -> Path | None:
    return ruleset.directory / "tests" if ruleset.directory is not None else None


def load_cases(ruleset: RuleSet, directory: Path | None = None) -> tuple[list[Case], list[str]]:
    """Read every test file; return the cases and every problem (``FILE:LINE:COL: …``)."""
    directory = directory or tests_dir(ruleset)
    cases: list[Case] = []
    problems: list[str] = []
    if directory is None or not directory.is_dir():
        return cases, problems
    known = set(ruleset.ids) | set(BUILTIN_RULES)
    for path in rule_files(directory):
        source = load_positioned(path, str(path))
        if source.data is not None and not source.problems:
            if report_errors(file_validator("ruletest"), source.data, source, ()) == 0:
                for index, raw in enumerate(source.data["cases"]):
                    case = _case(source, ("cases", index), raw, ruleset, known, path.parent)
                    if case is not None:
                        cases.append(case)
        elif source.data is None and not source.problems:
            source.problem((), "文件是空的：应以 cases: 开头，列出测试用例")
        problems.extend(source.problems)
    return cases, problems


def _case(
    source: Positioned, path: tuple, raw: dict, ruleset: RuleSet, known: set[str], base: Path
) -> Case | None:
    before = len(source.problems)
    focus: tuple[str, ...] | None = None
    if "rule" in raw or "rules" in raw:
        names = [raw["rule"]] if "rule" in raw else list(raw["rules"])
        for i, name in enumerate(names):
            sub = (*path, "rule") if "rule" in raw else (*path, "rules", i)
            if name not in known:
                source.problem(sub, f'未知的规则编号 "{name}"{suggest(name, sorted(known))}')
        focus = tuple(names)
    expect = [] if raw["expect"] == "none" else list(raw["expect"])
    for i, item in enumerate(expect):
        if item["rule"] not in known:
            source.problem(
                (*path, "expect", i, "rule"),
                f'未知的规则编号 "{item["rule"]}"{suggest(item["rule"], sorted(known))}',
            )
        elif focus is not None and item["rule"] not in focus:
            source.problem(
                (*path, "expect", i, "rule"),
                f'规则 "{item["rule"]}" 不在本用例的 rule/rules 中，不会被比较',
            )
    fmt_id = str(raw.get("format", "2021"))
    fmt = ruleset.formats.get(fmt_id)
    if fmt is None:
        source.problem(
            (*path, "format"), f'未知的格式 "{fmt_id}"{suggest(fmt_id, ruleset.formats.ids())}'
        )
    else:
        _check_cells(source, (*path, "cells"), raw.get("cells"), fmt)
        prev = raw.get("previous") or {}
        prev_fmt = ruleset.formats.get(str(prev.get("format", fmt_id)))
        if prev_fmt is not None:
            _check_cells(source, (*path, "previous", "cells"), prev.get("cells"), prev_fmt)
        for key in raw.get("sections") or {}:
            if key not in fmt.section_keys:
                source.problem(
                    (*path, "sections", key),
                    f'未知的章节 "{key}"{suggest(key, fmt.section_keys)}',
                    key=True,
                )
    if "file" in raw and not (base / raw["file"]).is_file():
        source.problem((*path, "file"), f"找不到报告文件 {base / raw['file']}")
    if len(source.problems) != before:
        return None
    line = source.where(path).rsplit(":", 1)[0]
    return Case(raw["name"], line, raw, base, focus, expect)


def _check_cells(source: Positioned, path: tuple, cells: Any, fmt: FormatDef) -> None:
    if cells is None:
        return
    if not isinstance(cells, dict):
        source.problem(path, "cells 应写成 表 → 行 → 列: 数值")
        return
    for tkey, rows in cells.items():
        table = fmt.tables.get(tkey)
        if table is None:
            source.problem(
                (*path, tkey), f'未知的表 "{tkey}"{suggest(str(tkey), list(fmt.tables))}', key=True
            )
            continue
        if not isinstance(rows, dict):
            source.problem((*path, tkey), "应写成 行 → 列: 数值")
            continue
        for rkey, cols in rows.items():
            row = table.row(str(rkey))
            if row is None:
                source.problem(
                    (*path, tkey, rkey),
                    f'未知的行 "{rkey}"{suggest(str(rkey), table.row_keys)}',
                    key=True,
                )
                continue
            if not isinstance(cols, dict):
                source.problem((*path, tkey, rkey), "应写成 列: 数值")
                continue
            for ckey in cols:
                if ckey not in row.columns:
                    source.problem(
                        (*path, tkey, rkey, ckey),
                        f'行 "{rkey}" 没有列 "{ckey}"{suggest(str(ckey), list(row.columns))}',
                        key=True,
                    )


def build_case_reports(case: Case, ruleset: RuleSet) -> tuple[Report, Report | None]:
    raw = case.data
    fmt_id = str(raw.get("format", "2021"))
    year = raw.get("year", 2022 if fmt_id == "2021" else 2020)
    overrides: dict[str, Any] = {"formats": ruleset.formats}
    for key, target in (
        ("cells", "cells"),
        ("sections", "section_text"),
        ("drop_sections", "drop_sections"),
        ("drop_rows", "drop_rows"),
        ("drop_tables", "drop_tables"),
        ("unreadable", "unreadable"),
        ("extra_text", "extra_text"),
        ("section_order", "section_order"),
        ("headings", "headings"),
    ):
        if key in raw:
            overrides[target] = raw[key]
    fields = dict(raw.get("report") or {})
    if "published" in fields and fields["published"] is not None:
        fields["published"] = str(fields["published"])
    if fields.get("format") is not None:
        fields["format"] = str(fields["format"])
    if "file" in raw:
        report = _parse_file(case.base_dir / raw["file"], ruleset)
        for tkey, rows in (raw.get("cells") or {}).items():
            for rkey, cols in rows.items():
                report.tables.setdefault(tkey, {}).setdefault(rkey, {}).update(cols)
        for key, value in fields.items():
            setattr(report, key, value)
    else:
        report = build_report(fmt_id, year, **overrides, **fields)
    previous = None
    if "previous" in raw:
        prev = raw["previous"] or {}
        previous = build_report(
            str(prev.get("format", fmt_id)),
            prev.get("year", year - 1),
            formats=ruleset.formats,
            cells=prev.get("cells") or {},
        )
    return report, previous


def _parse_file(path: Path, ruleset: RuleSet) -> Report:
    try:
        parse = importlib.import_module("auditor.parse")
    except ImportError as exc:
        raise RuntimeError("报告解析模块（auditor.parse）尚不可用") from exc
    return parse.parse_path(path, formats=ruleset.formats, source=str(path))


def _matches(finding: Finding, expected: dict[str, Any]) -> bool:
    for key in _MATCH_KEYS:
        if key in expected and getattr(finding, key) != expected[key]:
            return False
    return "consequences" not in expected or len(finding.consequences) == expected["consequences"]


def run_case(case: Case, ruleset: RuleSet) -> CaseResult:
    try:
        report, previous = build_case_reports(case, ruleset)
    except Exception as exc:  # a broken case is a failed case, with the reason
        return CaseResult(case, False, error=f"无法构造报告：{exc}")
    findings = audit_report(report, ruleset, previous=previous)
    if case.focus is not None:
        findings = [f for f in findings if f.rule in case.focus]
    unmatched = list(findings)
    missing = []
    for expected in case.expect:
        hit = next((f for f in unmatched if _matches(f, expected)), None)
        if hit is None:
            missing.append(expected)
        else:
            unmatched.remove(hit)
    passed = not missing and not unmatched
    return CaseResult(case, passed, findings, missing, unmatched)


def coverage_problems(ruleset: RuleSet, cases: list[Case]) -> list[str]:
    """Every rule needs a case where it fires and a case (with it in focus) where it stays quiet."""
    fires: set[str] = set()
    quiet: set[str] = set()
    for case in cases:
        named = {e["rule"] for e in case.expect}
        fires |= named
        if case.focus is not None:
            quiet |= set(case.focus) - named
    problems = []
    for rule in ruleset.rules:
        lacks = []
        if rule.id not in fires:
            lacks.append("触发的用例（expect 中列出该规则）")
        if rule.id not in quiet:
            lacks.append("不触发的用例（rule: 为该规则且 expect 中没有它）")
        if lacks:
            problems.append(
                f"{rule.file}:{rule.line}:1: 规则 {rule.id} 缺少测试：{'；'.join(lacks)}"
            )
    return problems


def describe_expected(item: dict[str, Any]) -> str:
    parts = [item["rule"]]
    names = {
        "section": "章节",
        "table": "表",
        "row": "行",
        "column": "列",
        "severity": "级别",
        "consequences": "连带",
    }
    parts += [f"{names[k]}={item[k]}" for k in names if k in item]
    return " ".join(parts)


def describe_finding(finding: Finding, with_message: bool = True) -> str:
    parts = [finding.rule]
    for key, name in (("section", "章节"), ("table", "表"), ("row", "行"), ("column", "列")):
        value = getattr(finding, key)
        if value is not None:
            parts.append(f"{name}={value}")
    parts.append(f"级别={finding.severity}")
    if finding.consequences:
        parts.append(f"连带={len(finding.consequences)}")
    text = " ".join(parts)
    return f"{text}：{finding.message}" if with_message else text


def format_failure(result: CaseResult) -> str:
    case = result.case
    lines = [f"✗ {case.origin}「{case.name}」"]
    if result.error:
        lines.append(f"    {result.error}")
        return "\n".join(lines)
    focus = f"（只比较规则：{'、'.join(case.focus)}）" if case.focus else "（比较全部发现）"
    lines.append(f"    期望的发现{focus}：")
    lines += [f"      {describe_expected(e)}" for e in case.expect] or ["      （无）"]
    lines.append("    实际的发现：")
    lines += [f"      {describe_finding(f)}" for f in result.actual] or ["      （无）"]
    lines.append("    差异：")
    lines += [f"    - 缺少：{describe_expected(e)}" for e in result.missing]
    lines += [f"    + 多出：{describe_finding(f)}" for f in result.unexpected]
    return "\n".join(lines)


def run_all(ruleset: RuleSet, directory: Path | None = None) -> tuple[list[CaseResult], list[str]]:
    cases, problems = load_cases(ruleset, directory)
    if problems:
        return [], problems
    return [run_case(case, ruleset) for case in cases], []
