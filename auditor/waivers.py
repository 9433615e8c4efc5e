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
from auditor.errors import AuditorError
from auditor.model import Finding

REQUIRED = ("rule", "reason", "approved_by")
OPTIONAL = ("agency", "year", "table", "row", "column", "section", "expires")
LOCATION = ("table", "row", "column", "section")


class WaiverError(AuditorError):
    """``waivers.yaml`` is broken; the message names the file and line."""


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


def load_waivers(path: Path | None, today: dt.date | None = None) -> WaiverSet:
    """Read a waivers file; ``None`` gives an empty set. Raises ``WaiverError`` naming file:line."""
    today = today or dt.date.today()
    if path is None:
        return WaiverSet(today=today)
    name = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise WaiverError(f"{name}: 无法读取豁免文件（{exc.strerror or exc}）") from None
    except UnicodeDecodeError:
        raise WaiverError(f"{name}: 豁免文件不是 UTF-8 编码，请用 UTF-8 保存") from None
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{name}:{mark.line + 1}:{mark.column + 1}" if mark else name
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise WaiverError(f"{where}: YAML 格式错误（{problem}），请检查缩进和冒号") from None
    result = WaiverSet(path=name, today=today)
    if root is None:
        return result
    entries = _entries_node(root, name)
    for index, node in enumerate(entries, start=1):
        result.waivers.append(_waiver_from_node(node, index, name))
    return result


def _entries_node(root: yaml.Node, name: str) -> list[yaml.Node]:
    if isinstance(root, yaml.MappingNode):
        for key_node, value_node in root.value:
            if key_node.value == "waivers":
                if isinstance(value_node, yaml.ScalarNode) and value_node.value in (
                    "",
                    "~",
                    "null",
                ):
                    return []
                if not isinstance(value_node, yaml.SequenceNode):
                    raise WaiverError(
                        f"{name}:{value_node.start_mark.line + 1}: waivers 下应是一个列表（每项以 - 开头）"
                    )
                return list(value_node.value)
            raise WaiverError(
                f"{name}:{key_node.start_mark.line + 1}: 未知的顶层字段 {key_node.value!r}，应为 waivers"
            )
        return []
    if isinstance(root, yaml.SequenceNode):
        return list(root.value)
    raise WaiverError(
        f"{name}:{root.start_mark.line + 1}: 豁免文件应以 waivers: 开头，下面是豁免列表"
    )


def _scalar(node: yaml.Node) -> Any:
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_object(node, deep=True)
    finally:
        loader.dispose()


def _waiver_from_node(node: yaml.Node, index: int, name: str) -> Waiver:
    line = node.start_mark.line + 1
    if not isinstance(node, yaml.MappingNode):
        raise WaiverError(f"{name}:{line}: 第 {index} 条豁免应是“字段: 值”的形式")
    values: dict[str, Any] = {}
    lines: dict[str, int] = {}
    for key_node, value_node in node.value:
        key = str(key_node.value)
        key_line = key_node.start_mark.line + 1
        if key not in REQUIRED + OPTIONAL:
            close = difflib.get_close_matches(key, REQUIRED + OPTIONAL, n=1)
            hint = (
                f"，是否想写 {close[0]}？"
                if close
                else f"；可用字段：{', '.join(REQUIRED + OPTIONAL)}"
            )
            raise WaiverError(f"{name}:{key_line}: 未知字段 {key!r}{hint}")
        if not isinstance(value_node, yaml.ScalarNode):
            raise WaiverError(f"{name}:{key_line}: 字段 {key} 应是单个值")
        values[key] = _scalar(value_node)
        lines[key] = key_line
    for key in REQUIRED:
        value = values.get(key)
        if value is None or not str(value).strip():
            raise WaiverError(f"{name}:{line}: 第 {index} 条豁免缺少必填字段 {key}")
    year = values.get("year")
    if year is not None and (isinstance(year, bool) or not isinstance(year, int)):
        raise WaiverError(f"{name}:{lines['year']}: year 应是四位年份，例如 2023")
    expires = values.get("expires")
    if expires is not None:
        expires = _date(expires, f"{name}:{lines['expires']}")
    agency = values.get("agency")
    return Waiver(
        index=index,
        line=line,
        rule=str(values["rule"]).strip(),
        reason=str(values["reason"]).strip(),
        approved_by=str(values["approved_by"]).strip(),
        agency=agency_key(str(agency)) if agency is not None else None,
        agency_label=str(agency) if agency is not None else None,
        year=year,
        expires=expires,
        **{k: (str(values[k]) if values.get(k) is not None else None) for k in LOCATION},
    )


def _date(value: Any, where: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise WaiverError(f"{where}: expires 应是日期，格式 YYYY-MM-DD，例如 2025-12-31") from None
