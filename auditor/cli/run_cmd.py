"""``audit run`` (audit a batch and write memos) and ``audit init`` (create a working folder)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from auditor.cli import main
from auditor.errors import AuditorError, RuleError
from auditor.resources import shipped_rules_dir, shipped_templates_dir

FAIL_ON = ("error", "warning", "never")


def _fail(ctx: click.Context, exc: BaseException) -> None:
    """Print an error as Chinese lines (a traceback only with --debug) and exit 2."""
    if (ctx.obj or {}).get("debug"):
        raise exc
    from auditor.waivers import WaiverError

    if isinstance(exc, RuleError):
        click.echo("规则文件有错误，未进行审核：", err=True)
        for problem in exc.problems:
            click.echo(f"  {problem}", err=True)
    elif isinstance(exc, WaiverError):
        click.echo(f"豁免清单有 {len(exc.problems)} 个问题，未进行审核：", err=True)
        for problem in exc.problems:
            click.echo(f"  {problem}", err=True)
    elif isinstance(exc, AuditorError):
        click.echo(f"错误：{exc}", err=True)
    else:
        click.echo(f"内部错误：{type(exc).__name__}: {exc}（加 --debug 可查看详细信息）", err=True)
    ctx.exit(2)


def local_defaults(
    rules_dir: Path | None, templates_dir: Path | None, waivers_path: Path | None
) -> tuple[Path | None, Path | None, Path | None, list[str]]:
    """Options not given fall back to the current folder's rules/, templates/, waivers.yaml
    (the layout ``audit init`` makes); also returns what was taken from there, for one line
    of output. The shipped folders (the repository root) count as the built-in ones."""
    local: list[str] = []
    if rules_dir is None and _is_local(Path("rules"), shipped_rules_dir(), "*.yaml", "*.yml"):
        rules_dir = Path("rules")
        local.append("规则 rules/")
    if templates_dir is None and _is_local(Path("templates"), shipped_templates_dir(), "*.j2"):
        templates_dir = Path("templates")
        local.append("模板 templates/")
    if waivers_path is None and Path("waivers.yaml").is_file():
        waivers_path = Path("waivers.yaml")
        local.append("豁免清单 waivers.yaml")
    return rules_dir, templates_dir, waivers_path, local


def _is_local(folder: Path, shipped: Path, *patterns: str) -> bool:
    """``folder`` holds files matching ``patterns`` and is not the shipped folder itself."""
    if not folder.is_dir() or not any(any(folder.glob(p)) for p in patterns):
        return False
    try:
        return folder.resolve() != shipped.resolve()
    except OSError:
        return True


@main.command("run")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--out",
    "out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("audit-out"),
    show_default=True,
    help="输出目录（备忘录、总览、findings.json、summary.csv）。 Output folder.",
)
@click.option(
    "--rules",
    "rules_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="规则目录；不写时，如当前目录下有 rules/（含规则文件）就用它，否则用内置规则。"
    " Rules folder (default: ./rules/ if it holds rule files, else the shipped rules).",
)
@click.option(
    "--templates",
    "templates_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="备忘录模板目录（可只放要改的模板）；不写时，如当前目录下有 templates/*.j2 就用它，"
    "否则用内置模板。 Templates folder (default: ./templates/ if it holds *.j2, else shipped).",
)
@click.option(
    "--waivers",
    "waivers_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="豁免清单；不写时，如当前目录下有 waivers.yaml 就用它。"
    " Waivers file (default: ./waivers.yaml if present).",
)
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=None,
    help="并行进程数，默认等于 CPU 核数；结果与进程数无关。 Parallel workers (default: CPU count).",
)
@click.option(
    "--fail-on",
    type=click.Choice(FAIL_ON),
    default="error",
    show_default=True,
    help="出现该级别的问题时以退出码 1 结束（never＝总是 0）。 Exit 1 when a finding reaches this severity.",
)
@click.pass_context
def run_command(ctx: click.Context, paths: tuple[Path, ...], out: Path, rules_dir: Path | None,
                templates_dir: Path | None, waivers_path: Path | None, jobs: int | None, fail_on: str) -> None:  # fmt: skip
    """审核一批年度报告，为每个单位写出审核意见（备忘录）。

    \b
    PATHS 可以是文件或文件夹（递归查找 .txt .html .htm .pdf .md），默认 reports-in/；
    文件夹中的 Word、WPS、OFD、Excel 等文档列为“无法审核”（请另存为 PDF、HTML 或文本）。
    不写 --rules / --templates / --waivers 时，使用当前目录下的 rules/、templates/、
    waivers.yaml（如果有，例如 audit init 建立的工作目录），否则用内置规则和模板。
    输出：OUT/memos/<单位>.md 和 .html（每个单位一份审核意见）、OUT/index.html（总览）、
          OUT/findings.json、OUT/summary.csv。
    退出码：0 没有达到 --fail-on 级别的问题；1 有；2 命令、规则、模板或豁免清单有错误。

    \b
    Audit every report under PATHS (default reports-in/) and write one memo per agency,
    an index, findings.json and summary.csv. Without --rules / --templates / --waivers,
    ./rules/, ./templates/ and ./waivers.yaml are used when present. Exit code: 0 ok,
    1 findings reach --fail-on, 2 usage, rule, template or waivers error.
    """
    from auditor.batch import BatchOptions, run_batch
    from auditor.batch.runner import default_jobs
    from auditor.batch.worker import backend_factory
    from auditor.render.env import Templates
    from auditor.waivers import load_waivers

    try:
        rules_dir, templates_dir, waivers_path, local = local_defaults(
            rules_dir, templates_dir, waivers_path
        )
        if local:
            click.echo("使用当前目录的" + "、".join(local), err=True)
        ruleset = backend_factory().load_ruleset(rules_dir)  # refuses to audit with broken rules
        waivers = load_waivers(waivers_path, ruleset=ruleset)
        templates = Templates(templates_dir)
        options = BatchOptions(
            paths=list(paths) or [Path("reports-in")],
            out=out,
            rules_dir=rules_dir,
            templates_dir=templates_dir,
            waivers=waivers,
            jobs=jobs or default_jobs(),
            progress=sys.stderr.isatty(),
            on_failure=lambda source, reason: click.echo(f"无法审核 {source}：{reason}", err=True),
        )
        result = run_batch(options, ruleset, templates)
    except KeyboardInterrupt:
        click.echo("已中断。", err=True)
        ctx.exit(130)
    except Exception as exc:  # noqa: BLE001  (every failure becomes one Chinese line, exit 2)
        _fail(ctx, exc)
        return

    for note in result.unmatched_waivers + result.expired_waivers:
        click.echo(f"豁免清单：{note}", err=True)
    if result.inputs == 0:
        click.echo("没有找到任何年报文件（.txt .html .htm .pdf .md）。", err=True)
    if result.skipped_names:
        more = (
            f"（共 {result.skipped} 个，只列出前 {len(result.skipped_names)} 个）"
            if result.skipped > len(result.skipped_names)
            else ""
        )
        click.echo(f"跳过的非报告文件：{'、'.join(result.skipped_names)}{more}", err=True)
    skipped = f"（另有 {result.skipped} 个非报告文件被跳过）" if result.skipped else ""
    click.echo(
        f"审核完成：共 {result.inputs} 份文件{skipped}，已审核 {result.audited} 份，无法审核 {result.failed} 份；"
        f"错误 {result.errors} 项，警告 {result.warnings} 项，提示 {result.infos} 项，已豁免 {result.waived} 项；"
        f"写出审核意见 {result.memos} 份；豁免未匹配 {len(result.unmatched_waivers)} 条，"
        f"已过期 {len(result.expired_waivers)} 条。总览：{(out / 'index.html').as_posix()}",
        err=True,
    )
    failing = {"error": result.errors, "warning": result.errors + result.warnings, "never": 0}[
        fail_on
    ]
    ctx.exit(1 if failing else 0)


@main.command("init")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--force",
    is_flag=True,
    help="目录非空时仍然写入（覆盖同名文件）。 Write into a non-empty folder.",
)
@click.pass_context
def init_command(ctx: click.Context, directory: Path, force: bool) -> None:
    """建立审核团队的工作目录：规则、模板、豁免清单示例、reports-in/ 和说明。

    \b
    Create a working folder for an audit team: a copy of the shipped rules and templates,
    an example waivers.yaml, an empty reports-in/ and a short README.
    """
    from auditor.initdir import init_workdir

    try:
        created = init_workdir(directory, force=force)
    except Exception as exc:  # noqa: BLE001
        _fail(ctx, exc)
        return
    click.echo(f"已建立工作目录 {directory.as_posix()}：{'、'.join(created)}")
    click.echo(f"下一步：把年报放进 {(directory / 'reports-in').as_posix()}/，然后在该目录中运行：")
    click.echo("  audit run reports-in")
    click.echo("（自动使用该目录中的 rules/、templates/ 和 waivers.yaml）")
