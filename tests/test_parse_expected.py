"""Parse every real report and compare with what a careful human read in it.

The expectations are hand-written JSON files in ``tests/fixtures/expected/`` (one per report; see
``ERRORS.md`` there for the reports' own defects). Each file says what the parser must find:
metadata, section keys, every readable cell, and the cells that must be reported unreadable.
``uncertain`` entries (``table:row.column`` or ``meta:field``) and ``sections_uncertain`` keys are
judgement calls and are skipped. A failing case lists every differing cell at once.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from auditor.formats import load_formats
from auditor.model import Report

EXPECTED_DIR = Path(__file__).parent / "fixtures" / "expected"
REPO = Path(__file__).resolve().parent.parent
CASES = sorted(EXPECTED_DIR.glob("*.json"))
META_FIELDS = ("agency", "year", "format", "published")

Cell = tuple[str, str, str]


def load_expectation(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)


def source_path(source: str) -> Path:
    path = Path(source)
    return path if path.is_absolute() else REPO / path


def parse_key(key: str) -> Cell:
    """``table:row.column`` -> (table, row, column); row keys may themselves contain dots."""
    table, rest = key.split(":", 1)
    row, column = rest.rsplit(".", 1)
    return table, row, column


def expected_cells(exp: dict[str, Any]) -> dict[Cell, Any]:
    return {
        (table, row, column): value
        for table, rows in exp["tables"].items()
        for row, cells in rows.items()
        for column, value in cells.items()
    }


def uncertain_cells(exp: dict[str, Any]) -> set[Cell]:
    return {parse_key(k) for k in exp.get("uncertain", []) if not k.startswith("meta:")}


def uncertain_meta(exp: dict[str, Any]) -> set[str]:
    return {k.split(":", 1)[1] for k in exp.get("uncertain", []) if k.startswith("meta:")}


def same_number(expected: Any, got: Any) -> bool:
    return Decimal(str(expected)) == Decimal(str(got))


def name(cell: Cell) -> str:
    return f"{cell[0]}:{cell[1]}.{cell[2]}"


def compare(exp: dict[str, Any], report: Report) -> list[str]:
    """Every difference between the expectation and the parsed report, one readable line each."""
    problems: list[str] = []
    if report.status != exp["status"]:
        problems.append(f"status expected {exp['status']} got {report.status} ({report.error})")
        return problems
    if exp["status"] == "failed":
        cells = sum(len(c) for rows in report.tables.values() for c in rows.values())
        if cells:
            problems.append(f"failed report should have no cells, got {cells}")
        return problems

    skip_meta = uncertain_meta(exp)
    for field in META_FIELDS:
        got = getattr(report, field)
        if field not in skip_meta and got != exp[field]:
            problems.append(f"{field} expected {exp[field]!r} got {got!r}")
    if "pre_2019" in exp and report.pre_2019 != exp["pre_2019"]:
        problems.append(f"pre_2019 expected {exp['pre_2019']} got {report.pre_2019}")
    for table, fmt in exp.get("table_formats", {}).items():
        got = report.table_formats.get(table)
        if got != fmt:
            problems.append(f"table_formats[{table}] expected {fmt!r} got {got!r}")

    found = set(report.sections)
    wanted = set(exp["sections"])
    unsure = set(exp.get("sections_uncertain", []))
    for key in sorted(wanted - found):
        problems.append(f"section {key} expected, not found")
    for key in sorted(found - wanted - unsure):
        problems.append(f"section {key} found ({report.sections[key].heading!r}), not expected")

    skip = uncertain_cells(exp)
    values = expected_cells(exp)
    unreadable = {(u["table"], u["row"], u["column"]) for u in exp["unreadable"]}
    for cell, value in sorted(values.items()):
        if cell in skip:
            continue
        got = report.cell(*cell)
        if got is None:
            why = report.unreadable_cell(*cell)
            shown = f"unreadable ({why.reason})" if why else "nothing"
            problems.append(f"{name(cell)} expected {value} got {shown}")
        elif not same_number(value, got):
            problems.append(f"{name(cell)} expected {value} got {got}")
    for cell in sorted(unreadable - skip):
        got = report.cell(*cell)
        if got is not None:
            problems.append(f"{name(cell)} expected unreadable got {got}")
        elif report.unreadable_cell(*cell) is None:
            problems.append(
                f"{name(cell)} expected unreadable, got absent but not listed in unreadable"
            )
    for table, rows in report.tables.items():
        for row, cells in rows.items():
            for column, got in cells.items():
                cell = (table, row, column)
                if cell not in values and cell not in unreadable and cell not in skip:
                    problems.append(f"{name(cell)} expected nothing got {got}")
    return problems


@pytest.fixture(scope="module")
def known_cells() -> set[Cell]:
    """Every (table, row, column) either format defines."""
    cells: set[Cell] = set()
    for fmt in load_formats().formats.values():
        for table in fmt.tables.values():
            for row in table.rows:
                cells.update((table.key, row.key, column) for column in row.columns)
    return cells


def test_there_is_an_expectation_per_report() -> None:
    """5 samples + 19 peer reports (10 Pingtan .txt, 2 .html, 2 .md, 1 沭阳 .txt, 3 PDFs, 1 excerpt)."""
    assert len(CASES) == 24


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_expectation_file_is_well_formed(case: Path, known_cells: set[Cell]) -> None:
    """Catch typos in the hand-written files themselves: unknown keys would silently test nothing."""
    exp = load_expectation(case)
    bad: list[str] = []
    for key in (
        "source",
        "status",
        "sections",
        "tables",
        "unreadable",
        "uncertain",
        "notes",
        *META_FIELDS,
    ):
        if key not in exp:
            bad.append(f"missing key {key}")
    referenced = set(expected_cells(exp)) | uncertain_cells(exp)
    referenced |= {(u["table"], u["row"], u["column"]) for u in exp["unreadable"]}
    bad += [f"unknown cell {name(c)}" for c in sorted(referenced - known_cells)]
    overlap = set(expected_cells(exp)) & {
        (u["table"], u["row"], u["column"]) for u in exp["unreadable"]
    }
    bad += [f"cell both valued and unreadable: {name(c)}" for c in sorted(overlap)]
    sections = {
        "overview",
        "active_disclosure",
        "applications",
        "review_litigation",
        "problems",
        "other_matters",
    }
    bad += [f"unknown section {s}" for s in set(exp["sections"]) - sections]
    if not source_path(exp["source"]).exists():
        bad.append(f"source file not found: {exp['source']}")
    if bad:
        pytest.fail(f"{case.name}:\n" + "\n".join(bad), pytrace=False)


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_parse_matches_expectation(case: Path) -> None:
    parse = pytest.importorskip("auditor.parse")
    exp = load_expectation(case)
    path = source_path(exp["source"])
    if not path.exists():
        pytest.skip(f"source not available: {path}")
    if path.suffix.lower() == ".pdf":
        pytest.importorskip("pdfplumber")
    report = parse.parse_path(path, source=exp["source"])
    problems = compare(exp, report)
    if problems:
        pytest.fail(
            f"{case.name}: {len(problems)} differences\n" + "\n".join(problems), pytrace=False
        )
