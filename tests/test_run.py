"""``audit run`` with a fake parser and engine (see test_run_support): every input accounted
for, exit codes, determinism across --jobs, safe file names, template and rule errors."""

import csv
import io
import json
from pathlib import Path
from urllib.parse import unquote

import pytest
from click.testing import CliRunner
from test_run_support import fake_backend, write_report  # noqa: F401

from auditor.cli import main


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["run", *args])
    assert "Traceback" not in result.output
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


def _messy_batch(folder: Path) -> None:
    write_report(
        folder,
        "a/2022.txt",
        "天门市 招商服务中心",
        2022,
        "applications.balance error applications carried_forward",
    )
    write_report(folder, "a/2023.txt", "天门市招商服务中心", 2023, "pattern.fee warning")
    write_report(folder, "b.html", "朝阳市营商环境建设局", 2023)
    (folder / "empty.txt").write_bytes(b"")
    (folder / "binary.pdf").write_bytes(b"%PDF\x00\x01\x02\xff")
    (folder / "gbk.txt").write_bytes("单位：绵阳市机关事务管理局\n年度：2022\n".encode("gbk"))
    (folder / "recipe.md").write_text("红烧肉的做法", encoding="utf-8")
    (folder / "notes.docx").write_bytes(b"PK")
    (folder / "logo.png").write_bytes(b"\x89PNG")


