"""``waivers.yaml``: findings an auditor has accepted, with a reason, an approver and an expiry.

A waiver matches a finding by rule id, agency (normalised), year and location (table / row /
column / section); a field left out matches anything. Line numbers are never used: they move
whenever the report is re-published. Waived findings are kept and listed separately; they only
stop counting toward ``--fail-on``. Waivers that matched nothing or have expired are reported.
"""

from __future__ import annotations

import datetime as dt
import difflib
import fnmatch
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from auditor.agency import agency_key
from auditor.engine import ENGINE_RULES
from auditor.errors import AuditorError
from auditor.model import Finding

REQUIRED = ("rule", "reason", "approved_by")
OPTIONAL = ("agency", "year", "table", "row", "column", "section", "expires")
LOCATION = ("table", "row", "column", "section")


class WaiverError(AuditorError):
    """``waivers.yaml`` is broken; ``problems`` holds one ``FILE:LINE:COL: 说明`` per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True, slots=True)
class Waiver:
    index: int  # position in the file, 1-based
    line: int  # line of the entry in the file, 1-based
    rule: str
    reason: str
    approved_by: str
    agency: str | None = None  # normalised with agency_key
    year: int | None = None
    table: str | None = None
    row: str | None = None
    column: str | None = None
    section: str | None = None
    expires: dt.date | None = None
    agency_label: str | None = None  # as written in the file

    def expired(self, today: dt.date) -> bool:
        return self.expires is not None and today > self.expires

    def matches(self, finding: Finding, agency: str | None, year: int | None) -> bool:
        if not (finding.rule == self.rule or fnmatch.fnmatchcase(finding.rule, self.rule)):
            return False
        if self.agency is not None and self.agency != agency:
            return False
        if self.year is not None and self.year != year:
            return False
        return all(
            getattr(self, name) is None or getattr(self, name) == getattr(finding, name)
            for name in LOCATION
        )

    def record(self) -> dict[str, Any]:
        """What a waived finding carries in findings.json and in the memo."""
        return {
            "reason": self.reason,
            "approved_by": self.approved_by,
            "expires": self.expires.isoformat() if self.expires else None,
            "waiver": self.index,
            "line": self.line,
        }

    def describe(self) -> str:
        parts = [f"规则 {self.rule}"]
        if self.agency_label:
            parts.append(f"单位 {self.agency_label}")
        if self.year is not None:
            parts.append(f"{self.year} 年")
        for name in LOCATION:
            value = getattr(self, name)
            if value is not None:
                parts.append(f"{name}={value}")
        return "，".join(parts)


@dataclass(slots=True)
class WaiverSet:
    path: str = ""
    waivers: list[Waiver] = field(default_factory=list)
    today: dt.date = field(default_factory=dt.date.today)
    _by_rule: dict[str, list[Waiver]] | None = field(default=None, repr=False, compare=False)
    _patterns: list[Waiver] = field(default_factory=list, repr=False, compare=False)

    def apply(
        self, findings: Iterable[Finding], agency: str | None, year: int | None
    ) -> tuple[list[Finding], list[Finding], dict[int, int], dict[int, int]]:
        """Split findings into (active, waived); also count hits per waiver index.

        Returns ``(active, waived, hits, expired_hits)``; ``expired_hits`` counts findings an
        expired waiver would have matched (they stay active).
        """
        key = agency_key(agency)
        active: list[Finding] = []
        waived: list[Finding] = []
        hits: dict[int, int] = {}
        expired_hits: dict[int, int] = {}
        for finding in findings:
            chosen = None
            for waiver in self._candidates(finding.rule):
                if not waiver.matches(finding, key, year):
                    continue
                if waiver.expired(self.today):
                    expired_hits[waiver.index] = expired_hits.get(waiver.index, 0) + 1
                    continue
                chosen = waiver
                break
            if chosen is None:
                active.append(finding)
            else:
                hits[chosen.index] = hits.get(chosen.index, 0) + 1
                finding.waiver = chosen.record()
                waived.append(finding)
        return active, waived, hits, expired_hits

    def _candidates(self, rule: str) -> list[Waiver]:
        """Waivers that may match this rule id, in file order (the first match wins)."""
        if self._by_rule is None:
            by_rule: dict[str, list[Waiver]] = {}
            patterns: list[Waiver] = []
            for waiver in self.waivers:
                if any(ch in waiver.rule for ch in "*?["):
                    patterns.append(waiver)
                else:
                    by_rule.setdefault(waiver.rule, []).append(waiver)
            self._by_rule, self._patterns = by_rule, patterns
        exact = self._by_rule.get(rule, [])
        if not self._patterns:
            return exact
        return sorted([*exact, *self._patterns], key=lambda w: w.index)

    def expired(self) -> list[Waiver]:
        return [w for w in self.waivers if w.expired(self.today)]

    def unmatched(self, hits: dict[int, int]) -> list[Waiver]:
        """Waivers still in force that matched no finding in the batch."""
        return [w for w in self.waivers if not w.expired(self.today) and not hits.get(w.index)]

    def location(self, waiver: Waiver) -> str:
        return f"{self.path}:{waiver.line}"


def load_waivers(path: Path | None, today: dt.date | None = None, ruleset: Any = None) -> WaiverSet:
    """Read a waivers file; ``None`` gives an empty set.

    Raises ``WaiverError`` listing every problem of the file at once (``FILE:LINE:COL: 说明``).
    With ``ruleset`` (the rules the batch runs with), rule ids and table / row / column /
    section keys are checked against it, with a "是否为 …？" suggestion for a likely typo.
    """
    today = today or dt.date.today()
    if path is None:
        return WaiverSet(today=today)
    name = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise WaiverError([f"{name}: 无法读取豁免文件（{exc.strerror or exc}）"]) from None
    except UnicodeDecodeError:
        raise WaiverError([f"{name}: 豁免文件不是 UTF-8 编码，请用 UTF-8 保存"]) from None
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{name}:{mark.line + 1}:{mark.column + 1}" if mark else name
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise WaiverError([f"{where}: YAML 格式错误（{problem}），请检查缩进和冒号"]) from None
    result = WaiverSet(path=name, today=today)
    if root is None:
        return result
    reader = _Reader(name, Vocabulary.of(ruleset) if ruleset is not None else None)
    for index, node in enumerate(reader.entries(root), start=1):
        waiver = reader.waiver(node, index)
        if waiver is not None:
            result.waivers.append(waiver)
    if reader.problems:
        raise WaiverError(reader.problems)
    return result


# Findings the engine itself makes (not from a rule file); a waiver may name them.
_WILDCARD = "*?["


@dataclass(slots=True)
class Vocabulary:
    """What a waiver may name: rule ids and the format definitions' keys."""

    rules: list[str]
    tables: list[str]
    sections: list[str]
    rows: dict[str, list[str]]  # table → row keys (all formats)
    columns: dict[str, list[str]]  # table → column keys (all formats)

    @classmethod
    def of(cls, ruleset: Any) -> Vocabulary:
        rules = [str(rule.id) for rule in getattr(ruleset, "rules", [])]
        rules += [rule for rule in ENGINE_RULES if rule not in rules]
        formats = getattr(ruleset, "formats", None)
        tables: dict[str, None] = {}
        sections: dict[str, None] = {}
        rows: dict[str, dict[str, None]] = {}
        columns: dict[str, dict[str, None]] = {}
        for fmt_id in sorted(getattr(formats, "formats", {}) or {}):
            fmt = formats.formats[fmt_id]
            for section in fmt.sections:
                sections[section.key] = None
            for table in fmt.tables.values():
                tables[table.key] = None
                rows.setdefault(table.key, {}).update((row.key, None) for row in table.rows)
                columns.setdefault(table.key, {}).update((key, None) for key in table.columns)
        return cls(
            rules=rules,
            tables=list(tables),
            sections=list(sections),
            rows={key: list(value) for key, value in rows.items()},
            columns={key: list(value) for key, value in columns.items()},
        )


