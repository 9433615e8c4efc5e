"""Throughput benchmark (``make bench``): generated reports through ``audit run`` and its stages.

Generates N synthetic reports (mixed layouts, formats and defects) into a temporary folder,
then measures:

- end to end: ``audit run DIR --out TMP --fail-on never --jobs J`` as a subprocess, J = 1 and 2,
  with the peak RSS of the largest of the subprocess and its workers (VmHWM from /proc);
- the parse stage alone and the rule stage alone, in this process;
- with ``--scale K`` (default 10), the end-to-end run again on K×N reports, to show that the
  peak memory does not grow with the batch size.

``--profile`` prints the hottest functions of the parse and rule stages (cProfile).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
AUDIT = ROOT / ".venv" / "bin" / "audit"


def _generate(directory: Path, n: int, seed: int) -> tuple[list[Path], float]:
    from auditor.testing.generator import write_batch

    start = time.perf_counter()
    paths = write_batch(directory, n, seed)
    return paths, time.perf_counter() - start


def _run_audit(reports: Path, out: Path, jobs: int) -> tuple[float, float, int]:
    """Wall seconds, peak RSS in MiB (the largest of the subprocess and its workers), exit code.

    The peak is read from /proc (VmHWM of each process, polled). ``ru_maxrss`` from ``wait4``
    cannot be used: Linux keeps a process's high-water mark across exec, so a child forked from
    this (large) benchmark process would report the benchmark's own size.
    """
    command = [
        str(AUDIT),
        "run",
        str(reports),
        "--out",
        str(out),
        "--fail-on",
        "never",
        "--jobs",
        str(jobs),
    ]
    start = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak_kib = 0
    while proc.poll() is None:
        for pid in (proc.pid, *_children(proc.pid)):
            peak_kib = max(peak_kib, _vm_hwm_kib(pid))
        time.sleep(0.05)
    elapsed = time.perf_counter() - start
    stderr = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
    if proc.returncode != 0:
        print(f"  audit run 退出码 {proc.returncode}: {stderr.strip()[-500:]}", file=sys.stderr)
    return elapsed, peak_kib / 1024, proc.returncode


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(item) for item in text.split()]


def _vm_hwm_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _stages(paths: list[Path], profile: bool) -> dict[str, float]:
    from auditor.engine import audit_report, load_ruleset
    from auditor.formats import load_formats
    from auditor.parse import parse_path

    formats = load_formats()
    ruleset = load_ruleset()
    profiler = cProfile.Profile() if profile else None
    if profiler:
        profiler.enable()
    start = time.perf_counter()
    reports = [parse_path(p, formats) for p in paths]
    parse_s = time.perf_counter() - start
    if profiler:
        profiler.disable()
        _print_profile(profiler, "解析阶段 parse stage")
        profiler = cProfile.Profile()
        profiler.enable()
    start = time.perf_counter()
    findings = sum(len(audit_report(r, ruleset)) for r in reports)
    rules_s = time.perf_counter() - start
    if profiler:
        profiler.disable()
        _print_profile(profiler, "规则阶段 rule stage")
    failed = sum(r.status != "parsed" for r in reports)
    return {"parse": parse_s, "rules": rules_s, "findings": findings, "failed": failed}


def _print_profile(profiler: cProfile.Profile, title: str, top: int = 25) -> None:
    buffer = io.StringIO()
    stats = pstats.Stats(profiler, stream=buffer).strip_dirs().sort_stats("tottime")
    stats.print_stats(top)
    print(f"\n---- {title}: top {top} by own time ----")
    print("\n".join(buffer.getvalue().splitlines()[4:]))


def _rate(n: int, seconds: float) -> str:
    return f"{n / seconds:8.0f} 份/秒 ({seconds:6.2f} s)" if seconds > 0 else "-"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="审核吞吐量基准 (throughput benchmark)")
    parser.add_argument("--n", type=int, default=2000, help="报告份数 (reports per batch)")
    parser.add_argument(
        "--scale", type=int, default=10, help="再以 K×N 份运行一次以比较内存 (1 = skip)"
    )
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2], help="并行进程数列表")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--profile", action="store_true", help="打印解析与规则阶段的热点函数")
    parser.add_argument("--keep", type=Path, default=None, help="把生成的报告保留在此目录")
    args = parser.parse_args(argv)

    if not AUDIT.exists():
        print(f"找不到 {AUDIT}，请先运行 make test 或 pip install -e .", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="xxgk-bench-"))
    try:
        reports = args.keep or work / "reports"
        paths, gen_s = _generate(reports, args.n, args.seed)
        print(f"生成 {args.n} 份报告: {_rate(args.n, gen_s)}  → {reports}")
        print(f"{'stage':<28}{'throughput':>28}{'peak RSS':>14}")
        for jobs in args.jobs:
            elapsed, rss, _ = _run_audit(reports, work / f"out-{jobs}", jobs)
            print(f"{f'audit run --jobs {jobs}':<28}{_rate(args.n, elapsed):>28}{rss:>10.0f} MiB")
        stages = _stages(paths, args.profile)
        print(f"{'parse stage (in-process)':<28}{_rate(args.n, stages['parse']):>28}")
        print(f"{'rule stage (in-process)':<28}{_rate(args.n, stages['rules']):>28}")
        print(f"  {stages['findings']} findings, {stages['failed']} reports failed to parse")
        if args.scale > 1:
            big_n = args.n * args.scale
            big = work / "reports-big"
            _, gen_s = _generate(big, big_n, args.seed + 1)
            jobs = max(args.jobs)
            elapsed, rss, _ = _run_audit(big, work / "out-big", jobs)
            print(
                f"{f'audit run ×{args.scale} --jobs {jobs}':<28}{_rate(big_n, elapsed):>28}{rss:>10.0f} MiB"
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