def test_every_input_is_accounted_for(tmp_path, fake_backend):  # noqa: F811
    _messy_batch(tmp_path / "in")
    code, output = _run(str(tmp_path / "in"), "--out", str(tmp_path / "out"), "--jobs", "1")
    assert code == 1  # errors found, --fail-on error
    out = tmp_path / "out"
    data = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    assert data["version"] == 1
    sources = [r["source"] for r in data["reports"]]
    assert sources == sorted(sources) and len(sources) == 8  # .png skipped, counted
    status = {Path(r["source"]).name: (r["status"], r["error"]) for r in data["reports"]}
    assert status["empty.txt"] == ("failed", "文件是空的")
    docx = "不支持的文件类型 .docx：请另存为 PDF、HTML 或文本后再审核"
    assert status["notes.docx"] == ("failed", docx)  # a likely report, never silently skipped
    assert f"notes.docx：{docx}" in output
    assert "跳过的非报告文件：" in output and "logo.png" in output
    assert status["binary.pdf"][0] == "failed" and status["recipe.md"][0] == "failed"
    assert status["gbk.txt"] == ("audited", None)
    for name in ("empty.txt", "binary.pdf", "recipe.md"):
        assert f"{name}：" in output  # one line per failed input on stderr
    assert "共 8 份文件" in output and "1 个非报告文件被跳过" in output
    rows = list(csv.DictReader(io.StringIO((out / "summary.csv").read_bytes().decode("utf-8-sig"))))
    assert (out / "summary.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert [r["source"] for r in rows] == sources
    failed = [r for r in rows if r["status"] == "failed"]
    assert len(failed) == 4 and all(
        r["error"] and r["memo"] == "memos/unidentified.html" for r in failed
    )
    assert any(r["error"] == docx for r in failed)
    # index.html stays small; every input is a row of index-data.js, which the page loads
    index = (out / "index.html").read_text(encoding="utf-8")
    assert '<script src="index-data.js">' in index
    assert not any(source in index for source in sources)
    listed = _index_data(out)
    assert [row[0] for row in listed["rows"]] == sources
    assert f'data-count="{len(sources)}"' in index and f'data-digest="{listed["digest"]}"' in index
    fields = listed["fields"]
    by_name = {Path(r[0]).name: dict(zip(fields, r, strict=False)) for r in listed["rows"]}
    assert by_name["empty.txt"]["verdict"] == "failed"
    assert by_name["empty.txt"]["error"] == "文件是空的"
    assert by_name["empty.txt"]["memo"] == "unidentified" and by_name["empty.txt"]["agency"] == ""
    assert by_name["2022.txt"]["verdict"] == "error" and by_name["2022.txt"]["errors"] == 1
    assert by_name["2023.txt"]["verdict"] == "warning" and by_name["b.html"]["verdict"] == "ok"
    # the memo of "天门市 招商服务中心" is named after the other spelling: link given explicitly
    assert by_name["2022.txt"]["memo"] == "天门市招商服务中心"
    assert "memo" not in by_name["2023.txt"]  # memo name == agency: left out, the page uses it
    unidentified = (out / "memos" / "unidentified.md").read_text(encoding="utf-8")
    assert "文件是空的" in unidentified
    # two spellings of one agency → one memo with both years side by side
    memos = sorted(p.name for p in (out / "memos").iterdir())
    assert memos == sorted(
        f"{stem}.{ext}"
        for stem in (
            "天门市招商服务中心",
            "朝阳市营商环境建设局",
            "绵阳市机关事务管理局",
            "unidentified",
        )
        for ext in ("md", "html")
    )
    memo = (out / "memos" / "天门市招商服务中心.html").read_text(encoding="utf-8")
    assert "各年度对照" in memo and "2022 年度" in memo and "2023 年度" in memo
    assert "已与本单位 2022 年度报告做跨年度衔接核对" in memo
    assert not [p for p in out.iterdir() if p.name.startswith(".audit-tmp")]


def test_previous_year_is_passed_for_carryover(tmp_path, fake_backend):  # noqa: F811
    write_report(tmp_path / "in", "x1.txt", "某局", 2021)
    write_report(tmp_path / "in", "x2.txt", "某局", 2023)  # 2022 missing: no previous
    write_report(tmp_path / "in", "x3.txt", "某 局", 2022)
    _run(str(tmp_path / "in"), "--out", str(tmp_path / "out"), "--jobs", "1")
    data = json.loads((tmp_path / "out" / "findings.json").read_text(encoding="utf-8"))
    carry = {
        r["year"]: [f["expected"] for f in r["findings"] if f["rule"] == "carryover.seen"]
        for r in data["reports"]
    }
    assert carry == {2021: [], 2022: [2021], 2023: [2022]}


@pytest.mark.parametrize(("fail_on", "problems", "code"), [
    ("error", ["x warning"], 0), ("error", ["x error"], 1), ("warning", ["x warning"], 1),
    ("warning", ["x info"], 0), ("never", ["x error"], 0),
])  # fmt: skip
def test_exit_codes(tmp_path, fake_backend, fail_on, problems, code):  # noqa: F811
    write_report(tmp_path / "in", "a.txt", "某局", 2023, *problems)
    assert (
        _run(str(tmp_path / "in"), "--out", str(tmp_path / "out"), "--fail-on", fail_on)[0] == code
    )


def test_jobs_do_not_change_a_single_byte(tmp_path, fake_backend):  # noqa: F811
    folder = tmp_path / "in"
    _messy_batch(folder)
    for i in range(60):
        write_report(
            folder,
            f"bulk/{i:03d}.txt",
            f"单位{i % 17}",
            2019 + i % 5,
            f"r{i % 7} {'error' if i % 3 else 'warning'}",
        )
    outputs = []
    for jobs in ("1", "2", "3"):
        out = tmp_path / f"out{jobs}"
        _run(str(folder), "--out", str(out), "--jobs", jobs)
        outputs.append(
            {
                p.relative_to(out).as_posix(): p.read_bytes()
                for p in sorted(out.rglob("*"))
                if p.is_file()
            }
        )
    assert len(outputs[0]) > 10
    assert outputs[0] == outputs[1] == outputs[2]


def test_hostile_agency_name_stays_inside_out(tmp_path, fake_backend):  # noqa: F811
    write_report(tmp_path / "in", "evil.txt", "../../etc/passwd", 2023)
    write_report(tmp_path / "in", "evil2.txt", "..\\..\\x\x07y. ", 2023)
    write_report(tmp_path / "in", "con.txt", "CON", 2023)
    out = tmp_path / "deep" / "out"
    before = {p for p in tmp_path.rglob("*")}
    _run(str(tmp_path / "in"), "--out", str(out), "--jobs", "1")
    created = {p for p in tmp_path.rglob("*")} - before
    assert created and all(p == out.parent or out in p.parents or p == out for p in created)
    names = sorted(p.name for p in (out / "memos").iterdir())
    assert all(".." not in n.removesuffix(".md").removesuffix(".html") for n in names)
    assert "_CON.md" in names


def test_symlinked_memo_folder_outside_out_is_refused(tmp_path, fake_backend):  # noqa: F811
    write_report(tmp_path / "in", "a.txt", "某局", 2023)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "memos").symlink_to(elsewhere)
    code, output = _run(str(tmp_path / "in"), "--out", str(tmp_path / "out"), "--jobs", "1")
    assert code == 2 and "输出目录以外" in output
    assert list(elsewhere.iterdir()) == []


