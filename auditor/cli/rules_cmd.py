"""``audit rules check [DIR]``, ``audit rules test [DIR]`` and ``audit explain REPORT``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from auditor.cli import main
from auditor.errors import AuditorError, RuleError


def _fail(ctx: click.Context, exc: Exception, code: int) -> None:
    if ctx.obj and ctx.obj.get("debug"):
        raise exc
    if isinstance(exc, RuleError):
        for problem in exc.problems:
            click.echo(problem, err=True)
        click.echo(f"规则有 {len(exc.problems)} 个问题，请先修正。", err=True)
    else:
        click.echo(f"错误：{exc}", err=True)
    ctx.exit(code)


def _dir(path: str | None) -> Path | None:
    return Path(path) if path else None


@main.group("rules")
def rules_group() -> None:
    """检查规则文件、运行规则测试用例。"""


@rules_group.command("check")
@click.argument("directory", required=False, type=click.Path(file_okay=False))
@click.pass_context
def rules_check(ctx: click.Context, directory: str | None) -> None:
    """检查规则文件是否写对（DIRECTORY 默认为随工具发布的规则）。有问题时退出码为 2。"""
    from auditor.engine import load_ruleset
    from auditor.ruletest import coverage_problems, load_cases

    try:
        ruleset = load_ruleset(_dir(directory))
        cases, problems = load_cases(ruleset)
        problems = problems + coverage_problems(ruleset, cases)
        if problems:
            raise RuleError(problems)
    except AuditorError as exc:
        _fail(ctx, exc, 2)
        return
    click.echo(f"规则检查通过：{len(ruleset.rules)} 条规则，{len(ruleset.files)} 个文件")


@rules_group.command("test")
@click.argument("directory", required=False, type=click.Path(file_okay=False))
@click.pass_context
def rules_test(ctx: click.Context, directory: str | None) -> None:
    """运行 DIRECTORY/tests/*.yaml 中的规则测试用例。有用例失败时退出码为 1。"""
    from auditor.engine import load_ruleset
    from auditor.ruletest import format_failure, run_all

    try:
        ruleset = load_ruleset(_dir(directory))
        results, problems = run_all(ruleset)
        if problems:
            raise RuleError(problems)
    except AuditorError as exc:
        _fail(ctx, exc, 2)
        return
    failed = [r for r in results if not r.passed]
    for result in failed:
        click.echo(format_failure(result))
        click.echo("")
    passed = len(results) - len(failed)
    click.echo(f"规则测试：{passed} 个用例通过，{len(failed)} 个失败")
    if failed:
        ctx.exit(1)


@main.command("explain")
@click.argument("report", type=click.Path(exists=True, dir_okay=False))
@click.option("--rule", "rule_id", default=None, help="只说明这一条规则（规则编号）。")
@click.option(
    "--rules",
    "rules_dir",
    default=None,
    type=click.Path(file_okay=False),
    help="规则目录（默认为随工具发布的规则）。",
)
@click.option(
    "--previous",
    "previous_path",
    default=None,
    type=click.Path(exists=True, dir_okay=False),
    help="同一单位上一年度的报告，用于说明跨年度衔接（carryover）规则。",
)
@click.pass_context
def explain(
    ctx: click.Context,
    report: str,
    rule_id: str | None,
    rules_dir: str | None,
    previous_path: str | None,
) -> None:
    """逐条说明每条规则对这份年报是否适用、通过、触发或未检查，以及原因。

    Explain, rule by rule, whether it applied, passed, fired or was skipped, and why.
    """
    from auditor.engine import explain_report, load_ruleset
    from auditor.explain import render_traces

    try:
        ruleset = load_ruleset(_dir(rules_dir))
        if rule_id is not None and ruleset.get(rule_id) is None and not rule_id.startswith("parse"):
            from auditor.checks.refs import suggest

            raise AuditorError(f"没有编号为 {rule_id} 的规则{suggest(rule_id, ruleset.ids)}")
        try:
            from auditor.parse import parse_path
        except ImportError as exc:
            raise AuditorError("报告解析模块尚不可用，无法说明") from exc
        parsed = parse_path(Path(report), formats=ruleset.formats, source=report)
        previous = None
        if previous_path is not None:
            previous = parse_path(
                Path(previous_path), formats=ruleset.formats, source=previous_path
            )
            for warning in _previous_mismatch(parsed, previous):
                click.echo(f"注意：{warning}", err=True)
        traces = explain_report(parsed, ruleset, rule_id, previous=previous)
    except AuditorError as exc:
        _fail(ctx, exc, 2)
        return
    sys.stdout.write(render_traces(parsed, traces))


def _previous_mismatch(report, previous) -> list[str]:
    """Why ``--previous`` may not be this agency's report for the year before."""
    from auditor.agency import agency_key

    warnings = []
    if agency_key(report.agency) != agency_key(previous.agency):
        warnings.append(
            f"--previous 的单位（{previous.agency or '未识别'}）与本报告（{report.agency or '未识别'}）不同"
        )
    if report.year is not None and previous.year is not None and previous.year != report.year - 1:
        warnings.append(f"--previous 是 {previous.year} 年度报告，本报告是 {report.year} 年度")
    return warnings
