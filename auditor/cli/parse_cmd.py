"""``audit parse``: show what the tool read from a report (a summary, or JSON Lines)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from auditor.cli import main
from auditor.formats import FormatSet, TableDef, load_formats
from auditor.model import Report
from auditor.parse import parse_path
from auditor.resources import formats_dir
from auditor.rules.loader import check_format_files


@main.command("parse")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--json", "as_json", is_flag=True, help="输出 JSON Lines（每个文件一行）。 Print JSON Lines."
)
@click.option(
    "--rules",
    "rules_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="规则目录（读取其中 formats/ 的格式定义），默认用内置规则。 Rules folder.",
)
@click.pass_context
def parse_command(
    ctx: click.Context, files: tuple[Path, ...], as_json: bool, rules_dir: Path | None
) -> None:
    """解析年报并显示读到的内容：章节、三张统计表、无法读取的单元格。

    Parse report files and show what was read. 文件无法解析时仍输出一条 status=failed 的记录；
    只有命令本身无法运行时才以退出码 2 结束。
    """
    where = formats_dir(rules_dir)
    problems = check_format_files(where)
    if problems:  # a broken format file is a usage problem, not a report problem
        for problem in problems:
            click.echo(problem, err=True)
        click.echo(f"格式定义有 {len(problems)} 个问题，请先修正。", err=True)
        ctx.exit(2)
    formats = load_formats(where)
    for path in files:
        if not path.exists():
            report = Report(source=str(path), status="failed", error="文件不存在")
        else:
            report = _parse_safely(ctx, path, formats)
        if as_json:
            sys.stdout.write(json.dumps(report.to_json(), ensure_ascii=False) + "\n")
        else:
            click.echo(render_summary(report, formats))


def _parse_safely(ctx: click.Context, path: Path, formats: FormatSet) -> Report:
    try:
        return parse_path(path, formats)
    except Exception as error:  # never a traceback for one bad file
        if ctx.obj.get("debug"):
            raise
        return Report(source=str(path), status="failed", error=f"解析时出现内部错误：{error}")


def render_summary(report: Report, formats: FormatSet) -> str:
    """A readable account of what was read, for an auditor checking the parser."""
    out: list[str] = [f"== {report.source}"]
    if report.status != "parsed":
        out.append(f"  无法解析：{report.error}")
        return "\n".join(out)
    fmt_name = {
        "2019": "2019版（国办公开办函〔2019〕60号）",
        "2021": "2021版（国办公开办函〔2021〕30号）",
    }
    out.append(f"  单位：{report.agency or '（未识别）'}    年度：{report.year or '（未识别）'}")
    shown_format = fmt_name.get(report.format or "", "（未识别）")
    if report.pre_2019:
        shown_format = "2019年以前的旧版格式"
    if len(set(report.table_formats.values())) > 1:
        shown_format += f"  ⚠ 混用格式：{report.table_formats}"
    out.append(f"  格式：{shown_format}    发布日期：{report.published or '（正文未写明）'}")
    for note in report.notes:
        out.append(f"  说明：{note}")
    out.append("  章节：")
    if not report.sections:
        out.append("    （未找到）")
    for info in report.sections.values():
        out.append(f"    第{info.line}行  {info.heading}  [{info.key}]")
    fmt = formats.get(report.format)
    if fmt is not None:
        for table_key, table in fmt.tables.items():
            variant = formats.get(report.table_formats.get(table_key))
            out.extend(_table_grid(report, variant.tables[table_key] if variant else table))
    trivial = [
        r
        for r in report.resolutions
        if r.method == "unique" and set("".join(r.chosen or [])) <= {"0"}
    ]
    shown = [r for r in report.resolutions if r not in trivial]
    if report.resolutions:
        out.append(f"  粘连数字的拆分（另有{len(trivial)}行全为0、只有一种拆分，未列出）：")
        for item in shown:
            how = {
                "unique": "唯一拆分",
                "row_total": "按本行合计确定",
                "column_sums": "按列合计确定",
            }.get(item.method, f"无法确定（{item.candidates}种可能）")
            chosen = " ".join(item.chosen) if item.chosen else "—"
            out.append(
                f"    第{item.line}行 {item.table}:{item.row}  “{item.raw[:40]}” → {chosen}  {how}"
            )
    return "\n".join(out)


def _table_grid(report: Report, table: TableDef) -> list[str]:
    lines = [f"  表：{table.title} [{table.key}]"]
    found = set(report.rows_found.get(table.key, ()))
    if not found:
        lines.append("    （未找到该表）")
        return lines
    cells = report.tables.get(table.key, {})
    unreadable = {(u.row, u.column) for u in report.unreadable if u.table == table.key}
    for row in table.rows:
        if row.key not in found:
            lines.append(f"    {_pad(row.label)}  （缺少此行）")
            continue
        shown = []
        for column in row.columns:
            if (row.key, column) in unreadable or (row.key, "*") in unreadable:
                shown.append("??")
            else:
                value = cells.get(row.key, {}).get(column)
                shown.append("??" if value is None else str(value))
        line_no = report.row_lines.get(f"{table.key}:{row.key}", "")
        lines.append(f"    {_pad(row.label)}  {' | '.join(shown)}   (第{line_no}行)")
    reasons = [u for u in report.unreadable if u.table == table.key]
    seen: set[tuple[str, str]] = set()
    for item in reasons:
        if (item.row, item.reason) in seen:
            continue
        seen.add((item.row, item.reason))
        lines.append(f"    ?? {item.row}: {item.reason}")
    return lines


def _pad(label: str, width: int = 40) -> str:
    """Cut and pad a label to a display width (CJK characters count double)."""
    out, used = "", 0
    for char in label:
        size = 2 if ord(char) > 0x2E7F else 1
        if used + size > width:
            break
        out, used = out + char, used + size
    return out + " " * (width - used)