def test_rerun_rewrites_and_keeps_other_files(tmp_path, fake_backend):  # noqa: F811
    write_report(tmp_path / "in", "a.txt", "某局", 2023, "x error")
    out = tmp_path / "out"
    _run(str(tmp_path / "in"), "--out", str(out))
    (out / "mine.txt").write_text("auditor's notes", encoding="utf-8")
    first = (out / "findings.json").read_bytes()
    write_report(tmp_path / "in", "a.txt", "某局", 2023, "y warning")
    _run(str(tmp_path / "in"), "--out", str(out))
    assert (out / "mine.txt").read_text(encoding="utf-8") == "auditor's notes"
    assert (out / "findings.json").read_bytes() != first
    assert b'"y"' in (out / "findings.json").read_bytes()


def test_output_folder_inside_input_is_not_audited(tmp_path, fake_backend):  # noqa: F811
    write_report(tmp_path / "in", "a.txt", "某局", 2023)
    _run(str(tmp_path / "in"), "--out", str(tmp_path / "in" / "out"))
    _run(str(tmp_path / "in"), "--out", str(tmp_path / "in" / "out"))
    data = json.loads((tmp_path / "in" / "out" / "findings.json").read_text(encoding="utf-8"))
    assert len(data["reports"]) == 1


def test_template_error_names_file_and_line(tmp_path, fake_backend):  # noqa: F811
    write_report(tmp_path / "in", "a.txt", "某局", 2023)
    templates = tmp_path / "tpl"
    templates.mkdir()
    (templates / "memo.md.j2").write_text(
        "# 审核意见\n\n{% for r in memo.reports %}\n{{ r.year }\n", encoding="utf-8"
    )
    code, output = _run(
        str(tmp_path / "in"), "--out", str(tmp_path / "out"), "--templates", str(templates)
    )
    assert code == 2
    assert f"{templates / 'memo.md.j2'}:4" in output


def test_template_runtime_error_names_file_and_line(tmp_path, fake_backend):  # noqa: F811
    write_report(tmp_path / "in", "a.txt", "某局", 2023)
    templates = tmp_path / "tpl"
    templates.mkdir()
    (templates / "memo.html.j2").write_text(
        "<p>\n{{ memo.agency }}\n{{ memo.no_such_field }}\n", encoding="utf-8"
    )
    code, output = _run(
        str(tmp_path / "in"),
        "--out",
        str(tmp_path / "out"),
        "--templates",
        str(templates),
        "--jobs",
        "2",
    )
    assert code == 2
    assert f"{templates / 'memo.html.j2'}:3" in output and "no_such_field" in output


def test_broken_rules_stop_the_run(tmp_path, fake_backend):  # noqa: F811
    write_report(tmp_path / "in", "a.txt", "某局", 2023)
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "broken.yaml").write_text("x", encoding="utf-8")
    code, output = _run(str(tmp_path / "in"), "--out", str(tmp_path / "out"), "--rules", str(rules))
    assert code == 2
    assert "broken.yaml:3:5: 规则缺少 id" in output and "x.yaml:1:1" in output
    assert not (tmp_path / "out").exists()


def test_missing_input_is_a_usage_error(tmp_path, fake_backend):  # noqa: F811
    code, output = _run(str(tmp_path / "nope"), "--out", str(tmp_path / "out"))
    assert code == 2 and "找不到输入路径" in output


def test_report_text_is_escaped_in_html(tmp_path, fake_backend):  # noqa: F811
    hostile = "</script><script>alert(1)</script>\"局'"
    write_report(tmp_path / "in", "a\u2028<b>.txt", hostile, 2023, "x error")
    _run(str(tmp_path / "in"), "--out", str(tmp_path / "out"))
    for path in (tmp_path / "out").rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert "<script>alert" not in text and "<b>x</b>" not in text
    data = (tmp_path / "out" / "index-data.js").read_text(encoding="utf-8")
    assert "<" not in data and "\u2028" not in data  # escaped as \u003c, \u2028
    row = _index_data(tmp_path / "out")["rows"][0]
    assert row[0].endswith("a\u2028<b>.txt") and row[1] == hostile
    assert "'" not in row[8] and "<" not in row[8]  # the link is escaped and leads to the memo
    assert (tmp_path / "out" / "memos" / (unquote(row[8]) + ".html")).is_file()


