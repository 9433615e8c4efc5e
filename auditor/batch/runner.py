"""``audit run``: parse every input, group by agency, audit (with the previous year for
carryover rules), write one memo per agency, then findings.json, summary.csv and index.html.

Memory stays flat with batch size: parsed reports, the agency grouping and every per-report
result are spooled to a temporary folder inside ``--out`` (removed at the end); the parent holds
the sorted list of input paths, one bucket of the grouping and counters. Output does not depend
on ``--jobs``: workers may finish in any order, but every output is written in source order and
memo names depend only on the set of agencies.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import sys
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from auditor.agency import inside
from auditor.batch import worker
from auditor.batch.discover import discover_inputs
from auditor.batch.grouping import Grouper
from auditor.batch.outputs import (
    IndexView,
    TopFinding,
    index_rows,
    write_findings_and_summary,
    write_index_html,
)
from auditor.batch.records import AuditOutcome, WorkerConfig
from auditor.batch.spool import ResultStore
from auditor.errors import AuditorError
from auditor.render.env import Templates
from auditor.resources import shipped_rules_dir
from auditor.waivers import WaiverSet

TOP_FINDINGS = 20
PROGRESS_MIN = 200  # show a progress bar only for batches that take more than a moment


class UsageProblem(AuditorError):
    """Bad command-line input (exit code 2)."""


@dataclass(slots=True)
class BatchOptions:
    paths: list[Path]
    out: Path
    rules_dir: Path | None = None
    templates_dir: Path | None = None
    waivers: WaiverSet = field(default_factory=WaiverSet)
    jobs: int = 1
    progress: bool = False
    # Called once per failed input, in source order, with its one-line reason.
    on_failure: Callable[[str, str], None] | None = None


@dataclass(slots=True)
class BatchResult:
    inputs: int = 0
    audited: int = 0
    failed: int = 0
    errors: int = 0
    warnings: int = 0
    infos: int = 0
    waived: int = 0
    memos: int = 0
    skipped: int = 0
    skipped_names: list[str] = field(default_factory=list)  # the first few skipped files
    unmatched_waivers: list[str] = field(default_factory=list)
    expired_waivers: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Tally:
    """Batch-wide counters, updated as outcomes arrive (in any order)."""

    result: BatchResult
    hits: Counter[int] = field(default_factory=Counter)
    expired_hits: Counter[int] = field(default_factory=Counter)
    rules: Counter[str] = field(default_factory=Counter)
    titles: dict[str, str] = field(default_factory=dict)

    def add(self, outcome: AuditOutcome) -> None:
        result = self.result
        if outcome.failed:
            result.failed += 1
        else:
            result.audited += 1
        result.errors += outcome.errors
        result.warnings += outcome.warnings
        result.infos += outcome.infos
        result.waived += outcome.waived
        self.hits.update(outcome.hits)
        self.expired_hits.update(outcome.expired_hits)
        for rule, title in outcome.rules:
            self.rules[rule] += 1
            self.titles.setdefault(rule, title)

    def top(self) -> list[TopFinding]:
        ranked = sorted(self.rules.items(), key=lambda item: (-item[1], item[0]))
        return [TopFinding(rule, self.titles[rule], n) for rule, n in ranked[:TOP_FINDINGS]]


def rules_label(rules_dir: Path | None) -> str:
    path = rules_dir if rules_dir is not None else shipped_rules_dir()
    if rules_dir is None:
        with suppress(ValueError):
            path = path.resolve().relative_to(Path.cwd().resolve())
    text = path.as_posix()
    return text if text.endswith("/") else text + "/"


def run_batch(options: BatchOptions, ruleset: Any, templates: Templates) -> BatchResult:
    """Run the batch; ``ruleset`` and ``templates`` are already loaded and checked."""
    inputs = discover_inputs(options.paths, exclude=options.out)
    if inputs.missing:
        raise UsageProblem("找不到输入路径：" + "、".join(inputs.missing))
    out = options.out
    out.mkdir(parents=True, exist_ok=True)
    (out / "memos").mkdir(exist_ok=True)
    inside(out, out / "memos")  # a memos/ link pointing elsewhere stops the run before any work
    label = rules_label(options.rules_dir)
    spool = Path(tempfile.mkdtemp(prefix=".audit-tmp-", dir=out))
    config = WorkerConfig(
        options.rules_dir, options.templates_dir, options.waivers, spool, out, label
    )
    preloaded = worker.make_state(config, worker.backend_factory(), ruleset, templates)
    total = len(inputs.files)
    tally = Tally(
        BatchResult(inputs=total, skipped=inputs.skipped, skipped_names=inputs.skipped_names)
    )
    store: ResultStore | None = None
    try:
        # No more processes than files (a pool of 64 for five reports only costs start-up time).
        jobs = max(1, min(options.jobs, total))
        store = ResultStore(spool, total)
        with _executor(jobs, config, preloaded) as (imap, imap_unordered):
            grouper = _parse_all(inputs.files, spool, imap, options.progress)
            with _progress(total, "审核并撰写意见", options.progress) as bar:
                for tasks in grouper.tasks():
                    tally.result.memos += len(tasks)
                    chunksize = max(1, min(16, len(tasks) // (jobs * 4)))
                    for outcomes in imap_unordered(worker.audit_group, tasks, chunksize):
                        for outcome in outcomes:
                            store.put(outcome.index, outcome.row, outcome.fragment)
                            tally.add(outcome)
                        bar.update(len(outcomes))
        store.close()
        write_findings_and_summary(out, store, label, options.on_failure)
        _waiver_notes(tally, options.waivers)
        write_index_html(out, templates, _index_view(tally, store, options.waivers, label))
        return tally.result
    finally:
        if store is not None:
            store.close()
        shutil.rmtree(spool, ignore_errors=True)


ImapFn = Callable[[Callable[[Any], Any], Iterable[Any], int], Iterator[Any]]


@contextmanager
def _executor(
    jobs: int, config: WorkerConfig, preloaded: worker.WorkerState
) -> Iterator[tuple[ImapFn, ImapFn]]:
    """(ordered imap, unordered imap) over one pool, or plain ``map`` for a single job."""
    if jobs <= 1:
        worker.init_worker(config, preloaded)

        def serial(fn, items, chunksize):
            return map(fn, items)

        yield serial, serial
        return
    # With fork the children inherit the loaded ruleset; elsewhere each worker loads it once.
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    context = multiprocessing.get_context(method)
    initargs = (config, preloaded if method == "fork" else None)
    pool = context.Pool(jobs, initializer=worker.init_worker, initargs=initargs)
    try:
        yield pool.imap, pool.imap_unordered
        pool.close()
        pool.join()
    finally:
        pool.terminate()


def _parse_all(files: list[tuple[str, str]], spool: Path, imap: ImapFn, progress: bool) -> Grouper:
    """Parse in input order, spool each Report and file it under its agency's bucket."""
    total = len(files)
    tasks = ((index, source, path) for index, (source, path) in enumerate(files))
    chunksize = max(1, min(32, total // 32))
    grouper = Grouper(spool / "groups", total)
    try:
        with (
            open(spool / "reports.bin", "wb") as handle,
            _progress(total, "读取报告", progress) as bar,
        ):
            for parsed, blob in imap(worker.parse_one, tasks, chunksize):
                grouper.add(parsed, handle.tell(), len(blob))
                handle.write(blob)
                bar.update(1)
    finally:
        grouper.close()
    return grouper


def _waiver_notes(tally: Tally, waivers: WaiverSet) -> None:
    result = tally.result
    for waiver in waivers.unmatched(tally.hits):
        result.unmatched_waivers.append(
            f"{waivers.location(waiver)}: 未匹配任何问题（{waiver.describe()}）"
        )
    for waiver in waivers.expired():
        would = tally.expired_hits.get(waiver.index, 0)
        extra = f"，本次有 {would} 项问题因此未被豁免" if would else ""
        expires = waiver.expires.isoformat() if waiver.expires else ""
        result.expired_waivers.append(
            f"{waivers.location(waiver)}: 已于 {expires} 过期{extra}（{waiver.describe()}）"
        )


def _index_view(tally: Tally, store: ResultStore, waivers: WaiverSet, label: str) -> IndexView:
    result = tally.result
    return IndexView(
        total=result.inputs,
        audited=result.audited,
        failed=result.failed,
        errors=result.errors,
        warnings=result.warnings,
        infos=result.infos,
        waived=result.waived,
        memos=result.memos,
        rules_label=label,
        waivers_label=waivers.path,
        waiver_notes=result.unmatched_waivers + result.expired_waivers,
        top_findings=tally.top(),
        rows=index_rows(store.read()),
    )


class _NoBar:
    def update(self, n: int) -> None:
        pass


@contextmanager
def _progress(length: int, label: str, enabled: bool):
    if not enabled or length < PROGRESS_MIN:
        yield _NoBar()
        return
    with click.progressbar(length=length, label=label, file=sys.stderr, show_pos=True) as bar:
        yield bar


def default_jobs() -> int:
    return os.cpu_count() or 1
