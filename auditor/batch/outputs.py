"""The batch-wide outputs, written in source order from the spool after all reports are
audited: ``findings.json``, ``summary.csv``, and ``index.html`` with its data ``index-data.js``.

The index page holds only the summary and the most frequent findings; the per-input rows go to
``index-data.js`` as compact arrays that the page's script pages, sorts and filters, so that
100,000 inputs still open in about a second."""

from __future__ import annotations

import csv
import hashlib
import json
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from auditor.agency import inside
from auditor.batch.atomic import discard, replacing, temp_path
from auditor.batch.records import ROW_FIELDS
from auditor.batch.spool import ResultStore
from auditor.errors import TemplateError
from auditor.render.env import INDEX_HTML, Templates
from auditor.render.view import verdict_class

CSV_COLUMNS = (
    "source", "agency", "year", "format", "published", "status", "error",
    "errors", "warnings", "infos", "memo", "waived",
)  # fmt: skip
INDEX_DATA = "index-data.js"
# One row of index-data.js (a JSON array per input); the page's script looks fields up by name.
INDEX_FIELDS = (
    "source", "agency", "year", "verdict", "errors", "warnings", "infos", "waived", "memo", "error",
)  # fmt: skip


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
        replacing(findings_path) as findings,
        # UTF-8 with BOM so that Excel shows the Chinese text correctly.
        replacing(summary_path, encoding="utf-8-sig", newline="") as summary,
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
    rows: Iterable[list[Any]]  # INDEX_FIELDS rows, written to index-data.js
    data_file: str = INDEX_DATA
    count: int = 0  # rows written to the data file
    digest: str = ""  # of those rows; the page checks it against the data file's


_HREF_ESCAPES = {ord(ch): f"%{ord(ch):02X}" for ch in "%#? \"<>'\\"}


def href_part(stem: str) -> str:
    """Percent-encode only what breaks a relative link; Chinese stays readable (and short)."""
    return stem.translate(_HREF_ESCAPES)


def index_rows(results: Iterable[tuple[list[Any], str]]) -> Iterator[list[Any]]:
    """One compact ``INDEX_FIELDS`` row per input, in source order; trailing empties dropped.

    ``memo`` is the link-ready memo file name, or left out when it is the agency itself (the
    usual case, which halves the size of a row); ``""`` means no memo.
    """
    for row, _fragment in results:
        r = dict(zip(ROW_FIELDS, row, strict=True))
        agency = r["agency"] or ""
        link = href_part(r["memo"]) if r["memo"] else ""
        failed = r["status"] == "failed"
        values = [
            r["source"],
            agency,
            r["year"],
            verdict_class(r["status"], r["errors"], r["warnings"]),
            r["errors"],
            r["warnings"],
            r["infos"],
            r["waived"],
            None if link and link == agency else link,
            (r["error"] or None) if failed else None,
        ]
        while values[-1] is None:
            values.pop()
        yield values


# JSON is JavaScript once "<" (no "</script>" even if the file is ever inlined) and the two line
# separators that older engines reject inside strings are escaped.
_JS_ESCAPES = str.maketrans({"<": "\\u003c", "\u2028": "\\u2028", "\u2029": "\\u2029"})


def js_value(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).translate(_JS_ESCAPES)


def write_index_data(out: Path, rows: Iterable[list[Any]]) -> tuple[int, str]:
    """``index-data.js`` on its own (see ``write_index_html``, which writes it with the page)."""
    target = inside(out, out / INDEX_DATA)
    temp = temp_path(target)
    try:
        result = _write_index_data(temp, rows)
        os.replace(temp, target)
    finally:
        discard(temp)
    return result


def _write_index_data(target: Path, rows: Iterable[list[Any]]) -> tuple[int, str]:
    """Stream the rows into ``index-data.js`` (a global assignment, so it loads from file://)
    one line per input; memory does not grow with the batch.

    Returns the number of rows and a digest of them, which the page checks so that an
    ``index.html`` next to the data file of another run says so instead of showing wrong rows.
    """
    count = 0
    digest = hashlib.sha1()
    with open(target, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(
            "// 审核总览 index.html 的数据：每份报告一行，字段见 fields。由 audit run 生成。\n"
        )
        handle.write(f'window.AUDIT_INDEX = {{"fields":{js_value(list(INDEX_FIELDS))},"rows":[')
        for row in rows:
            line = js_value(row)
            digest.update(line.encode("utf-8") + b"\n")
            handle.write(",\n" if count else "\n")
            handle.write(line)
            count += 1
        key = digest.hexdigest()[:16]
        handle.write(f'\n],"count":{count},"digest":"{key}"}};\n')
    return count, key


class _RowsMoved:
    """What ``index.rows`` is in the template: a template made for the old one-row-per-report
    page stops with a clear message instead of showing an empty list."""

    def __iter__(self) -> Iterator[list[Any]]:
        raise TemplateError(
            f"总览模板不能再逐行列出报告（index.rows）：清单已写入 {INDEX_DATA}，"
            "由页面脚本显示，见 templates/README.md"
        )


def write_index_html(out: Path, templates: Templates, view: IndexView) -> None:
    """``index-data.js`` first (it consumes ``view.rows``), then the page that loads it.

    Both go to temporary files and replace the old pair only when both are complete: a
    template error keeps the previous index and its data.
    """
    data_target = inside(out, out / INDEX_DATA)
    page_target = inside(out, out / "index.html")
    data_temp, page_temp = temp_path(data_target), temp_path(page_target)
    try:
        view.count, view.digest = _write_index_data(data_temp, view.rows)
        view.rows = _RowsMoved()  # templates never see rows: they are in the data file
        with open(page_temp, "w", encoding="utf-8", newline="\n") as handle:
            for piece in templates.stream(INDEX_HTML, index=view):
                handle.write(piece)
        os.replace(data_temp, data_target)
        os.replace(page_temp, page_target)
    finally:
        discard(data_temp, page_temp)
