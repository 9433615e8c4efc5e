"""``crosscheck``: what the text says must agree with the tables.

Sentences of the listed ``sections`` (all text when omitted) that contain every ``require``
pattern and no ``exclude`` pattern are searched for ``pattern``.
``equals: [cells]`` — the number captured by the pattern's first group must equal the sum of the
cells (or, when given, the sum of the ``or_equals`` cells: another reading the text may use,
e.g. applications received including last year's carried-over ones). ``zero: [cells]`` — the sentence says there was nothing (no applications, no review...),
so every cell must be 0. ``report_year: same`` — the captured number is a year and must be the
report's year (``same_or_next``: that year or the next, e.g. a publication date); reports whose
year is unknown are not checked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from auditor.checks.base import (
    CompileContext,
    EvalContext,
    Outcome,
    cell_label,
    make_finding,
    quote,
    show,
)
from auditor.checks.refs import parse_cell_ref, suggest
from auditor.formats import FormatDef
from auditor.rules.model import Rule

STRUCTURAL = False
PLACEHOLDERS = {
    "quote": "正文中的原句（节选）",
    "stated": "正文中写的数字",
    "actual": "表格中对应的数值（多个单元格时为合计）",
    "cells": "比较的单元格及数值",
    "nonzero": "不为0的单元格及数值",
    "section_label": "原句所在章节",
    "line": "原句所在行号",
    "expected": "应为的年份（report_year 时）",
}

_CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}


@dataclass(frozen=True, slots=True)
class Compiled:
    sections: tuple[str, ...]
    require: tuple[re.Pattern[str], ...]
    exclude: tuple[re.Pattern[str], ...]
    pattern: re.Pattern[str]
    mode: str  # "equals" | "zero" | "report_year"
    cells: tuple[tuple[str, str, str], ...]
    fmt: FormatDef
    alternative: tuple[
        tuple[str, str, str], ...
    ] = ()  # or_equals: another reading that also agrees
    years_ahead: int = 0  # report_year: how many years after the report year are also fine
    # The pattern depends on where a sentence starts or ends (^ $): match it sentence by
    # sentence instead of searching the text first.
    anchored: bool = False


def _regex(ctx: CompileContext, subpath: tuple, text: str) -> re.Pattern[str] | None:
    try:
        return re.compile(text)
    except re.error as exc:
        ctx.problem(subpath, f"正则表达式有误：{exc.msg}（位置 {exc.pos}）")
        return None


def compile(rule: Rule, ctx: CompileContext) -> Compiled | None:
    spec = rule.spec
    keys = [s.key for s in ctx.fmt.sections]
    sections = []
    for index, key in enumerate(spec.get("sections") or []):
        if key in keys:
            sections.append(key)
        else:
            ctx.problem(("sections", index), f'未知的章节 "{key}"{suggest(str(key), keys)}')
    require = [_regex(ctx, ("require", i), p) for i, p in enumerate(spec.get("require") or [])]
    exclude = [_regex(ctx, ("exclude", i), p) for i, p in enumerate(spec.get("exclude") or [])]
    pattern = _regex(ctx, ("pattern",), spec["pattern"])
    mode = next(m for m in ("equals", "zero", "report_year") if m in spec)
    if pattern is not None and mode != "zero" and pattern.groups < 1:
        ctx.problem(("pattern",), "pattern 需要一个括号分组 (…) 来取出正文中的数字")
    cells: list[tuple[str, str, str]] = []
    if mode != "report_year":
        for index, ref in enumerate(spec.get(mode) or []):
            cells.extend(parse_cell_ref(ctx, (mode, index), ref))
    alternative: list[tuple[str, str, str]] = []
    for index, ref in enumerate(spec.get("or_equals") or []):
        alternative.extend(parse_cell_ref(ctx, ("or_equals", index), ref))
    if pattern is None or None in require or None in exclude:
        return None
    if mode != "report_year" and not cells:
        return None
    return Compiled(
        tuple(sections),
        tuple(require),
        tuple(exclude),
        pattern,
        mode,
        tuple(cells),
        ctx.fmt,
        tuple(alternative),
        1 if spec.get("report_year") == "same_or_next" else 0,
        _anchored(spec["pattern"]),
    )


def _anchored(text: str) -> bool:
    outside_classes = re.sub(r"\[(?:\\.|[^\]\\])*\]", "", text)
    return re.search(r"\^|\$|\\[AZ]", outside_classes) is not None


def _number(text: str) -> int | None:
    text = text.strip()
    if text.isdigit():
        return int(text)
    if len(text) >= 3 and all(ch in _CN_DIGITS and ch != "两" for ch in text):
        return int("".join(str(_CN_DIGITS[ch]) for ch in text))  # 二〇二三 → 2023
    if text in _CN_DIGITS:
        return _CN_DIGITS[text]
    if text.startswith("十") and len(text) <= 2:
        return 10 + _CN_DIGITS.get(text[1:], 0) if len(text) == 2 else 10
    if len(text) in (2, 3) and text[1] == "十" and text[0] in _CN_DIGITS:
        return _CN_DIGITS[text[0]] * 10 + (_CN_DIGITS.get(text[2], 0) if len(text) == 3 else 0)
    return None


def _label(compiled: Compiled, cell: tuple[str, str, str]) -> str:
    table = compiled.fmt.tables[cell[0]]
    return cell_label(table, cell[1], cell[2])


def _section_of(ev: EvalContext, offset: int) -> str | None:
    for key, info in ev.report.sections.items():
        end = info.end if info.end >= 0 else len(ev.report.text)
        if info.start <= offset < end:
            return key
    return None


def _mentioned(compiled: Compiled, ev: EvalContext) -> bool:
    """Cheap pre-check on whole sections: a sentence can only match where the section matches."""
    report = ev.report
    if not compiled.sections:
        return compiled.pattern.search(report.text) is not None
    for key in compiled.sections:
        info = report.sections.get(key)
        if info is not None:
            end = info.end if info.end >= 0 else len(report.text)
            if compiled.pattern.search(report.text, info.start, end) is not None:
                return True
    return False


def _sum(ev: EvalContext, cells: tuple[tuple[str, str, str], ...]):
    if not cells:
        return None
    values = [ev.cell(*cell) for cell in cells]
    return None if any(v is None for v in values) else sum(values)


def _fields(
    compiled: Compiled, ev: EvalContext, sentence: str, at: int, line: int, values: list, total
) -> dict:
    section = _section_of(ev, at)
    return {
        "_section": section,
        "quote": quote(sentence),
        "cells": "、".join(
            f"{_label(compiled, c)}({show(v)})" for c, v in zip(compiled.cells, values, strict=True)
        ),
        "actual": show(total),
        "section_label": ev.report.sections[section].heading if section else "（无）",
        "line": str(line),
    }


def _matches(compiled: Compiled, ev: EvalContext):
    """(sentence, match, offset in Report.text) for every match in a qualifying sentence."""
    if compiled.anchored:
        sentences = iter(ev.sentences(compiled.sections))
    else:
        sentences = ev.matching_sentences(compiled.pattern, compiled.sections)
    for sentence, offset in sentences:
        if any(not p.search(sentence) for p in compiled.require):
            continue
        if any(p.search(sentence) for p in compiled.exclude):
            continue
        for match in compiled.pattern.finditer(sentence):
            yield sentence, match, offset + match.start()


def _evaluate_year(rule: Rule, compiled: Compiled, ev: EvalContext) -> list[Outcome]:
    year = ev.report.year
    if year is None:
        return [Outcome("skip", "正文", "报告年度未知，无法核对")]
    if not _mentioned(compiled, ev):
        return [Outcome("skip", "正文", "正文中没有相关表述")]
    allowed = list(range(year, year + compiled.years_ahead + 1))
    shown = "或".join(str(y) for y in allowed)
    outcomes: list[Outcome] = []
    for sentence, match, at in _matches(compiled, ev):
        line = ev.report.line_of(at)
        place = f"第 {line} 行"
        captured = next((g for g in match.groups() if g is not None), "")
        stated = _number(captured)
        if stated is None:
            outcomes.append(Outcome("skip", place, f"无法把「{captured}」读成年份"))
            continue
        if stated in allowed:
            outcomes.append(Outcome("pass", place, f"正文 {stated} 年 = 报告年度 {shown}"))
            continue
        section = _section_of(ev, at)
        fields = {
            "quote": quote(sentence),
            "stated": str(stated),
            "actual": str(year),
            "expected": shown,
            "section_label": ev.report.sections[section].heading if section else "（无）",
            "line": str(line),
        }
        finding = make_finding(
            rule, ev, fields, section=section, line=line, expected=year, actual=stated
        )
        return [*outcomes, Outcome("fire", place, f"正文 {stated} 年 ≠ 报告年度 {shown}", finding)]
    return outcomes or [Outcome("skip", "正文", "正文中没有相关表述")]


def evaluate(rule: Rule, compiled: Compiled, ev: EvalContext) -> list[Outcome]:
    if compiled.sections and not any(k in ev.report.sections for k in compiled.sections):
        return [Outcome("skip", "正文", "报告中没有要检查的章节")]
    if compiled.mode == "report_year":
        return _evaluate_year(rule, compiled, ev)
    values = []
    for cell in compiled.cells:
        value = ev.cell(*cell)
        if value is None:
            return [
                Outcome("skip", _label(compiled, cell), "该单元格缺失或无法读取，无法与正文比较")
            ]
        values.append(value)
    total = sum(values)
    if not _mentioned(compiled, ev):
        return [Outcome("skip", "正文", "正文中没有相关表述")]
    outcomes: list[Outcome] = []
    for sentence, match, at in _matches(compiled, ev):
        line = ev.report.line_of(at)
        place = f"第 {line} 行"
        if compiled.mode == "zero":
            if all(v == 0 for v in values):
                outcomes.append(
                    Outcome("pass", place, f"正文「{quote(sentence, 40)}」与表格一致（均为 0）")
                )
                continue
            pairs = [(c, v) for c, v in zip(compiled.cells, values, strict=True) if v != 0]
            nonzero = "、".join(f"{_label(compiled, c)}为 {show(v)}" for c, v in pairs)
            fields = _fields(compiled, ev, sentence, at, line, values, total)
            fields.update(nonzero=nonzero, stated="0")
            first = pairs[0][0]
            finding = make_finding(
                rule,
                ev,
                fields,
                section=fields.pop("_section"),
                table=first[0],
                row=first[1],
                column=first[2],
                line=line,
                expected=0,
                actual=pairs[0][1],
            )
            return [*outcomes, Outcome("fire", place, f"正文称没有，但{nonzero}", finding)]
        captured = next((g for g in match.groups() if g is not None), "")
        stated = _number(captured)
        if stated is None:
            outcomes.append(Outcome("skip", place, f"无法把「{captured}」读成数字"))
            continue
        if stated == total:
            outcomes.append(Outcome("pass", place, f"正文 {stated} = 表格 {show(total)}"))
            continue
        other = _sum(ev, compiled.alternative)
        if other is not None and stated == other:
            outcomes.append(
                Outcome("pass", place, f"正文 {stated} = 表格另一口径之和 {show(other)}")
            )
            continue
        fields = _fields(compiled, ev, sentence, at, line, values, total)
        fields["stated"] = str(stated)
        first = compiled.cells[0]
        finding = make_finding(
            rule,
            ev,
            fields,
            section=fields.pop("_section"),
            table=first[0],
            row=first[1],
            column=first[2],
            line=line,
            expected=stated,
            actual=total,
        )
        return [
            *outcomes,
            Outcome("fire", place, f"正文 {stated} ≠ 表格 {show(total)}", finding),
        ]
    if not outcomes:
        outcomes.append(Outcome("skip", "正文", "正文中没有相关表述"))
    return outcomes