def _index_data(out: Path) -> dict:
    """index-data.js is one global assignment of JSON."""
    text = (out / "index-data.js").read_text(encoding="utf-8")
    prefix, _, body = text.partition("window.AUDIT_INDEX = ")
    assert prefix.startswith("//") and body.endswith("};\n")
    return json.loads(body.removesuffix(";\n"))


def test_index_page_does_not_grow_with_the_batch(tmp_path, fake_backend):  # noqa: F811
    sizes = {}
    for n in (3, 120):
        for i in range(n):
            write_report(tmp_path / f"in{n}", f"{i:03d}.txt", f"单位{i % 9}", 2020 + i % 3)
        _run(str(tmp_path / f"in{n}"), "--out", str(tmp_path / f"out{n}"), "--jobs", "1")
        sizes[n] = (tmp_path / f"out{n}" / "index.html").stat().st_size
        rows = _index_data(tmp_path / f"out{n}")["rows"]
        assert len(rows) == n and all(len(row) <= 8 for row in rows)  # no memo, no error
    assert abs(sizes[120] - sizes[3]) < 40  # only the counts differ


def _files(out: Path) -> dict[str, bytes]:
    return {
        p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()
    }


def test_memo_names_do_not_depend_on_bucket_count(tmp_path, fake_backend, monkeypatch):  # noqa: F811
    from auditor.batch import grouping

    folder = tmp_path / "in"
    for i, agency in enumerate(
        ["A/B", "A:B", "a/b", "unidentified", "index-2", "某局", "某 局", "别局"] * 3
    ):
        write_report(folder, f"{i:02d}.txt", agency, 2020 + i % 3, "x error")
    _run(str(folder), "--out", str(tmp_path / "one"), "--jobs", "1")
    monkeypatch.setattr(grouping, "BUCKET_SIZE", 2)  # 12 buckets instead of 1
    _run(str(folder), "--out", str(tmp_path / "many"), "--jobs", "2")
    one = _files(tmp_path / "one")
    assert one == _files(tmp_path / "many")
    stems = {name.rsplit(".", 1)[0] for name in one if name.startswith("memos/")}
    assert len(stems) == 7  # A/B, A:B and a/b clash on a case-insensitive disk: hashes added
    assert "memos/unidentified" not in stems and "memos/index-2" not in stems


def test_unidentified_files_are_split_into_small_memos(tmp_path, fake_backend, monkeypatch):  # noqa: F811
    from auditor.batch import grouping

    monkeypatch.setattr(grouping, "UNIDENTIFIED_CHUNK", 2)
    for i in range(5):
        (tmp_path / "in").mkdir(exist_ok=True)
        (tmp_path / "in" / f"{i}.txt").write_bytes(b"")
    _run(str(tmp_path / "in"), "--out", str(tmp_path / "out"), "--jobs", "2")
    memos = sorted(p.name for p in (tmp_path / "out" / "memos").glob("*.md"))
    assert memos == ["unidentified-2.md", "unidentified-3.md", "unidentified.md"]
    rows = list(
        csv.DictReader(
            io.StringIO((tmp_path / "out" / "summary.csv").read_bytes().decode("utf-8-sig"))
        )
    )
    assert [r["memo"] for r in rows] == ["memos/unidentified.html"] * 2 + [
        "memos/unidentified-2.html"
    ] * 2 + ["memos/unidentified-3.html"]


def test_unreadable_previous_year_is_said_so(tmp_path, fake_backend):  # noqa: F811
    folder = tmp_path / "in"
    write_report(folder, "a.txt", "某局", 2023)
    # a 2022 report of the same agency that the (fake) parser cannot read
    (folder / "b.txt").write_text("单位：某局\n年度：2022\n", encoding="utf-8")
    import test_run_support

    original = test_run_support.FAKE.parse_path

    def parse(path, formats=None, source=None):
        report = original(path, formats=formats, source=source)
        if path.name == "b.txt":
            report.status, report.error = "failed", "表格无法读取"
        return report

    test_run_support.FAKE.parse_path = parse
    try:
        _run(str(folder), "--out", str(tmp_path / "out"), "--jobs", "1")
    finally:
        test_run_support.FAKE.parse_path = original
    memo = (tmp_path / "out" / "memos" / "某局.md").read_text(encoding="utf-8")
    assert "本单位 2022 年度报告无法读取" in memo and "表格无法读取" in memo


