"""``pattern``: wording that must be present (``require``) or must not appear (``forbid``).

``sections`` limits the search; for ``require``, when none of those sections was found the
whole text is searched instead (the missing section is reported by the section rule).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from auditor.checks.base import CompileContext, EvalContext, Outcome, make_finding, quote
from auditor.checks.refs import suggest
from auditor.rules.model import Rule

STRUCTURAL = True
PLACEHOLDERS = {
    "matched": "命中的文字",
    "count": "命中的次数",
    "line": "第一次命中的行号",
    "context": "命中处的上下文",
    "section_label": "查找的章节",
}


@dataclass(frozen=True, slots=True)
class Compiled:
    mode: str  # "require" | "forbid"
    pattern: re.Pattern[str]
    sections: tuple[str, ...]
    headings: tuple[str, ...]
    # ``require`` given as a list: every one of these must be found (``pattern`` is the first).
    also: tuple[re.Pattern[str], ...] = ()


def compile(rule: Rule, ctx: CompileContext) -> Compiled | None:
    spec = rule.spec
    mode = "require" if "require" in spec else "forbid"
    texts = spec[mode] if isinstance(spec[mode], list) else [spec[mode]]
    patterns = []
    for index, text in enumerate(texts):
        try:
            patterns.append(re.compile(text))
        except re.error as exc:
            where = (mode, index) if isinstance(spec[mode], list) else (mode,)
            ctx.problem(where, f"正则表达式有误：{exc.msg}（位置 {exc.pos}）")
            return None
    known = {s.key: s.heading for s in ctx.fmt.sections}
    sections = []
    for index, key in enumerate(spec.get("sections") or []):
        if key in known:
            sections.append(key)
        else:
            ctx.problem(("sections", index), f'未知的章节 "{key}"{suggest(str(key), list(known))}')
    headings = tuple(known[k] for k in sections)
    return Compiled(mode, patterns[0], tuple(sections), headings, tuple(patterns[1:]))


def evaluate(rule: Rule, compiled: Compiled, ev: EvalContext) -> list[Outcome]:
    report = ev.report
    spans = []
    for key in compiled.sections:
        info = report.sections.get(key)
        if info is not None:
            spans.append((info.start, info.end if info.end >= 0 else len(report.text)))
    where = "、".join(f"「{h}」" for h in compiled.headings) if spans else "全文"
    if not spans:
        spans = [(0, len(report.text))]
    matches = []
    for start, end in spans:
        matches.extend(compiled.pattern.finditer(report.text, start, end))
    if compiled.mode == "require":
        missing = [
            p.pattern
            for p in compiled.also
            if not any(p.search(report.text, a, b) for a, b in spans)
        ]
        if matches and not missing:
            line = report.line_of(matches[0].start())
            return [Outcome("pass", where, f"第 {line} 行找到「{matches[0].group()}」")]
        section = (
            compiled.sections[0]
            if compiled.sections and compiled.sections[0] in report.sections
            else None
        )
        line = report.sections[section].line if section else None
        finding = make_finding(
            rule, ev, {"section_label": where, "count": "0"}, section=section, line=line
        )
        return [Outcome("fire", where, f"{where}中没有找到要求的表述", finding)]
    if not matches:
        return [Outcome("pass", where, "未发现禁止出现的文字")]
    first = matches[0]
    line = report.line_of(first.start())
    lo = max(0, first.start() - 20)
    context = quote(report.text[lo : first.end() + 20], 80)
    distinct = sorted({m.group() for m in matches}, key=lambda s: -len(s))
    values = {
        "matched": "、".join(f"「{m}」" for m in distinct[:3]),
        "count": str(len(matches)),
        "line": str(line),
        "context": context,
        "section_label": where,
    }
    section = next(
        (
            k
            for k, i in report.sections.items()
            if i.start <= first.start() < (i.end if i.end >= 0 else len(report.text))
        ),
        None,
    )
    finding = make_finding(rule, ev, values, section=section, line=line, actual=first.group())
    return [
        Outcome(
            "fire", where, f"第 {line} 行出现「{first.group()}」，共 {len(matches)} 处", finding
        )
    ]
