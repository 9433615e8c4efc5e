"""The batch-wide outputs, written in source order from the spool after all reports are
audited: ``findings.json``, ``summary.csv`` and ``index.html``."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from auditor.agency import inside
from auditor.batch.records import ROW_FIELDS
from auditor.batch.spool import ResultStore
from auditor.render.env import INDEX_HTML, Templates
from auditor.render.labels import STATUS_LABELS

CSV_COLUMNS = (
    "source", "agency", "year", "format", "published", "status", "error",
    "errors", "warnings", "infos", "memo", "waived",
)  # fmt: skip
_FIELD = {name: position for position, name in enumerate(ROW_FIELDS)}


def memo_path(stem: str | None) -> str:
    return f"memos/{stem}.html" if stem else ""


def write_findings_and_summary(
    out: Path,
    store: ResultStore,
    rules_label: str,
    on_failure: Callable[[str, str], None] | None = None,
) -> None:
    """findings.json and summary.csv in one pass over the spool (source order)."""
    findings_path = inside(out, out / "findings.json")
    summary_path = inside(out, out / "summary.csv")
    with (
        open(findings_path, "w", encoding="utf-8", newline="\n") as findings,
        # UTF-8 with BOM so that Excel shows the Chinese text correctly.
        open(summary_path, "w", encoding="utf-8-sig", newline="") as summary,
    ):
        writer = csv.writer(summary)
        writer.writerow(CSV_COLUMNS)
        label = json.dumps(rules_label, ensure_ascii=False)
        findings.write('{"version": 1, "rules": ' + label + ', "reports": [')
        for position, (row, fragment) in enumerate(store.read()):
            findings.write("\n" if position == 0 else ",\n")
            findings.write(fragment)
            values = dict(zip(ROW_FIELDS, row, strict=True))
            values["memo"] = memo_path(values["memo"])
            writer.writerow(["" if values[c] is None else values[c] for c in CSV_COLUMNS])
            if on_failure is not None and values["status"] == "failed":
                on_failure(values["source"], values["error"] or "无法读取")
        findings.write("\n]}\n")


@dataclass(slots=True)
class IndexRow:
    source: str
    href: str
    agency: str
    year: str
    status: str
    failed: bool
    errors: str
    warnings: str
    infos: str
    waived: str
    has_errors: bool


@dataclass(slots=True)
class TopFinding:
    rule: str
    title: str
    count: int


@dataclass(slots=True)
class IndexView:
    total: int
    audited: int
    failed: int
    errors: int
    warnings: int
    infos: int
    waived: int
    memos: int
    rules_label: str
    waivers_label: str
    waiver_notes: list[str]
    top_findings: list[TopFinding]
    rows: Iterator[IndexRow]


_HREF_ESCAPES = {ord(ch): f"%{ord(ch):02X}" for ch in "%#? \"<>'\\"}


def href_part(stem: str) -> str:
    """Percent-encode only what breaks a relative link; Chinese stays readable (and short)."""
    return stem.translate(_HREF_ESCAPES)


def index_rows(results: Iterable[tuple[list[Any], str]]) -> Iterator[IndexRow]:
    for index, (row, _fragment) in enumerate(results):
        r = dict(zip(ROW_FIELDS, row, strict=True))
        failed = r["status"] == "failed"
        status = STATUS_LABELS.get(r["status"], r["status"])
        yield IndexRow(
            source=r["source"],
            href=f"memos/{href_part(r['memo'])}.html#r{index}" if r["memo"] else "",
            agency=r["agency"] or "—",
            year=str(r["year"]) if r["year"] is not None else "—",
            status=f"{status}：{r['error']}" if failed and r["error"] else status,
            failed=failed,
            errors=str(r["errors"]),
            warnings=str(r["warnings"]),
            infos=str(r["infos"]),
            waived=str(r["waived"]),
            has_errors=r["errors"] > 0,
        )


def write_index_html(out: Path, templates: Templates, view: IndexView) -> None:
    target = inside(out, out / "index.html")
    with open(target, "w", encoding="utf-8", newline="\n") as handle:
        for piece in templates.stream(INDEX_HTML, index=view):
            handle.write(piece)
