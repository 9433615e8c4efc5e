"""What every check module shares: compile context, evaluation context, outcomes, labels.

A check module exposes ``PLACEHOLDERS`` (message fields it fills, with a Chinese description),
``STRUCTURAL`` (True when it also applies to reports whose format was not recognised),
``compile(rule, ctx) -> compiled`` (resolve names against one format definition, report
problems through ``ctx``) and ``evaluate(rule, compiled, ev) -> list[Outcome]``.
``audit_report`` keeps the findings of the outcomes; ``explain_report`` shows all of them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from auditor.formats import FormatDef, FormatSet, TableDef
from auditor.model import Finding, Number, Report, Unreadable
from auditor.rules.model import Rule
from auditor.rules.yamlpos import Positioned

COMMON_PLACEHOLDERS = {
    "agency": "单位名称",
    "year": "报告年度",
    "rule_title": "规则标题",
    "when": "规则的适用条件（when）及其实际数值，如 「2.申请人逾期未按收费通知要求缴纳费用…」总计 = 7",
}


@dataclass(slots=True)
class CompileContext:
    """Resolves a rule's names against one format; problems point into the rule file."""

    fmt: FormatDef
    formats: FormatSet
    source: Positioned
    path: tuple[Any, ...]  # path of the rule in its file, e.g. ("rules", 3)
    problems: list[str]

    def problem(self, subpath: tuple[Any, ...], message: str) -> None:
        line = f"{self.source.where((*self.path, *subpath))}: {message}"
        if line not in self.problems:
            self.problems.append(line)


@dataclass(slots=True)
class OperandValue:
    """One operand of an identity as explain shows it."""

    label: str
    table: str
    row: str
    column: str
    value: Number | None
    line: int | None
    sign: int = 1
    unreadable: str | None = None  # the parser's reason, when the cell could not be read
    missing: bool = False


@dataclass(slots=True)
class Outcome:
    status: str  # "pass" | "fire" | "skip" | "consequence"
    where: str = ""
    reason: str = ""
    finding: Finding | None = None
    details: list[str] = field(default_factory=list)
    operands: list[OperandValue] = field(default_factory=list)
    computed: Any = None
    stated: Any = None


class Values(dict):
    """Message fields; a field an outcome has no value for shows as "（无）"."""

    def __missing__(self, key: str) -> str:
        return "（无）"


@dataclass(slots=True)
class EvalContext:
    report: Report
    fmt: FormatDef | None
    formats: FormatSet
    previous: Report | None = None
    explain: bool = False  # build every outcome's details (audit_report only needs findings)
    when: str = ""  # the rule's ``when:`` conditions with their values, while it is evaluated
    # cell (table, row, column) → the finding of the broken identity that made it suspect
    suspects: dict[tuple[str, str, str], Finding] = field(default_factory=dict)
    _unreadable: dict[tuple[str, str, str], Unreadable] | None = None
    _sentences: dict[tuple[str, ...], list[tuple[str, int]]] = field(default_factory=dict)

    def unreadable(self, table: str, row: str, column: str) -> Unreadable | None:
        index = self._unreadable
        if index is None:
            index = {}
            for item in self.report.unreadable:
                index.setdefault((item.table, item.row, item.column), item)
            self._unreadable = index
        if not index:
            return None
        return index.get((table, row, column)) or index.get((table, row, "*"))

    def cell(self, table: str, row: str, column: str) -> Number | None:
        return self.report.tables.get(table, {}).get(row, {}).get(column)

    def row_line(self, table: str, row: str) -> int | None:
        return self.report.row_lines.get(f"{table}:{row}")

    def sentences(self, sections: tuple[str, ...]) -> list[tuple[str, int]]:
        """Sentences (text, offset in Report.text) of the given sections (all text if empty)."""
        cached = self._sentences.get(sections)
        if cached is not None:
            return cached
        report = self.report
        spans: list[tuple[int, int]] = []
        if sections:
            for key in sections:
                info = report.sections.get(key)
                if info is not None:
                    spans.append((info.start, info.end if info.end >= 0 else len(report.text)))
        else:
            spans.append((0, len(report.text)))
        result: list[tuple[str, int]] = []
        for start, end in spans:
            chunk = report.text[start:end]
            for match in _SENTENCE.finditer(chunk):
                if match.group().strip():
                    result.append((match.group(), start + match.start()))
        self._sentences[sections] = result
        return result

    def matching_sentences(
        self, pattern: re.Pattern[str], sections: tuple[str, ...]
    ) -> Iterator[tuple[str, int]]:
        """The sentences of ``sentences(sections)`` in which ``pattern`` matches, found without
        splitting the whole text: search, take the sentence around the match, go on after it."""
        text = self.report.text
        for start, end in self._spans(sections):
            pos = start
            while pos < end:
                found = pattern.search(text, pos, end)
                if found is None:
                    break
                at = found.start()
                first = max(start, *(text.rfind(c, start, at) + 1 for c in _STOPS))
                stop = _STOP.search(text, at, end)
                last = stop.start() if stop is not None else end
                if last == at:  # an empty match on a stop character
                    pos = at + 1
                    continue
                sentence = text[first:last]
                if sentence.strip():
                    yield sentence, first
                pos = last + 1

    def _spans(self, sections: tuple[str, ...]) -> list[tuple[int, int]]:
        report = self.report
        if not sections:
            return [(0, len(report.text))]
        spans = []
        for key in sections:
            info = report.sections.get(key)
            if info is not None:
                spans.append((info.start, info.end if info.end >= 0 else len(report.text)))
        return spans


_STOPS = "。；;！!？?\n"
_STOP = re.compile(r"[。；;！!？?\n]")
_SENTENCE = re.compile(r"[^。；;！!？?\n]+")


def show(value: Any) -> str:
    """A number as an auditor writes it (no exponent, no float noise)."""
    if isinstance(value, Decimal):
        text = format(value, "f")
        return text
    if value is None:
        return "（无）"
    return str(value)


def row_label(table: TableDef, row: str) -> str:
    found = table.row(row)
    return found.label if found else row


def column_label(table: TableDef, column: str) -> str:
    found = table.columns.get(column)
    return found.label if found else column


def cell_label(table: TableDef, row: str, column: str) -> str:
    return f"「{row_label(table, row)}」行「{column_label(table, column)}」列"


def table_label(table: TableDef) -> str:
    return f"表「{table.title}」"


def make_finding(
    rule: Rule,
    ev: EvalContext,
    values: dict[str, Any],
    *,
    severity: str | None = None,
    section: str | None = None,
    table: str | None = None,
    row: str | None = None,
    column: str | None = None,
    line: int | None = None,
    expected: Any = None,
    actual: Any = None,
) -> Finding:
    fields = Values(values)
    fields.setdefault("agency", ev.report.agency or "（未识别）")
    fields.setdefault("year", show(ev.report.year))
    fields.setdefault("rule_title", rule.title)
    if ev.when:
        fields.setdefault("when", ev.when)
    if section is None and table is not None and ev.fmt is not None and table in ev.fmt.tables:
        section = ev.fmt.tables[table].section
    return Finding(
        rule=rule.id,
        kind=rule.kind,
        severity=severity or rule.severity,
        message=rule.message.format_map(fields),
        title=rule.title,
        basis=rule.basis,
        advice=rule.advice,
        section=section,
        table=table,
        row=row,
        column=column,
        line=line,
        expected=expected,
        actual=actual,
    )


def quote(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
