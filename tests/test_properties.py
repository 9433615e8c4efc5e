"""Round-trip properties: generate → render → parse → audit, for every layout and format.

- parsing recovers every cell (or, in glued layouts, marks an ambiguous cell unreadable —
  never a wrong number) and the metadata;
- a clean report yields no error-level finding from the shipped rules;
- a report with one injected defect yields a finding of that kind at that place.
"""

from __future__ import annotations

import functools
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auditor.testing.generator import ReportModel, defects_for, generate
from auditor.testing.layouts import LAYOUTS, expected_unreadable, render, suffix

SETTINGS = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
formats_st = st.sampled_from(("2019", "2021"))
seeds = st.integers(min_value=0, max_value=10**6)
layouts = st.sampled_from(LAYOUTS)


def _parse(model: ReportModel, layout: str):
    parse = pytest.importorskip("auditor.parse")
    text = render(model, layout)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"report{suffix(layout)}"
        path.write_text(text, encoding="utf-8")
        report = parse.parse_path(path, source=path.name)
    return report, text


@functools.cache
def _load_ruleset():
    from auditor.engine import load_ruleset

    return load_ruleset()


def _audit(report):
    """Findings of the shipped rules (kept out of hypothesis' arguments: its repr is huge)."""
    engine = pytest.importorskip("auditor.engine")
    return engine.audit_report(report, _load_ruleset())


def _explain(text: str, problems: list[str]) -> str:
    return "\n".join(problems[:20]) + "\n---- generated text ----\n" + text[:6000]


@SETTINGS
@given(format_id=formats_st, seed=seeds, layout=layouts)
def test_parse_recovers_metadata_and_every_cell(format_id, seed, layout):
    model = generate(format_id, seed)
    report, text = _parse(model, layout)
    problems = []
    if report.status != "parsed":
        problems.append(f"status {report.status}: {report.error}")
    expected = {
        "agency": model.agency,
        "year": model.year,
        "format": model.format_id,
        "published": model.published.isoformat() if model.published else None,
    }
    for field, value in expected.items():
        if getattr(report, field) != value:
            problems.append(f"{field}: expected {value!r}, got {getattr(report, field)!r}")
    ambiguous = expected_unreadable(model, layout)
    for table, row, column, value in model.cells():
        got = report.cell(table, row, column)
        unreadable = report.unreadable_cell(table, row, column)
        if (table, row, column) in ambiguous:
            if got is not None and got != value:  # a guess: numbers are never guessed
                problems.append(
                    f"{table}:{row}.{column}: ambiguous, parser guessed {got} (true {value})"
                )
        elif got != value:
            why = f" (unreadable: {unreadable.reason})" if unreadable else ""
            problems.append(f"{table}:{row}.{column}: expected {value}, got {got}{why}")
    assert not problems, _explain(text, [f"{layout} {format_id} seed={seed}", *problems])


@SETTINGS
@given(format_id=formats_st, seed=seeds, layout=layouts)
def test_clean_report_has_no_error_finding(format_id, seed, layout):
    model = generate(format_id, seed)
    if expected_unreadable(model, layout):
        layout = "pipes"  # ambiguous glued cells legitimately give parse findings
    report, text = _parse(model, layout)
    errors = [f for f in _audit(report) if f.severity == "error"]
    assert not errors, _explain(
        text,
        [f"{layout} {format_id} seed={seed}"]
        + [
            f"{f.rule} [{f.kind}] {f.table}:{f.row}.{f.column} §{f.section}: {f.message}"
            for f in errors
        ],
    )


# which location fields a finding of each kind must name (others must agree when given)
_REQUIRED = {
    "identity": ("table", "column"),
    "row": ("table", "row"),
    "section": ("section",),
    "crosscheck": (),
    "deadline": (),
    "format": (),
    "pattern": (),
}


def _matches(finding, defect) -> bool:
    if finding.kind != defect.kind:
        return False
    for field in ("section", "table", "row", "column"):
        want = getattr(defect, field)
        got = getattr(finding, field)
        if want is None:
            continue
        if got is None:
            if field in _REQUIRED[defect.kind]:
                return False
            continue
        allowed = {want, *defect.rows} if field == "row" else {want}
        if got not in allowed:
            return False
    return True


@st.composite
def defective(draw):
    format_id = draw(formats_st)
    return format_id, draw(st.sampled_from(defects_for(format_id)))


@SETTINGS
@given(case=defective(), seed=seeds, layout=layouts)
def test_injected_defect_is_found_where_it_is(case, seed, layout):
    format_id, name = case
    model = generate(format_id, seed, defect=name)
    if expected_unreadable(model, layout):
        layout = "pipes"
    report, text = _parse(model, layout)
    findings = _audit(report)
    defect = model.defect
    assert any(_matches(f, defect) for f in findings), _explain(
        text,
        [f"{layout} {format_id} seed={seed} defect={defect}"]
        + [
            f"{f.rule} [{f.kind}/{f.severity}] {f.table}:{f.row}.{f.column} §{f.section}"
            for f in findings
        ],
    )


@SETTINGS
@given(
    format_id=formats_st,
    seed=seeds,
    layout=st.sampled_from(("glued", "runon")),
    name=st.sampled_from(("broken_balance", "broken_row_total")),
)
def test_glued_digits_are_never_misread_when_identities_break(format_id, seed, layout, name):
    """Splitting glued digits may lean on the totals; a broken total must not yield wrong cells."""
    model = generate(format_id, seed, defect=name)
    report, text = _parse(model, layout)
    ambiguous = expected_unreadable(model, layout)
    wrong = [
        f"{table}:{row}.{column}: true {value}, parsed {report.cell(table, row, column)}"
        for table, row, column, value in model.cells()
        if report.cell(table, row, column) not in (None, value)
        or (report.cell(table, row, column) is None and (table, row, column) not in ambiguous)
    ]
    assert not wrong, _explain(text, [f"{layout} {format_id} seed={seed} {model.defect}", *wrong])
