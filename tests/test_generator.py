"""The report generator itself: identities, layouts, defects, determinism (no parser needed)."""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from html.parser import HTMLParser

import pytest

from auditor.formats import load_formats
from auditor.testing.generator import (
    BALANCE_ROWS,
    DEFECT_KINDS,
    SPAM_TEXT,
    defects_for,
    generate,
    write_batch,
)
from auditor.testing.layouts import (
    LAYOUTS,
    count_splits,
    expected_unreadable,
    full_grid,
    render,
    title,
)
from auditor.text import compact

FORMATS = ("2019", "2021")
SEEDS = range(30)


def _plain(text: str) -> str:
    """Text without tags, NFKC-normalised (full-width punctuation of runon/html)."""
    return unicodedata.normalize("NFKC", re.sub(r"<[^>]+>", "", text))


def _identity_errors(model) -> list[str]:
    fmt = load_formats().formats[model.format_id]
    apps = model.tables["applications"]
    table = fmt.tables["applications"]
    cols = list(table.columns)
    parts = [c for c in cols if c != "total"]
    results = [
        r.key for r in table.rows if r.key.startswith("results.") and r.key != "results.total"
    ]
    errors = []
    for c in cols:
        if (
            apps["new_received"][c] + apps["carried_over"][c]
            != apps["results.total"][c] + apps["carried_forward"][c]
        ):
            errors.append(f"balance {c}")
        if apps["results.total"][c] != sum(apps[r][c] for r in results):
            errors.append(f"results {c}")
    for row, cells in apps.items():
        if cells["total"] != sum(cells[c] for c in parts):
            errors.append(f"row total {row}")
        if any(v < 0 for v in cells.values()):
            errors.append(f"negative {row}")
    for block, cells in model.tables["review_litigation"].items():
        if (
            cells["total"]
            != cells["upheld"] + cells["corrected"] + cells["other"] + cells["pending"]
        ):
            errors.append(f"t4 {block}")
    for row, cells in model.tables["active_disclosure"].items():
        if "in_force" in cells and cells["in_force"] < cells["issued"]:
            errors.append(f"in_force {row}")
        if (
            "prev_items" in cells
            and "change" in cells
            and cells["prev_items"] + cells["change"] < 0
        ):
            errors.append(f"items {row}")
    return errors


@pytest.mark.parametrize("format_id", FORMATS)
def test_clean_models_satisfy_every_identity(format_id):
    nonzero = 0
    for seed in SEEDS:
        model = generate(format_id, seed)
        assert _identity_errors(model) == [], seed
        assert model.defect is None and model.format_id == format_id
        fmt = load_formats().formats[format_id]
        assert list(model.tables["applications"]) == fmt.tables["applications"].row_keys
        assert fmt.applies_to_year(model.year)
        if model.published is not None:
            assert date(model.year + 1, 1, 1) <= model.published <= date(model.year + 1, 1, 31)
        nonzero += model.tables["applications"]["new_received"]["total"] > 0
    assert 5 < nonzero < len(SEEDS)  # mostly-zero tables, but not all


def test_same_seed_same_report_and_different_seeds_differ():
    a, b = generate("2021", 7), generate("2021", 7)
    assert a == b
    for layout in LAYOUTS:
        assert render(a, layout) == render(b, layout)
    texts = {render(generate("2021", s), "pipes") for s in range(10)}
    assert len(texts) == 10


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("format_id", FORMATS)
def test_every_layout_renders_title_date_headings_and_labels(format_id, layout):
    fmt = load_formats().formats[format_id]
    for seed in range(4):
        model = generate(format_id, seed)
        text = render(model, layout)
        plain = _plain(text)
        assert title(model) in plain
        if model.published:
            assert f"发布时间: {model.published.isoformat()}" in plain
        flat = compact(plain)
        for section in fmt.sections:
            assert compact(section.heading) in flat
        for table in fmt.tables.values():
            for row in table.rows:
                if not table.positional:
                    assert compact(row.label) in flat, (layout, row.label)
        if layout == "runon":
            assert len(text.rstrip("\n").split("\n")[-1]) > 0.8 * len(text)


def test_pipe_layouts_keep_every_value_in_order():
    model = next(
        m
        for m in (generate("2021", s) for s in range(50))
        if m.tables["applications"]["new_received"]["total"] > 9
    )
    text = render(model, "pipes")
    apps = model.tables["applications"]
    line = next(ln for ln in text.splitlines() if ln.startswith("一、本年新收"))
    numbers = [int(x) for x in re.findall(r"\d+", line.split("|", 1)[1])]
    assert numbers == list(apps["new_received"].values())
    blank = render(model, "cell_blank")
    assert "\n\n" in blank and "|" not in blank


def test_markdown_grid_is_rectangular_and_html_has_spans():
    model = generate("2021", 1)
    md = render(model, "markdown")
    table_lines = [ln for ln in md.splitlines() if ln.startswith("|")]
    assert any(set(ln) <= set("|-") for ln in table_lines)
    html = render(model, "html")
    assert 'rowspan="22"' in html and 'colspan="10"' in html  # 办理结果 group; 行政诉讼 header

    class Check(HTMLParser):
        tables = 0

        def handle_starttag(self, tag, attrs):
            self.tables += tag == "table"

    check = Check()
    check.feed(html)
    assert check.tables == 3


