import datetime as dt
from pathlib import Path

from click.testing import CliRunner

from auditor.cli import main
from auditor.resources import shipped_rules_dir
from auditor.waivers import load_waivers


def test_init_creates_a_working_folder(tmp_path: Path):
    target = tmp_path / "team"
    result = CliRunner().invoke(main, ["init", str(target)])
    assert result.exit_code == 0, result.output
    assert (target / "reports-in").is_dir() and not any((target / "reports-in").iterdir())
    assert (target / "rules" / "formats" / "f2021.yaml").is_file()
    shipped = {p.relative_to(shipped_rules_dir()) for p in shipped_rules_dir().rglob("*.yaml")}
    assert shipped <= {p.relative_to(target / "rules") for p in (target / "rules").rglob("*.yaml")}
    assert {"memo.md.j2", "memo.html.j2", "index.html.j2"} <= {
        p.name for p in (target / "templates").iterdir()
    }
    readme = (target / "README.md").read_text(encoding="utf-8")
    assert "```\naudit run reports-in\n```" in readme  # the folder's own files are the defaults
    assert "使用当前目录的规则 rules/、模板 templates/、豁免清单 waivers.yaml" in readme
    assert "audit run reports-in\n" in result.output and "--rules" not in result.output
    waivers = load_waivers(target / "waivers.yaml")  # the example is valid
    assert len(waivers.waivers) == 1
    example = waivers.waivers[0]
    assert "示例" in example.agency_label and example.expires is not None
    assert example.expires > dt.date.today()
    assert "#" in (target / "waivers.yaml").read_text(encoding="utf-8")


def test_init_refuses_a_non_empty_folder_without_force(tmp_path: Path):
    (tmp_path / "keep.txt").write_text("mine", encoding="utf-8")
    result = CliRunner().invoke(main, ["init", str(tmp_path)])
    assert result.exit_code == 2 and "--force" in result.output
    assert not (tmp_path / "rules").exists()
    result = CliRunner().invoke(main, ["init", str(tmp_path), "--force"])
    assert result.exit_code == 0
    assert (tmp_path / "keep.txt").read_text(encoding="utf-8") == "mine"
    assert (tmp_path / "waivers.yaml").is_file()


def test_example_waiver_names_a_real_rule(tmp_path: Path):
    try:
        from auditor.engine import load_ruleset
    except ImportError as exc:  # pragma: no cover
        import pytest

        pytest.skip(f"规则引擎尚不可用：{exc}")
    CliRunner().invoke(main, ["init", str(tmp_path / "team")])
    example = load_waivers(tmp_path / "team" / "waivers.yaml").waivers[0]
    ruleset = load_ruleset(tmp_path / "team" / "rules")  # the copied rules load
    assert example.rule in {rule.id for rule in ruleset.rules}