@pytest.mark.parametrize(
    ("marker", "words"), [("旧式格式", "为旧式格式"), ("表格未读出", "未能读取表格")]
)
def test_old_style_previous_year_is_not_used_for_carryover(tmp_path, fake_backend, marker, words):  # noqa: F811
    folder = tmp_path / "in"
    old = write_report(folder, "2018.txt", "某局", 2018)
    old.write_text(old.read_text(encoding="utf-8") + marker + "\n", encoding="utf-8")
    write_report(folder, "2019.txt", "某局", 2019)
    _run(str(folder), "--out", str(tmp_path / "out"), "--jobs", "1")
    data = json.loads((tmp_path / "out" / "findings.json").read_text(encoding="utf-8"))
    assert not any(f["rule"] == "carryover.seen" for r in data["reports"] for f in r["findings"])
    memo = (tmp_path / "out" / "memos" / "某局.md").read_text(encoding="utf-8")
    assert "已与本单位 2018 年度报告做跨年度衔接核对" not in memo
    assert f"本单位 2018 年度报告{words}" in memo and "未做跨年度衔接核对" in memo


def test_index_template_error_keeps_previous_outputs(tmp_path, fake_backend):  # noqa: F811
    write_report(tmp_path / "in", "a.txt", "某局", 2023, "x error")
    out = tmp_path / "out"
    _run(str(tmp_path / "in"), "--out", str(out), "--jobs", "1")
    before = _files(out)
    templates = tmp_path / "tpl"
    templates.mkdir()
    (templates / "index.html.j2").write_text("<p>\n{{ 1/0 }}\n", encoding="utf-8")
    write_report(tmp_path / "in", "b.txt", "别局", 2023)
    code, output = _run(
        str(tmp_path / "in"), "--out", str(out), "--templates", str(templates), "--jobs", "2"
    )
    assert code == 2 and f"{templates / 'index.html.j2'}:2" in output
    after = _files(out)
    assert after["index.html"] == before["index.html"] and after["index.html"]
    assert after["index-data.js"] == before["index-data.js"]
    assert not [name for name in after if name.endswith(".tmp") or ".audit-tmp" in name]


def test_unknown_template_field_reads_in_chinese(tmp_path, fake_backend):  # noqa: F811
    write_report(tmp_path / "in", "a.txt", "某局", 2023)
    templates = tmp_path / "tpl"
    templates.mkdir()
    (templates / "memo.md.j2").write_text("# 意见\n{{ memo.verdictt }}\n", encoding="utf-8")
    code, output = _run(
        str(tmp_path / "in"), "--out", str(tmp_path / "out"), "--templates", str(templates)
    )
    assert code == 2
    assert (
        f"{templates / 'memo.md.j2'}:2: 模板中使用了不存在的字段 “verdictt”"
        "（可用字段见 templates/README.md）" in output
    )
    assert "has no attribute" not in output


def test_init_folder_uses_its_own_rules_templates_and_waivers(tmp_path, fake_backend, monkeypatch):  # noqa: F811
    assert CliRunner().invoke(main, ["init", str(tmp_path / "team")]).exit_code == 0
    monkeypatch.chdir(tmp_path / "team")
    write_report(Path("reports-in"), "a.txt", "某局", 2023)
    memo = Path("templates/memo.md.j2")
    memo.write_text("本组模板\n" + memo.read_text(encoding="utf-8"), encoding="utf-8")
    code, output = _run("reports-in", "--out", "out", "--jobs", "1")
    assert code == 0, output
    assert "使用当前目录的规则 rules/、模板 templates/、豁免清单 waivers.yaml" in output
    assert Path("out/memos/某局.md").read_text(encoding="utf-8").startswith("本组模板")
    assert "waivers.yaml:" in output  # the example waiver matched nothing: said at the end
    Path("rules/broken.yaml").write_text("x", encoding="utf-8")  # the fake refuses it
    code, output = _run("reports-in", "--out", "out")
    assert code == 2 and "broken.yaml:3:5" in output


def test_repository_root_uses_the_shipped_rules_silently(monkeypatch):
    from auditor.cli.run_cmd import local_defaults
    from auditor.resources import shipped_rules_dir

    monkeypatch.chdir(shipped_rules_dir().parent)
    if not Path("rules").is_dir():  # pragma: no cover  (installed wheel)
        pytest.skip("not a source checkout")
    assert local_defaults(None, None, None) == (None, None, None, [])