def test_full_grid_expands_spans():
    from auditor.testing.layouts import Cell, Grid

    grid = Grid(
        "t",
        3,
        [[Cell(("a",), rowspan=2), Cell(("b",), colspan=2)], [Cell(("c",)), Cell(("d",))]],
        [],
    )
    assert full_grid(grid) == [["a", "b", ""], ["", "c", "d"]]


def test_count_splits():
    assert count_splits("0000000", ["count"] * 7, [(list(range(6)), 6)]) == 1
    # Pingtan 2021: 64|0|0|2|0|4|70 is the only split whose last cell is the sum
    assert count_splits("640020470", ["count"] * 7, [(list(range(6)), 6)]) == 1
    assert count_splits("693665", ["count"] * 3, []) == 2  # 行政规范性文件693665: ambiguous
    assert count_splits("7-37", ["count", "signed", "count"], []) == 1
    assert count_splits("13575394432.52", ["count", "money"], [], limit=5) > 1


def test_glued_layouts_mark_ambiguous_cells_only():
    for seed in range(40):
        model = generate("2021", seed)
        assert expected_unreadable(model, "pipes") == set()
        unreadable = expected_unreadable(model, "glued")
        assert unreadable == expected_unreadable(model, "runon")
        for table, row, col in unreadable:
            value = model.tables[table][row][col]
            others = model.tables[table][row].values()
            assert any(len(str(v).lstrip("-")) > 1 for v in others), (table, row, col, value)
        single = all(
            len(str(v)) == 1
            for rows in model.tables.values()
            for cells in rows.values()
            for v in cells.values()
        )
        if single:
            assert unreadable == set()


@pytest.mark.parametrize("format_id", FORMATS)
@pytest.mark.parametrize("name", sorted(DEFECT_KINDS))
def test_each_defect_is_recorded_and_applied(format_id, name):
    if name not in defects_for(format_id):
        with pytest.raises(ValueError):
            generate(format_id, 1, defect=name)
        return
    for seed in range(5):
        model = generate(format_id, seed, defect=name)
        d = model.defect
        assert d is not None and d.name == name and d.kind == DEFECT_KINDS[name]
        text = render(model, "pipes")
        apps = model.tables["applications"]
        errors = _identity_errors(model)
        if name == "broken_balance":
            assert f"balance {d.column}" in errors and "balance total" in errors
            assert not [e for e in errors if e.startswith("row total")]
            assert d.row in BALANCE_ROWS
        elif name == "broken_row_total":
            assert f"row total {d.row}" in errors and d.column == "total"
        elif name == "missing_row":
            assert errors == [] and not any(apps[d.row].values())
            label = load_formats().formats[model.format_id].tables["applications"].row(d.row).label
            assert compact(label) not in compact(text)
        elif name == "missing_section":
            assert errors == [] and model.headings[d.section] not in text
        elif name == "text_table_mismatch":
            said = re.search(r"共收到政府信息公开申请(\d+)件", text)
            assert said and int(said.group(1)) != apps["new_received"]["total"]
        elif name == "late_date":
            assert model.published > date(model.year + 1, 3, 31)
        elif name == "wrong_format":
            assert model.format_id != model.expected_format and model.year >= 2021
        elif name == "missing_fee":
            assert model.year >= 2021 and "信息处理费" not in text
        elif name == "spam":
            assert SPAM_TEXT in text and title(model) in text  # the title stays clean
        if name not in ("broken_balance", "broken_row_total"):
            assert errors == []


def test_clean_reports_state_the_fee_from_2021_and_agree_with_the_table():
    for seed in SEEDS:
        model = generate("2021", seed)
        text = render(model, "pipes")
        assert "信息处理费" in text.split("六、其他需要报告的事项", 1)[1]
        said = re.search(r"共收到政府信息公开申请(\d+)件", text)
        total = model.tables["applications"]["new_received"]["total"]
        assert (int(said.group(1)) if said else 0) == total


def test_write_batch_mixes_layouts_formats_and_defects(tmp_path):
    paths = write_batch(tmp_path, 40, seed=3)
    assert len(paths) == 40 and all(p.exists() for p in paths)
    assert {p.suffix for p in paths} == {".txt", ".html"}
    assert len({p.name.split("_", 1)[1].split(".")[0] for p in paths}) == len(LAYOUTS)
    texts = [p.read_text(encoding="utf-8") for p in paths]
    assert any("2019" in t and "本年新制作数量" in t for t in texts)
    assert any("本年制发件数" in _plain(t) for t in texts)


def test_batches_pair_consecutive_years_of_one_agency(tmp_path):
    paths = write_batch(tmp_path, 6, seed=11, layouts=("pipes",))
    titles = [
        re.search(r"^(\S+?)(\d{4})年政府信息公开工作年度报告$", p.read_text(encoding="utf-8"), re.M)
        for p in paths
    ]
    pairs = [(t.group(1), int(t.group(2))) for t in titles]
    for first, second in zip(pairs[::2], pairs[1::2], strict=True):
        assert first[0] == second[0] and second[1] == first[1] + 1
    assert len({agency for agency, _ in pairs}) == 3
    with pytest.raises(ValueError):
        generate("2021", 1, year=2020)