def _suggest(value: str, choices: list[str], list_all: int = 12) -> str:
    close = difflib.get_close_matches(value, choices, n=1, cutoff=0.6)
    if close:
        return f"，是否为 {close[0]}？"
    if choices and len(choices) <= list_all:
        return f"；可用的有：{'、'.join(choices)}"
    return ""


class _Reader:
    """Reads entries, collecting every problem instead of stopping at the first."""

    def __init__(self, name: str, vocabulary: Vocabulary | None) -> None:
        self.name = name
        self.vocabulary = vocabulary
        self._found: list[tuple[int, int, str]] = []

    @property
    def problems(self) -> list[str]:
        """Every problem, in file order."""
        return [
            f"{self.name}:{line}:{column}: {text}" for line, column, text in sorted(self._found)
        ]

    def problem(self, node: yaml.Node, text: str) -> None:
        mark = node.start_mark
        self._found.append((mark.line + 1, mark.column + 1, text))

    def entries(self, root: yaml.Node) -> list[yaml.Node]:
        if isinstance(root, yaml.SequenceNode):
            return list(root.value)
        if not isinstance(root, yaml.MappingNode):
            self.problem(root, "豁免文件应以 waivers: 开头，下面是豁免列表")
            return []
        found: list[yaml.Node] = []
        for key_node, value_node in root.value:
            if key_node.value != "waivers":
                self.problem(key_node, f"未知的顶层字段 {key_node.value!r}，应为 waivers")
                continue
            if isinstance(value_node, yaml.ScalarNode) and value_node.value in ("", "~", "null"):
                continue
            if not isinstance(value_node, yaml.SequenceNode):
                self.problem(value_node, "waivers 下应是一个列表（每项以 - 开头）")
                continue
            found = list(value_node.value)
        return found

    def waiver(self, node: yaml.Node, index: int) -> Waiver | None:
        before = len(self._found)
        if not isinstance(node, yaml.MappingNode):
            self.problem(node, f"第 {index} 条豁免应是“字段: 值”的形式")
            return None
        values: dict[str, Any] = {}
        nodes: dict[str, yaml.Node] = {}
        suggested: set[str] = set()  # a misspelt key already told; not "missing" as well
        for key_node, value_node in node.value:
            key = str(key_node.value)
            if key not in REQUIRED + OPTIONAL:
                close = difflib.get_close_matches(key, REQUIRED + OPTIONAL, n=1)
                suggested.update(close)
                hint = (
                    f"，是否想写 {close[0]}？"
                    if close
                    else f"；可用字段：{', '.join(REQUIRED + OPTIONAL)}"
                )
                self.problem(key_node, f"第 {index} 条豁免有未知字段 {key!r}{hint}")
                continue
            if not isinstance(value_node, yaml.ScalarNode):
                self.problem(value_node, f"字段 {key} 应是单个值，不能是列表或下级字段")
                continue
            values[key] = _scalar(value_node)
            nodes[key] = value_node
        for key in REQUIRED:
            value = values.get(key)
            if (value is None or not str(value).strip()) and key not in suggested:
                self.problem(nodes.get(key, node), f"第 {index} 条豁免缺少必填字段 {key}")
        year = values.get("year")
        if year is not None and (isinstance(year, bool) or not isinstance(year, int)):
            self.problem(nodes["year"], "year 应是四位年份，例如 2023")
        expires = values.get("expires")
        if expires is not None:
            expires = _date(expires)
            if expires is None:
                self.problem(
                    nodes["expires"],
                    f"expires 应是日期（YYYY-MM-DD），例如 2025-12-31；"
                    f"“{nodes['expires'].value}” 不是有效的日期",
                )
        if self.vocabulary is not None:
            self._check_names(values, nodes)
        if len(self._found) > before:
            return None
        agency = values.get("agency")
        return Waiver(
            index=index,
            line=node.start_mark.line + 1,
            rule=str(values["rule"]).strip(),
            reason=str(values["reason"]).strip(),
            approved_by=str(values["approved_by"]).strip(),
            agency=agency_key(str(agency)) if agency is not None else None,
            agency_label=str(agency) if agency is not None else None,
            year=year,
            expires=expires,
            **{k: (str(values[k]) if values.get(k) is not None else None) for k in LOCATION},
        )

    def _check_names(self, values: dict[str, Any], nodes: dict[str, yaml.Node]) -> None:
        """Rule id and location keys must exist in the rule set (typos never match anything)."""
        vocabulary = self.vocabulary
        assert vocabulary is not None
        rule = values.get("rule")
        if rule is not None and str(rule).strip():
            rule = str(rule).strip()
            if not any(ch in rule for ch in _WILDCARD) and rule not in vocabulary.rules:
                self.problem(
                    nodes["rule"], f"规则集中没有规则 {rule}{_suggest(rule, vocabulary.rules, 0)}"
                )
        table = _text(values.get("table"))
        if table is not None and table not in vocabulary.tables:
            self.problem(nodes["table"], f"没有表 {table}{_suggest(table, vocabulary.tables)}")
            table = None
        for key, what, by_table in (
            ("row", "行", vocabulary.rows),
            ("column", "列", vocabulary.columns),
        ):
            value = _text(values.get(key))
            if value is None:
                continue
            if table is not None:
                choices = by_table.get(table, [])
                scope = f"表 {table} 中"
            else:
                choices = list(dict.fromkeys(k for keys in by_table.values() for k in keys))
                scope = "各表中都"
            if value not in choices:
                self.problem(nodes[key], f"{scope}没有{what} {value}{_suggest(value, choices)}")
        section = _text(values.get("section"))
        if section is not None and section not in vocabulary.sections:
            self.problem(
                nodes["section"], f"没有章节 {section}{_suggest(section, vocabulary.sections)}"
            )


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _scalar(node: yaml.ScalarNode) -> Any:
    """The value as YAML reads it; text as written when YAML cannot (e.g. ``2030-13-01``)."""
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_object(node, deep=True)
    except (ValueError, yaml.YAMLError):
        return node.value
    finally:
        loader.dispose()


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        return None
