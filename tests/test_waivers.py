import datetime as dt
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_run_support import fake_backend, write_report  # noqa: F401

from auditor.cli import main
from auditor.model import Finding
from auditor.waivers import WaiverError, load_waivers

TODAY = dt.date(2025, 6, 1)


def _file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "waivers.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _finding(rule="pattern.fee", table=None, row=None, line=10) -> Finding:
    return Finding(
        rule=rule, kind="pattern", severity="error", message="m", table=table, row=row, line=line
    )


def test_match_by_rule_agency_year_and_location(tmp_path):
    waivers = load_waivers(
        _file(
            tmp_path,
            """waivers:
  - rule: applications.balance
    agency: 天门市 招商服务中心
    year: 2022
    table: applications
    row: carried_forward
    reason: 已核实
    approved_by: 张三
    expires: 2025-12-31
""",
        ),
        today=TODAY,
    )
    hit = _finding("applications.balance", "applications", "carried_forward", line=99)
    other_row = _finding("applications.balance", "applications", "new_received")
    active, waived, hits, expired = waivers.apply([hit, other_row], "天门市招商服务中心", 2022)
    assert waived == [hit] and active == [other_row]
    assert hit.waiver["reason"] == "已核实" and hit.waiver["approved_by"] == "张三"
    assert hits == {1: 1} and expired == {}
    # other year, other agency: nothing waived
    assert (
        waivers.apply(
            [_finding("applications.balance", "applications", "carried_forward")],
            "天门市招商服务中心",
            2023,
        )[1]
        == []
    )
    assert (
        waivers.apply(
            [_finding("applications.balance", "applications", "carried_forward")], "别的单位", 2022
        )[1]
        == []
    )


def test_omitted_fields_match_anything_and_glob(tmp_path):
    waivers = load_waivers(
        _file(tmp_path, "- rule: pattern.*\n  reason: r\n  approved_by: a\n"), today=TODAY
    )
    active, waived, *_ = waivers.apply(
        [_finding("pattern.fee"), _finding("section.missing")], None, None
    )
    assert [f.rule for f in waived] == ["pattern.fee"]
    assert [f.rule for f in active] == ["section.missing"]


def test_expired_and_unmatched(tmp_path):
    waivers = load_waivers(
        _file(
            tmp_path,
            """waivers:
  - {rule: pattern.fee, reason: old, approved_by: a, expires: 2025-05-31}
  - {rule: nothing.matches, reason: r, approved_by: a}
  - {rule: pattern.fee, reason: today is still valid, approved_by: a, expires: 2025-06-01}
""",
        ),
        today=TODAY,
    )
    active, waived, hits, expired_hits = waivers.apply([_finding()], "X", 2024)
    assert waived[0].waiver["reason"] == "today is still valid"
    assert expired_hits == {1: 1}
    assert [w.index for w in waivers.expired()] == [1]
    assert [w.index for w in waivers.unmatched(hits)] == [2]


@pytest.mark.parametrize(
    ("text", "where", "words"),
    [
        ("waivers:\n  - rule: x\n    reson: r\n    approved_by: a\n", ":3:", "reason"),
        ("waivers:\n  - rule: x\n    approved_by: a\n", ":2:", "reason"),
        (
            "waivers:\n  - rule: x\n    reason: r\n    approved_by: a\n    expires: 明年\n",
            ":5:",
            "YYYY-MM-DD",
        ),
        (
            "waivers:\n  - rule: x\n    reason: r\n    approved_by: a\n    year: 二〇二二\n",
            ":5:",
            "year",
        ),
        ("waivers:\n  - rule: x\n   reason: [\n", ":", "YAML"),
        ("rules: []\n", ":1:", "waivers"),
    ],
)
def test_broken_file_names_file_and_line(tmp_path, text, where, words):
    path = _file(tmp_path, text)
    with pytest.raises(WaiverError) as info:
        load_waivers(path, today=TODAY)
    message = str(info.value)
    assert message.startswith(str(path) + where) and words in message


def test_run_lists_waived_findings_separately(tmp_path, fake_backend, monkeypatch):  # noqa: F811
    monkeypatch.chdir(tmp_path)
    write_report(tmp_path / "in", "a.txt", "某局", 2023, "pattern.fee error", "other.rule warning")
    Path("waivers.yaml").write_text(  # picked up from the current folder by default
        """waivers:
  - {rule: pattern.fee, agency: 某局, reason: 另行公告已说明, approved_by: 李四, expires: 2999-01-01}
  - {rule: never.fires, reason: r, approved_by: a}
  - {rule: other.rule, reason: r, approved_by: a, expires: 2000-01-01}
""",
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["run", "in", "--out", "out", "--jobs", "1"])
    assert result.exit_code == 0, result.output  # the only error is waived
    data = json.loads(Path("out/findings.json").read_text(encoding="utf-8"))
    report = data["reports"][0]
    assert [f["rule"] for f in report["findings"]] == ["other.rule"]
    assert report["waived"][0]["rule"] == "pattern.fee"
    assert report["waived"][0]["waiver"]["reason"] == "另行公告已说明"
    memo = Path("out/memos/某局.md").read_text(encoding="utf-8")
    assert "已豁免的问题" in memo and "另行公告已说明" in memo and "李四" in memo
    assert "waivers.yaml:3" in result.output and "未匹配" in result.output
    assert "waivers.yaml:4" in result.output and "过期" in result.output
    index = Path("out/index.html").read_text(encoding="utf-8")
    assert "waivers.yaml:3" in index and "waivers.yaml:4" in index


