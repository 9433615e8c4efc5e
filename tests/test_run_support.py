"""Fakes of the parser and engine for the ``audit run`` tests (no real rules needed).

A fake report is a UTF-8 text with lines ``单位：X``, ``年度：N`` and ``问题：RULE SEVERITY [TABLE ROW]``;
``旧式格式`` makes it a pre-2019 report, ``表格未读出`` one whose tables were not read.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from auditor.batch import worker
from auditor.batch.records import Backend
from auditor.errors import RuleError
from auditor.formats import load_formats
from auditor.model import Finding, Report


def fake_parse(path: Path, formats=None, source: str | None = None) -> Report:
    source = source or str(path)
    data = path.read_bytes()
    if not data.strip():
        return Report(source=source, status="failed", error="文件是空的")
    if b"\x00" in data:
        return Report(source=source, status="failed", error="二进制文件，不是文本")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("gbk", errors="replace")
    report = Report(source=source, text=text, format="2021")
    for line in text.splitlines():
        if line.startswith("单位："):
            report.agency = line.removeprefix("单位：")
        elif line.startswith("年度："):
            report.year = int(line.removeprefix("年度："))
    if report.agency is None and report.year is None:
        return Report(source=source, status="failed", error="不是政府信息公开工作年度报告")
    report.tables = {"applications": {"carried_forward": {"total": 3}}}
    if "旧式格式" in text:  # an old-style (pre-2019) report: no tables
        report.pre_2019, report.format, report.tables = True, None, {}
    if "表格未读出" in text:
        report.tables = {"applications": {"carried_forward": {}}}
    return report


def fake_load_ruleset(rules_dir: Path | None = None):
    if rules_dir is not None and (Path(rules_dir) / "broken.yaml").exists():
        raise RuleError(
            [f"{Path(rules_dir) / 'broken.yaml'}:3:5: 规则缺少 id", "x.yaml:1:1: 第二个问题"]
        )
    return SimpleNamespace(
        formats=load_formats(), rules=[SimpleNamespace(id=i) for i in FAKE_RULES]
    )


# Rule ids the fake rule set knows (waivers naming other ids are refused, as with real rules).
FAKE_RULES = (
    "applications.balance", "pattern.fee", "other.rule", "never.fires", "carryover.seen", "x",
    "other_matters.fee_statement",
)  # fmt: skip


def fake_audit(report: Report, ruleset, previous: Report | None = None) -> list[Finding]:
    if report.status == "failed":
        return [
            Finding(rule="parse.failed", kind="parse", severity="error", message=report.error or "")
        ]
    findings = []
    for line in report.text.splitlines():
        if line.startswith("问题："):
            parts = line.removeprefix("问题：").split()
            rule, severity = parts[0], parts[1]
            table, row = (parts[2], parts[3]) if len(parts) >= 4 else (None, None)
            findings.append(
                Finding(
                    rule=rule, kind="identity", severity=severity, title=f"标题 {rule}",
                    message=f"<b>{rule}</b> 不符", table=table, row=row,
                    column="total" if table else None, line=7, expected=3, actual=4,
                    basis="条例第五十条", advice="请更正",
                )
            )  # fmt: skip
    if previous is not None:
        findings.append(
            Finding(rule="carryover.seen", kind="carryover", severity="info",
                    message=f"上一年度 {previous.year}", expected=previous.year)
        )  # fmt: skip
    return sorted(findings, key=lambda f: (f.rule, f.row or ""))


FAKE = Backend(parse_path=fake_parse, load_ruleset=fake_load_ruleset, audit_report=fake_audit)


@pytest.fixture
def fake_backend(monkeypatch: pytest.MonkeyPatch) -> Backend:
    monkeypatch.setattr(worker, "backend_factory", lambda: FAKE)
    return FAKE


def write_report(
    folder: Path, name: str, agency: str | None, year: int | None, *problems: str
) -> Path:
    lines = []
    if agency is not None:
        lines.append(f"单位：{agency}")
    if year is not None:
        lines.append(f"年度：{year}")
    lines += [f"问题：{p}" for p in problems]
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
