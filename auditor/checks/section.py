"""``section``: required sections present (``check: present``), in order (``check: order``) and
numbered as the format numbers them (``check: numbering``)."""

from __future__ import annotations

from dataclasses import dataclass

from auditor.checks.base import CompileContext, EvalContext, Outcome, make_finding
from auditor.checks.refs import suggest
from auditor.rules.model import Rule

STRUCTURAL = True
PLACEHOLDERS = {
    "section_label": "章节标题（规范写法），缺失时为所缺章节",
    "section_key": "章节键，如 other_matters",
    "missing": "所缺章节（一个或多个）",
    "expected_order": "规定的章节顺序",
    "actual_order": "报告中实际的章节顺序",
    "heading": "报告中该章节的实际标题（check: numbering）",
}


@dataclass(frozen=True, slots=True)
class Compiled:
    check: str
    sections: tuple[tuple[str, str], ...]  # (key, canonical heading) in format order


def compile(rule: Rule, ctx: CompileContext) -> Compiled:
    known = {s.key: s.heading for s in ctx.fmt.sections}
    wanted = rule.spec.get("sections", "*")
    if wanted in ("*", "all"):
        keys = list(known)
    else:
        keys = []
        for index, key in enumerate(wanted):
            if key in known:
                keys.append(key)
            else:
                ctx.problem(
                    ("sections", index), f'未知的章节 "{key}"{suggest(str(key), list(known))}'
                )
    ordered = tuple((k, known[k]) for k in known if k in keys)
    return Compiled(check=rule.spec.get("check", "present"), sections=ordered)


def evaluate(rule: Rule, compiled: Compiled, ev: EvalContext) -> list[Outcome]:
    found = ev.report.sections
    if compiled.check == "order":
        present = [key for key, _ in compiled.sections if key in found]
        actual = sorted(present, key=lambda k: found[k].start)
        if actual == present:
            return [Outcome("pass", "章节顺序", "章节顺序正确")]
        labels = dict(compiled.sections)
        first_wrong = next(k for k, e in zip(actual, present, strict=True) if k != e)
        values = {
            "expected_order": "、".join(labels[k].split("、")[0] for k in present),
            "actual_order": "、".join(labels[k].split("、")[0] for k in actual),
            "section_label": labels[first_wrong],
            "section_key": first_wrong,
        }
        finding = make_finding(rule, ev, values, section=first_wrong, line=found[first_wrong].line)
        return [Outcome("fire", "章节顺序", "章节顺序与规定不符", finding)]

    if compiled.check == "numbering":
        return _numbering(rule, compiled, ev)

    missing = [(k, h) for k, h in compiled.sections if k not in found]
    if not missing:
        return [Outcome("pass", "章节", f"{len(compiled.sections)} 个章节均已找到")]
    if len(missing) == len(compiled.sections) and len(missing) > 1:
        # No section at all: one finding, not six.
        label = "全部章节（" + "、".join(h for _, h in missing) + "）"
        values = {"section_label": label, "section_key": "*", "missing": label}
        finding = make_finding(rule, ev, values)
        return [Outcome("fire", "章节", "未找到任何规定的章节标题", finding)]
    outcomes = []
    for key, heading in missing:
        values = {"section_label": heading, "section_key": key, "missing": heading}
        finding = make_finding(rule, ev, values, section=key)
        outcomes.append(Outcome("fire", heading, f"缺少章节「{heading}」", finding))
    return outcomes


def _numbering(rule: Rule, compiled: Compiled, ev: EvalContext) -> list[Outcome]:
    """A section found under another numeral (e.g. 四 headed 三、…)."""
    outcomes = []
    for key, canonical in compiled.sections:
        info = ev.report.sections.get(key)
        if info is None:
            continue
        numeral = canonical.split("、", 1)[0]
        actual = info.heading.lstrip().split("、", 1)[0]
        if actual == numeral:
            continue
        values = {"section_label": canonical, "section_key": key, "heading": info.heading}
        finding = make_finding(rule, ev, values, section=key, line=info.line)
        outcomes.append(Outcome("fire", canonical, f"标题编号为「{actual}」", finding))
    return outcomes or [Outcome("pass", "章节编号", "章节编号与格式一致")]