def test_run_with_broken_waivers_is_a_usage_error(tmp_path, fake_backend, monkeypatch):  # noqa: F811
    monkeypatch.chdir(tmp_path)
    write_report(tmp_path / "in", "a.txt", "某局", 2023)
    Path("w.yaml").write_text("waivers:\n  - rule: x\n    reasn: r\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["run", "in", "--out", "out", "--waivers", "w.yaml"])
    assert result.exit_code == 2
    assert "w.yaml:3" in result.output and "Traceback" not in result.output
    assert not Path("out").exists()


def test_first_matching_waiver_in_file_order_wins(tmp_path):
    waivers = load_waivers(
        _file(
            tmp_path,
            """waivers:
  - {rule: "pattern.*", reason: first, approved_by: a}
  - {rule: pattern.fee, reason: second, approved_by: a}
  - {rule: other.rule, reason: third, approved_by: a}
""",
        ),
        today=TODAY,
    )
    _, waived, hits, _ = waivers.apply(
        [_finding("pattern.fee"), _finding("other.rule")], None, None
    )
    assert [f.waiver["reason"] for f in waived] == ["first", "third"]
    assert hits == {1: 1, 3: 1}
    assert [w.index for w in waivers.unmatched(hits)] == [2]


def _ruleset():
    from test_run_support import fake_load_ruleset

    return fake_load_ruleset()


@pytest.mark.parametrize("bad", ["2030-13-01", "2030-02-30"])
def test_impossible_date_is_a_usage_error_not_a_crash(tmp_path, bad, fake_backend, monkeypatch):  # noqa: F811
    text = f"waivers:\n  - rule: x\n    reason: r\n    approved_by: a\n    expires: {bad}\n"
    path = _file(tmp_path, text)
    with pytest.raises(WaiverError) as info:
        load_waivers(path, today=TODAY)
    assert str(info.value).startswith(f"{path}:5:14: expires 应是日期（YYYY-MM-DD）")
    assert bad in str(info.value)
    monkeypatch.chdir(tmp_path)
    write_report(tmp_path / "in", "a.txt", "某局", 2023)
    result = CliRunner().invoke(main, ["run", "in", "--out", "out"])
    assert result.exit_code == 2 and "内部错误" not in result.output
    assert "waivers.yaml:5:14: expires 应是日期" in result.output


def test_every_problem_is_reported_at_once_with_suggestions(tmp_path):
    path = _file(
        tmp_path,
        """waivers:
  - rule: other_matters.fee_statment
    reason: r
    approved_by: a
  - rule: applications.balance
    table: aplications
    reason: r
    approved_by: a
  - rule: applications.balance
    table: applications
    row: carried_forwrd
    column: totl
    reason: r
    approved_by: a
  - rule: "pattern.*"
    section: other_mattres
    reason: r
    approved_by: a
  - rule: parse.unreadable
    reson: r
    approved_by: a
    expires: 2030-13-01
""",
    )
    with pytest.raises(WaiverError) as info:
        load_waivers(path, today=TODAY, ruleset=_ruleset())
    problems = info.value.problems
    assert all(re.match(re.escape(str(path)) + r":\d+:\d+: ", p) for p in problems), problems
    lines = [int(p[len(str(path)) + 1 :].split(":")[0]) for p in problems]
    assert lines == sorted(lines)  # in file order
    by_line = dict(zip(lines, problems, strict=True))
    assert "是否为 other_matters.fee_statement？" in by_line[2]
    assert "是否为 applications？" in by_line[6]
    assert "是否为 carried_forward？" in by_line[11] and "是否为 total？" in by_line[12]
    assert "是否为 other_matters？" in by_line[16]
    assert "reason" in by_line[20] and "expires" in by_line[22]
    assert len(problems) == 7  # the wildcard and parse.unreadable are known rules
    assert not any(":15:" in p or ":19:" in p for p in problems)


def test_valid_names_pass_the_rule_set_check(tmp_path):
    path = _file(
        tmp_path,
        """waivers:
  - {rule: applications.balance, table: applications, row: carried_forward, column: total,
     reason: r, approved_by: a}
  - {rule: "other_matters.*", section: other_matters, reason: r, approved_by: a}
""",
    )
    assert len(load_waivers(path, today=TODAY, ruleset=_ruleset()).waivers) == 2


def test_run_lists_all_waiver_problems(tmp_path, fake_backend, monkeypatch):  # noqa: F811
    monkeypatch.chdir(tmp_path)
    write_report(tmp_path / "in", "a.txt", "某局", 2023)
    Path("w.yaml").write_text(
        "waivers:\n  - {rule: pattern.fe, reason: r, approved_by: a}\n"
        "  - {rule: x, reason: r, approved_by: a, table: nope}\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["run", "in", "--out", "out", "--waivers", "w.yaml"])
    assert result.exit_code == 2, result.output
    assert "豁免清单有 2 个问题" in result.output
    assert "w.yaml:2:" in result.output and "是否为 pattern.fee？" in result.output
    assert "w.yaml:3:" in result.output and not Path("out").exists()
