"""The ``audit`` command. Each subcommand lives in its own module and registers itself here."""

from __future__ import annotations

import click

from auditor import __version__

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


@click.group(context_settings=CONTEXT_SETTINGS)
@click.version_option(
    __version__, "-V", "--version", prog_name="audit (xxgk-auditor)", message="%(prog)s %(version)s"
)
@click.option(
    "--debug", is_flag=True, help="出错时显示完整的 Python 调用栈（开发者用）。 Show tracebacks."
)
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    """政府信息公开工作年度报告合规审核工具 (xxgk-auditor)。

    按 YAML 规则审核年报：必备章节、表格行、勾稽关系、正文与表格一致、发布时限等，
    并为每个单位生成审核意见（备忘录）。

    \b
    常用命令 / common commands:
      audit run reports-in/          审核一批年报，输出到 audit-out/
      audit parse 报告.txt            查看工具从一份年报中读到了什么
      audit explain 报告.txt          逐条说明规则为何触发或通过
      audit rules check rules/        检查规则文件是否写对
      audit rules test rules/         运行规则测试用例
      audit init 工作目录/            建立审核团队的工作目录
    """
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug


def _register() -> None:
    from auditor.cli import commands  # noqa: F401  (imports register the subcommands)


_register()
