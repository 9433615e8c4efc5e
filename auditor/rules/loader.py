"""Load and check rule files: ``rules/*.yaml`` → a ``RuleSet``, or every problem at once.

Each problem is one line ``FILE:LINE:COL: 中文说明``; the loader never stops at the first one.
A rule mistake is always a load problem (``RuleError``), never a finding on a report.
"""

from __future__ import annotations

import re
import string
from contextlib import suppress
from pathlib import Path
from typing import Any

from auditor.checks import KINDS
from auditor.checks.base import COMMON_PLACEHOLDERS, CompileContext
from auditor.checks.refs import suggest
from auditor.errors import RuleError
from auditor.formats import FormatSet, load_formats
from auditor.resources import formats_dir, shipped_rules_dir
from auditor.rules.conditions import compile_conditions
from auditor.rules.model import Rule, RuleSet
from auditor.rules.validate import file_validator, report_errors, rule_validator
from auditor.rules.yamlpos import Positioned, load_positioned

COMMON_KEYS = (
    "id",
    "kind",
    "title",
    "severity",
    "formats",
    "basis",
    "message",
    "advice",
    "years",
    "agencies",
    "note",
    "when",
)
TOP_LEVEL_KEYS = ("rules", "note")


def rule_files(directory: Path) -> list[Path]:
    return sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")])


def load_ruleset(rules_dir: Path | str | None = None) -> RuleSet:
    """Load every rule file of ``rules_dir`` (default: the shipped rules); raise ``RuleError``."""
    directory = Path(rules_dir) if rules_dir is not None else shipped_rules_dir()
    if not directory.is_dir():
        raise RuleError([f"{directory}: 规则目录不存在"])
    formats = _load_formats(directory)
    problems: list[str] = []
    rules: list[Rule] = []
    seen: dict[str, str] = {}
    files = rule_files(directory)
    if not files:
        problems.append(f"{directory}: 目录中没有规则文件（*.yaml）")
    for path in files:
        source = load_positioned(path, str(path))
        rules.extend(_rules_of(source, formats, seen, len(rules)))
        problems.extend(source.problems)
    if problems:
        raise RuleError(problems)
    return RuleSet(rules=rules, formats=formats, directory=directory, files=[str(p) for p in files])


def check_format_files(where: Path) -> list[str]:
    """Problems in the format definitions, as ``FILE:LINE:COL: message`` lines (Chinese)."""
    problems: list[str] = []
    for path in sorted(where.glob("*.yaml")):
        source = load_positioned(path)
        problems.extend(source.problems)
        data = source.data
        if source.problems or data is None:
            continue
        report_errors(file_validator("format_definition"), data, source, ())
        for key, table in (data.get("tables") or {}).items():
            with suppress(KeyError, TypeError, AttributeError):  # shape errors are reported above
                sections = [s["key"] for s in data["sections"]]
                _check_table_refs(source, ("tables", key), table, sections)
        problems.extend(source.problems)
    return problems


def _check_table_refs(source: Positioned, path: tuple, table: dict, sections: list[str]) -> None:
    """Every column a row names, the total column and the section must exist."""
    columns = [c["key"] for c in table["columns"]]
    if table["section"] not in sections:
        source.problem(
            (*path, "section"),
            f'未知的章节 "{table["section"]}"{suggest(table["section"], sections)}',
        )
    if "total_column" in table and table["total_column"] not in columns:
        name = table["total_column"]
        source.problem((*path, "total_column"), f'未知的列 "{name}"{suggest(name, columns)}')
    for index, row in enumerate(table["rows"]):
        for position, column in enumerate(row.get("columns", [])):
            if column not in columns:
                source.problem(
                    (*path, "rows", index, "columns", position),
                    f'未知的列 "{column}"{suggest(column, columns)}',
                )


def _load_formats(directory: Path) -> FormatSet:
    where = formats_dir(directory)
    problems = check_format_files(where)
    if problems:
        raise RuleError(problems)
    try:
        formats = load_formats(where)
    except Exception as exc:  # a broken format file is reported, not raised as a traceback
        raise RuleError([f"{where}: 格式定义无法读取（{type(exc).__name__}: {exc}）"]) from exc
    if not formats.formats:
        raise RuleError([f"{where}: 没有找到格式定义（f2019.yaml、f2021.yaml）"])
    return formats


