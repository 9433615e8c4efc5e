"""What each worker process does: parse one file, or audit one agency's reports and write its
memo. The ruleset and templates are loaded once per worker (``init_worker``)."""

from __future__ import annotations

import json
import pickle
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from auditor.agency import UnsafePathError, agency_key, inside
from auditor.batch.atomic import replacing
from auditor.batch.discover import unsupported_reason
from auditor.batch.records import AuditOutcome, Backend, MemoTask, Parsed, WorkerConfig
from auditor.model import Finding, Report
from auditor.render.env import MEMO_HTML, MEMO_MD, Templates
from auditor.render.labels import LabelBook
from auditor.render.view import memo_view, report_view


@dataclass(slots=True)
class WorkerState:
    config: WorkerConfig
    backend: Backend
    ruleset: Any
    templates: Templates
    labels: LabelBook


_STATE: WorkerState | None = None


def backend_factory() -> Backend:
    """Indirection so tests can swap in fakes (``monkeypatch`` this function)."""
    from auditor.batch.records import real_backend

    return real_backend()


def init_worker(config: WorkerConfig, preloaded: WorkerState | None = None) -> None:
    global _STATE
    _REAL_DIRS.clear()  # a relative --out of an earlier batch in this process may differ
    if preloaded is not None:  # the parent already loaded everything (in-process run or fork)
        _STATE = preloaded
        return
    backend = backend_factory()
    ruleset = backend.load_ruleset(config.rules_dir)
    _STATE = WorkerState(
        config=config,
        backend=backend,
        ruleset=ruleset,
        templates=Templates(config.templates_dir),
        labels=LabelBook(getattr(ruleset, "formats", None)),
    )


def make_state(
    config: WorkerConfig, backend: Backend, ruleset: Any, templates: Templates
) -> WorkerState:
    return WorkerState(
        config, backend, ruleset, templates, LabelBook(getattr(ruleset, "formats", None))
    )


def _state() -> WorkerState:
    if _STATE is None:
        raise RuntimeError("worker not initialised")
    return _STATE


def parse_one(task: tuple[int, str, str]) -> tuple[Parsed, bytes]:
    """Parse one file; never raises (a crash in the parser becomes a failed input)."""
    index, source, path = task
    state = _state()
    unsupported = unsupported_reason(path)
    try:
        if unsupported is not None:
            report = Report(source=source, status="failed", error=unsupported)
        else:
            report = state.backend.parse_path(
                Path(path), formats=getattr(state.ruleset, "formats", None), source=source
            )
    except Exception as exc:  # noqa: BLE001  (one bad file must not stop the batch)
        report = Report(
            source=source, status="failed", error=f"读取时发生内部错误：{_one_line(exc)}"
        )
    if report.status != "failed":
        report.status = "parsed"
    parsed = Parsed(
        index=index, agency=report.agency, key=agency_key(report.agency), year=report.year
    )
    return parsed, pickle.dumps(report, protocol=pickle.HIGHEST_PROTOCOL)


def audit_group(task: MemoTask) -> list[AuditOutcome]:
    """Audit one agency's reports (previous year passed for carryover rules), write its memo."""
    state = _state()
    outcomes: list[AuditOutcome] = []
    views = []
    by_year: dict[int, Report] = {}
    unusable: dict[int, str] = {}  # year → why its report cannot serve as the previous year
    with open(state.config.spool / "reports.bin", "rb") as spool:
        for index, year, offset, size in task.items:
            spool.seek(offset)
            report: Report = pickle.loads(spool.read(size))
            # Unidentified files are not one agency: no carryover between them.
            previous = by_year.get(year - 1) if year is not None and task.agency else None
            why_not = _unusable_as_previous(report)  # before auditing: that may mark it failed
            outcome, view = _audit_one(state, index, report, previous, task)
            if view.previous_note and previous is None and year - 1 in unusable:
                view.previous_note = unusable[year - 1]
            outcomes.append(outcome)
            views.append(view)
            if year is not None and report.status == "failed":
                why_not = "无法读取"
            if year is not None and why_not is not None:
                unusable.setdefault(year, f"本单位 {year} 年度报告{why_not}，未做跨年度衔接核对。")
            elif year is not None and year not in by_year:
                by_year[year] = report
            for old in [y for y in by_year if year is not None and y < year - 1]:
                del by_year[old]
    memo = memo_view(task.agency, task.stem, views, state.config.rules_label)
    templates = state.templates
    markdown = templates.render(MEMO_MD, memo=memo)  # both rendered before either is written
    html = templates.render(MEMO_HTML, memo=memo)
    _write(state.config.out, f"memos/{task.stem}.md", markdown)
    _write(state.config.out, f"memos/{task.stem}.html", html)
    return outcomes


