from pathlib import Path

import pytest

from auditor.agency import FileNamer, agency_key, inside, safe_file_stem


def test_agency_key_folds_width_and_spaces():
    assert agency_key("天门市 招商服务中心") == agency_key("天门市招商服务中心")
    assert agency_key("ＡＢＣ市\u3000财政局\n") == "ABC市财政局"
    assert agency_key("  ") is None
    assert agency_key(None) is None


@pytest.mark.parametrize(
    "name",
    [
        "../../etc/passwd",
        "..\\..\\windows",
        "a/../../b",
        "CON",
        "nul.txt",
        "x\x00y\x1fz",
        "名称. . .",
        "...",
        "",
    ],
)
def test_safe_file_stem_is_harmless(name):
    stem = safe_file_stem(name)
    assert stem
    assert "/" not in stem and "\\" not in stem and ".." not in stem
    assert not any(ord(ch) < 32 for ch in stem)
    assert not stem.endswith((".", " "))
    assert stem.split(".")[0].upper() not in {"CON", "NUL", "PRN", "AUX"}


def test_long_names_are_cut_on_a_character_boundary():
    stem = safe_file_stem("很长的单位名称" * 40)
    assert len(stem.encode("utf-8")) <= 120
    stem.encode("utf-8").decode("utf-8")


def test_namer_adds_hash_on_collision_and_is_stable():
    namer = FileNamer()
    a = namer.name_for("A/B")
    b = namer.name_for("A:B")  # both become A_B
    assert a == "A_B" and b.startswith("A_B-") and len(b) == len("A_B-") + 8
    assert namer.name_for("A/B") == a
    assert FileNamer().name_for("unidentified") != "unidentified"
    case = FileNamer()
    assert case.name_for("abc").casefold() != case.name_for("ABC").casefold()


def test_inside_rejects_escapes(tmp_path: Path):
    assert inside(tmp_path, tmp_path / "memos" / "x.md") == (tmp_path / "memos" / "x.md").resolve()
    with pytest.raises(ValueError):
        inside(tmp_path / "out", tmp_path / "out" / ".." / "x.md")