def _rules_of(
    source: Positioned, formats: FormatSet, seen: dict[str, str], offset: int
) -> list[Rule]:
    data = source.data
    if data is None:
        if not source.problems:
            source.problem((), "文件是空的：应以 rules: 开头，列出规则")
        return []
    if not isinstance(data, dict):
        source.problem((), "文件应以 rules: 开头，下面是规则列表")
        return []
    for key in data:
        if key not in TOP_LEVEL_KEYS:
            source.problem((key,), f'未知的键 "{key}"{suggest(str(key), TOP_LEVEL_KEYS)}', key=True)
    items = data.get("rules")
    if not isinstance(items, list):
        source.problem(
            ("rules",) if "rules" in data else (), "缺少规则列表 rules:（每条规则以 - 开头）"
        )
        return []
    result = []
    for index, raw in enumerate(items):
        rule = _rule(source, ("rules", index), raw, formats, seen, offset + len(result))
        if rule is not None:
            result.append(rule)
    return result


def _rule(
    source: Positioned, path: tuple, raw: Any, formats: FormatSet, seen: dict[str, str], index: int
) -> Rule | None:
    if not isinstance(raw, dict):
        source.problem(path, "每条规则应是键值映射（id:、kind: …）")
        return None
    kind = raw.get("kind")
    if kind not in KINDS:
        if kind is None:
            source.problem(path, '缺少必填的键 "kind"')
        else:
            source.problem(
                (*path, "kind"), f'未知的规则类型 "{kind}"{suggest(str(kind), list(KINDS))}'
            )
        return None
    if report_errors(rule_validator(kind), raw, source, path):
        return None
    before = len(source.problems)
    rule_id = raw["id"]
    where = source.where((*path, "id"))
    if rule_id in seen:
        source.problem((*path, "id"), f'规则编号 "{rule_id}" 重复（{seen[rule_id]} 已使用）')
    else:
        seen[rule_id] = where
    format_ids = tuple(str(f) for f in raw["formats"])
    for i, fid in enumerate(format_ids):
        if fid not in formats.formats:
            source.problem(
                (*path, "formats", i), f'未知的格式 "{fid}"{suggest(fid, formats.ids())}'
            )
    years = raw.get("years") or {}
    if years.get("from") and years.get("to") and years["from"] > years["to"]:
        source.problem((*path, "years"), "years 的 from 不能大于 to")
    agency_match, agency_except = _agency_patterns(source, path, raw.get("agencies") or {})
    module = KINDS[kind]
    _check_placeholders(source, (*path, "message"), raw["message"], module.PLACEHOLDERS)
    if not raw.get("when") and re.search(r"\{when[}.\[!:]", raw["message"]):
        source.problem((*path, "message"), "占位符 {when} 只能用于写了 when: 的规则")
    line = int(where.rsplit(":", 2)[-2])
    rule = Rule(
        id=rule_id,
        kind=kind,
        title=raw["title"],
        severity=raw["severity"],
        formats=format_ids,
        basis=raw["basis"],
        message=raw["message"],
        advice=raw["advice"],
        spec={k: v for k, v in raw.items() if k not in COMMON_KEYS},
        year_from=years.get("from"),
        year_to=years.get("to"),
        agency_match=agency_match,
        agency_except=agency_except,
        file=source.file,
        line=line,
        index=index,
    )
    for fid in format_ids:
        fmt = formats.formats.get(fid)
        if fmt is None:
            continue
        ctx = CompileContext(
            fmt=fmt, formats=formats, source=source, path=path, problems=source.problems
        )
        compiled = module.compile(rule, ctx)
        if compiled is not None:
            rule.compiled[fid] = compiled
        if raw.get("when"):
            rule.conditions[fid] = compile_conditions(ctx, raw["when"])
    return rule if len(source.problems) == before else None


def _check_placeholders(source: Positioned, path: tuple, message: str, own: dict[str, str]) -> None:
    allowed = {**COMMON_PLACEHOLDERS, **own}
    try:
        fields = [
            name for _, name, spec, _ in string.Formatter().parse(message) if name is not None
        ]
    except ValueError:
        source.problem(path, "message 中的花括号不成对（要显示花括号本身请写 {{ 和 }}）")
        return
    for name in fields:
        base = name.split(".")[0].split("[")[0]
        if base not in allowed:
            hint = suggest(base, list(allowed)) or f"（可用：{'、'.join(sorted(allowed))}）"
            source.problem(path, f"未知的占位符 {{{name}}}{hint}")


def _agency_patterns(
    source: Positioned, path: tuple, agencies: dict
) -> tuple[re.Pattern[str] | None, re.Pattern[str] | None]:
    compiled: list[re.Pattern[str] | None] = []
    for key in ("match", "except"):
        text = agencies.get(key)
        if text is None:
            compiled.append(None)
            continue
        try:
            compiled.append(re.compile(text))
        except re.error as error:
            source.problem((*path, "agencies", key), f"正则表达式写法有误：{error}")
            compiled.append(None)
    return compiled[0], compiled[1]