def _unusable_as_previous(report: Report) -> str | None:
    """Why a report cannot be the previous year of carryover checks (None: it can).

    An old-style (pre-2019) report has none of the tables carried over, and a report whose
    tables were not read would make every carryover check fail for the tool's reason.
    """
    if report.status == "failed":
        return "无法读取"
    if report.pre_2019:
        return "为旧式格式（2019 年以前的格式，没有统一表格）"
    if not any(cells for rows in report.tables.values() for cells in rows.values()):
        return "未能读取表格"
    return None


def _audit_one(
    state: WorkerState, index: int, report: Report, previous: Report | None, task: MemoTask
):
    failed = report.status == "failed"
    try:
        findings: list[Finding] = list(
            state.backend.audit_report(report, state.ruleset, previous=previous)
        )
    except Exception as exc:  # noqa: BLE001  (an engine crash on one report must not stop the batch)
        failed = True
        report.error = f"审核时发生内部错误：{_one_line(exc)}"
        findings = []
    if failed and not any(f.severity == "error" for f in findings):
        findings.append(_failure_finding(report))
    waivers = state.config.waivers
    active, waived, hits, expired_hits = waivers.apply(findings, report.agency, report.year)
    counts = {"error": 0, "warning": 0, "info": 0}
    rules: dict[str, str] = {}
    for finding in active:
        counts[finding.severity] = counts.get(finding.severity, 0) + 1
        rules.setdefault(finding.rule, finding.title or finding.rule)
    status = "failed" if failed else "audited"
    entry = {
        "source": report.source,
        "status": status,
        "error": report.error if failed else None,
        "agency": report.agency,
        "year": report.year,
        "format": report.format,
        "published": report.published,
        "findings": [f.to_json() for f in active],
        "waived": [f.to_json() for f in waived],
    }
    report.status = status
    row = [
        report.source,
        report.agency,
        report.year,
        report.format,
        report.published,
        status,
        entry["error"],
        counts["error"],
        counts["warning"],
        counts["info"],
        len(waived),
        task.stem,
    ]  # fmt: skip  (ROW_FIELDS order)
    outcome = AuditOutcome(
        index=index,
        failed=failed,
        errors=counts["error"],
        warnings=counts["warning"],
        infos=counts["info"],
        waived=len(waived),
        row=row,
        fragment=json.dumps(entry, ensure_ascii=False, default=str),
        rules=sorted(rules.items()),
        hits=hits,
        expired_hits=expired_hits,
    )
    previous_year = previous.year if previous is not None else None
    view = report_view(
        report, active, waived, state.labels, index, previous_year, task.agency is not None
    )
    return outcome, view


def _failure_finding(report: Report) -> Finding:
    return Finding(
        rule="parse.failed",
        kind="parse",
        severity="error",
        message=report.error or "文件无法作为年度报告读取",
        title="文件无法读取或不是年度报告",
        advice="请提供可复制文字的年度报告全文（网页、文本或带文字层的 PDF）。",
    )


def _write(out: Path, relative: str, text: str) -> None:
    """Write under ``out``; the folder is resolved once, the file name is a safe stem."""
    folder, _, name = relative.rpartition("/")
    real_folder = _REAL_DIRS.get((out, folder))
    if real_folder is None:
        real_folder = inside(out, out / folder)
        real_folder.mkdir(parents=True, exist_ok=True)
        _REAL_DIRS[(out, folder)] = real_folder
    if "/" in name or "\\" in name or name in ("", ".", ".."):
        raise UnsafePathError(f"拒绝写入输出目录以外的路径：{relative}")
    # Written whole or not at all; a link planted in the output folder is replaced, not followed.
    with replacing(real_folder / name) as handle:
        handle.write(text)


_REAL_DIRS: dict[tuple[Path, str], Path] = {}


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
