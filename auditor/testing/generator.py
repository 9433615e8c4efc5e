"""Synthetic annual reports for tests and benchmarks: a structured model plus its rendered text.

``generate`` builds a ``ReportModel`` (agency, year, publication date, every table cell, section
texts) whose tables satisfy every identity of the catalogue, optionally with exactly one injected
defect that records where the auditor should find it. ``auditor.testing.layouts.render`` turns
the model into report text in one of the layouts the parser supports.

Row and column keys and labels come from the format definitions (``auditor.formats``); only the
narrative sentences and a few layout words (group labels, page chrome) live here.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from auditor.formats import FormatDef, FormatSet, TableDef, load_formats
from auditor.model import Number

# name → finding kind the auditor should report (see ../shared/domain/README.md)
DEFECT_KINDS: dict[str, str] = {
    "broken_balance": "identity",
    "broken_row_total": "identity",
    "missing_row": "row",
    "missing_section": "section",
    "text_table_mismatch": "crosscheck",
    "late_date": "deadline",
    "wrong_format": "format",
    "missing_fee": "pattern",
    "spam": "pattern",
}

SPAM_TEXT = "365bet苹果版_365服务热线_bet体育365正规吗"

# rows of table 3 whose columns add up in the balance identity (per column)
BALANCE_ROWS = ("new_received", "carried_over", "results.total", "carried_forward")

_CITIES = (
    "天门市",
    "绵阳市",
    "朝阳市",
    "桐柏县",
    "安庆市",
    "宜宾市",
    "莆田市",
    "曲靖市",
    "荆门市",
    "鹤壁市",
    "遂宁市",
    "吉安市",
    "滁州市",
    "沧州市",
    "临汾市",
    "泸州市",
    "衢州市",
    "丽水市",
    "汉中市",
    "德阳市",
    "宣城市",
    "南平市",
    "黄冈市",
    "益阳市",
    "梧州市",
    "玉溪市",
    "酒泉市",
    "固始县",
    "长丰县",
    "仁寿县",
    "武义县",
    "平江县",
    "桑植县",
    "宾阳县",
    "石门县",
)
_DEPARTMENTS = (
    "发展和改革委员会",
    "教育局",
    "科学技术局",
    "工业和信息化局",
    "民政局",
    "司法局",
    "财政局",
    "人力资源和社会保障局",
    "自然资源和规划局",
    "生态环境局",
    "住房和城乡建设局",
    "交通运输局",
    "水利局",
    "农业农村局",
    "商务局",
    "文化和旅游局",
    "卫生健康委员会",
    "退役军人事务局",
    "应急管理局",
    "审计局",
    "市场监督管理局",
    "统计局",
    "医疗保障局",
    "机关事务管理局",
    "林业局",
    "招商服务中心",
    "数据资源管理局",
    "城市管理局",
)

# relative frequency of each kind of outcome (last segment of the row key)
_RESULT_WEIGHTS = {
    "granted": 40,
    "partial": 8,
    "state_secret": 0.3,
    "prohibited_by_law": 0.7,
    "security_stability": 0.4,
    "third_party": 2,
    "internal_affairs": 2,
    "process_info": 2,
    "enforcement_file": 0.7,
    "admin_query": 1.5,
    "not_held": 15,
    "needs_creation": 4,
    "unclear": 3,
    "petition": 3,
    "duplicate": 3,
    "publication": 0.7,
    "excessive": 0.6,
    "confirm_reissue": 0.8,
    "no_correction": 3,
    "fee_unpaid": 0.4,
    "misc": 2,
    "other": 5,
}


@dataclass(slots=True)
class Defect:
    """One injected defect and where the auditor should report it."""

    name: str  # a key of DEFECT_KINDS
    kind: str  # the finding kind expected
    section: str | None = None
    table: str | None = None
    row: str | None = None
    column: str | None = None
    # other rows at which the same defect may legitimately be reported (identities span rows)
    rows: tuple[str, ...] = ()
    note: str = ""


@dataclass(slots=True)
class ReportModel:
    """Everything a rendered report says, in canonical keys."""

    seed: int
    format_id: str  # the format the tables follow ("2019" | "2021")
    year: int
    agency: str
    published: date | None
    tables: dict[str, dict[str, dict[str, Number]]]
    # section key → paragraphs (without heading); table sections get their table after paragraph 0
    sections: dict[str, list[str]]
    headings: dict[str, str]
    missing_rows: list[tuple[str, str]] = field(default_factory=list)
    defect: Defect | None = None
    intro: str = ""

    @property
    def expected_format(self) -> str:
        """The format the report *should* use for its year."""
        return "2019" if self.year <= 2020 else "2021"

    def cells(self) -> list[tuple[str, str, str, Number]]:
        """Every (table, row, column, value) present in the rendered tables."""
        out = []
        for table, rows in self.tables.items():
            for row, cols in rows.items():
                if (table, row) in self.missing_rows:
                    continue
                for col, value in cols.items():
                    out.append((table, row, col, value))
        return out


# -- public API ------------------------------------------------------------------------------


def defects_for(format_id: str) -> list[str]:
    """Defect names that make sense for reports of this format."""
    names = list(DEFECT_KINDS)
    if format_id == "2019":
        names.remove("missing_fee")  # the fee statement is required from 2021 only
        names.remove("wrong_format")  # the 2021 tables did not exist before 2021
    return names


def generate(
    format_id: str,
    seed: int,
    *,
    defect: str | None = None,
    formats: FormatSet | None = None,
    agency: str | None = None,
    year: int | None = None,
) -> ReportModel:
    """A random, internally consistent report of ``format_id`` with at most one defect.

    ``agency`` and ``year`` override the random choice (``year`` must suit the format).
    """
    if defect is not None and defect not in defects_for(format_id):
        raise ValueError(f"defect {defect!r} does not apply to format {format_id}")
    formats = formats or load_formats()
    rng = random.Random(f"{format_id}:{seed}:{defect}")
    fmt = formats.formats[format_id]
    drawn_year = rng.randint(fmt.year_from, fmt.year_to or 2024)
    year = year if year is not None else drawn_year
    if not fmt.applies_to_year(year):
        raise ValueError(f"year {year} does not suit format {format_id}")
    table_fmt = fmt
    if defect == "wrong_format":
        other = "2019" if format_id == "2021" else "2021"
        table_fmt = formats.formats[other]
    drawn_agency = rng.choice(_CITIES) + rng.choice(_DEPARTMENTS)
    agency = agency or drawn_agency
    published: date | None = date(year + 1, 1, rng.randint(5, 31))
    if defect is None and rng.random() < 0.1:
        published = None  # like seeds 000 and 002: no date in the text
    model = ReportModel(
        seed=seed,
        format_id=table_fmt.id,
        year=year,
        agency=agency,
        published=published,
        # an identity defect in an all-zero table would be reported as 未收到申请却有办理结果
        # (a range finding), so those defects get a table with applications in it
        tables=_tables(table_fmt, rng, busy=defect in ("broken_balance", "broken_row_total")),
        sections={},
        headings={s.key: s.heading for s in fmt.sections},
    )
    _write_sections(model, fmt, rng)
    if defect is not None:
        _inject(model, defect, table_fmt, rng)
    return model


def write_batch(
    directory: Path,
    n: int,
    seed: int,
    *,
    defect_rate: float = 0.2,
    layouts: tuple[str, ...] | None = None,
) -> list[Path]:
    """Write ``n`` reports of mixed formats, layouts and defects; return their paths.

    Reports come in pairs of consecutive years of one agency (as a real national batch does:
    few reports per agency), so memo groups stay small however large ``n`` is.
    """
    from auditor.testing.layouts import LAYOUTS, render, suffix

    layouts = layouts or LAYOUTS
    formats = load_formats()
    rng = random.Random(seed)
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    format_id, first_year = "2021", 2021
    for i in range(n):
        if i % 2 == 0:
            format_id = rng.choice(("2019", "2021", "2021"))
            first_year = 2019 if format_id == "2019" else rng.randint(2021, 2023)
        defect = rng.choice(defects_for(format_id)) if rng.random() < defect_rate else None
        model = generate(
            format_id,
            seed * 1_000_003 + i,
            defect=defect,
            formats=formats,
            agency=agency_name(seed * 7919 + i // 2),
            year=first_year + i % 2,
        )
        layout = layouts[i % len(layouts)]
        path = directory / f"{i:06d}_{layout}{suffix(layout)}"
        path.write_text(render(model, layout), encoding="utf-8")
        paths.append(path)
    return paths


_DISTRICTS = (
    "",
    "城区",
    "东区",
    "西区",
    "南区",
    "北区",
    "高新区",
    "经开区",
    "新区",
    "开发区",
    "港区",
    "滨江区",
    "临港区",
    "湖滨区",
    "江南区",
    "城关镇",
    "河西区",
    "河东区",
    "江北区",
    "山南区",
)


def agency_name(number: int) -> str:
    """A distinct agency name for each number below 35×20×28 = 19,600 (then they repeat)."""
    number %= len(_CITIES) * len(_DISTRICTS) * len(_DEPARTMENTS)
    number = (number * 7_703) % (len(_CITIES) * len(_DISTRICTS) * len(_DEPARTMENTS))  # spread
    number, dept = divmod(number, len(_DEPARTMENTS))
    city, district = divmod(number, len(_DISTRICTS))
    return _CITIES[city] + _DISTRICTS[district] + _DEPARTMENTS[dept]


def self_word(agency: str) -> str:
    """How an agency refers to itself (我局 / 我委 / 我中心 …)."""
    for ending, word in (("委员会", "我委"), ("中心", "我中心"), ("局", "我局")):
        if agency.endswith(ending):
            return word
    return "本机关"


# -- tables ----------------------------------------------------------------------------------


def _tables(
    fmt: FormatDef, rng: random.Random, busy: bool = False
) -> dict[str, dict[str, dict[str, Number]]]:
    return {
        "active_disclosure": _active_disclosure(fmt.tables["active_disclosure"], fmt.id, rng),
        "applications": _applications(fmt.tables["applications"], rng, busy),
        "review_litigation": _review_litigation(fmt.tables["review_litigation"], rng),
    }


def _money(rng: random.Random, high: int) -> Decimal:
    if rng.random() < 0.6:
        return Decimal(0)
    places = rng.choice((0, 1, 2, 2, 4))
    value = Decimal(rng.randint(1, high * 10**places)).scaleb(-places)
    return value


def _count(rng: random.Random, zero: float, high: int) -> int:
    return 0 if rng.random() < zero else rng.randint(1, high)


def _active_disclosure(table: TableDef, format_id: str, rng: random.Random) -> dict:
    out: dict[str, dict[str, Number]] = {}
    for row in table.rows:
        cells: dict[str, Number] = {}
        if row.key == "regulations":
            cells = dict.fromkeys(row.columns, 0)  # departments cannot make 规章
        elif format_id == "2021" and "issued" in row.columns:
            issued = _count(rng, 0.4, 6)
            cells = {
                "issued": issued,
                "repealed": _count(rng, 0.7, 4),
                "in_force": issued + _count(rng, 0.3, 60),
            }
        elif format_id == "2019" and "new_made" in row.columns:
            made = _count(rng, 0.4, 6)
            published = rng.randint(0, made)
            cells = {
                "new_made": made,
                "new_published": published,
                "total_published": published + _count(rng, 0.3, 60),
            }
        else:
            for col in row.columns:
                coldef = table.columns[col]
                if coldef.type == "money":
                    cells[col] = _money(rng, 3000)
                elif coldef.signed:
                    prev = cells.get("prev_items", 0)
                    cells[col] = 0 if rng.random() < 0.6 else rng.randint(-int(prev), 5)
                else:
                    cells[col] = _count(rng, 0.5, rng.choice((9, 60, 800, 5000)))
        out[row.key] = {col: cells[col] for col in row.columns}
    return out


def _applications(table: TableDef, rng: random.Random, busy: bool = False) -> dict:
    total_col = table.total_column or "total"
    parts = [c for c in table.columns if c != total_col]
    result_rows = [
        r.key for r in table.rows if r.key.startswith("results.") and r.key != "results.total"
    ]
    weights = [_RESULT_WEIGHTS.get(k.rsplit(".", 1)[-1], 1) for k in result_rows]
    profile = rng.choices(("zero", "small", "large"), (0 if busy else 45, 40, 15))[0]
    rows: dict[str, dict[str, int]] = {r.key: dict.fromkeys(table.columns, 0) for r in table.rows}
    for i, col in enumerate(parts):
        if profile == "zero":
            continue
        if i == 0:
            new = rng.randint(1, 40) if profile == "small" else rng.randint(80, 1500)
        else:
            new = _count(rng, 0.75 if i == 1 else 0.9, 6 if profile == "small" else 60)
        carried = 0 if rng.random() < 0.7 else rng.randint(0, max(1, new // 8))
        available = new + carried
        forward = 0 if rng.random() < 0.6 else rng.randint(0, available // 6)
        done = available - forward
        rows["new_received"][col] = new
        rows["carried_over"][col] = carried
        rows["carried_forward"][col] = forward
        rows["results.total"][col] = done
        for key, count in Counter(rng.choices(result_rows, weights, k=done)).items():
            rows[key][col] = count
    for cells in rows.values():
        cells[total_col] = sum(cells[c] for c in parts)
    return rows


def _review_litigation(table: TableDef, rng: random.Random) -> dict:
    out = {}
    busy = rng.random() < 0.35
    for row in table.rows:
        cells = {c: 0 for c in row.columns}
        if busy and rng.random() < 0.6:
            cells.update(
                upheld=rng.randint(0, 6),
                corrected=_count(rng, 0.6, 3),
                other=_count(rng, 0.5, 4),
                pending=_count(rng, 0.6, 3),
            )
        cells["total"] = sum(v for k, v in cells.items() if k != "total")
        out[row.key] = cells
    return out


# -- narrative -------------------------------------------------------------------------------

_OVERVIEW_TOPICS = (
    (
        "(一)主动公开",
        (
            "坚持“公开为常态、不公开为例外”原则,围绕中心工作做好政府信息主动公开。",
            "全年通过门户网站主动公开政府信息{a_total}条,其中工作动态{a1}条,通知公告{a2}条。",
            "认真落实政策解读制度,做到政策文件与解读材料同步起草、同步审签、同步发布。",
        ),
    ),
    (
        "(二)依申请公开",
        (
            "进一步规范依申请公开办理流程,严格按照法定时限答复,做到件件有回音。",
            "完善登记、审核、办理、答复、归档各环节,答复文书格式统一规范。",
        ),
    ),
    (
        "(三)政府信息管理",
        (
            "严格落实信息发布保密审查制度,坚持先审后发,严把政治关、法律关、保密关。",
            "对已公开的规范性文件进行动态清理,及时更新政府信息公开目录。",
        ),
    ),
    (
        "(四)政府信息公开平台建设",
        (
            "持续优化门户网站政府信息公开专栏,规范栏目设置,提升信息检索和获取的便利度。",
            "用好政务新媒体平台,及时发布权威信息,回应社会关切。",
        ),
    ),
    (
        "(五)监督保障",
        (
            "成立政府信息公开工作领导小组,明确分管领导和责任科室,落实专人负责。",
            "将政府信息公开工作纳入年度目标考核,定期开展自查,发现问题及时整改。",
        ),
    ),
)

_PROBLEMS = (
    "(一)存在的主要问题。一是政策解读形式还不够丰富,图表图解、视频解读运用较少;"
    "二是信息公开的及时性有待进一步提高;三是工作人员业务能力还需加强。",
    "(二)改进措施。一是丰富政策解读形式,提升解读质量;二是健全信息发布审核机制,"
    "确保信息发布及时准确;三是加强业务培训,提高工作人员的业务水平。",
)


def _write_sections(model: ReportModel, fmt: FormatDef, rng: random.Random) -> None:
    year, me = model.year, self_word(model.agency)
    t = model.tables
    a1, a2 = rng.randint(20, 400), rng.randint(5, 200)
    overview = [
        f"{year}年,{me}认真贯彻落实《中华人民共和国政府信息公开条例》,扎实推进政府信息公开工作。"
    ]
    for heading, sentences in _OVERVIEW_TOPICS:
        picked = [s.format(a_total=a1 + a2, a1=a1, a2=a2) for s in sentences if rng.random() < 0.8]
        overview.append(heading + "。" + "".join(picked or sentences[:1]))
    ad = t["active_disclosure"]
    docs = ad["normative_docs"]
    issued = docs.get("issued", docs.get("new_made", 0))
    active = [f"{year}年,{me}制发规范性文件{issued}件,主动公开情况如下。"]

    apps = t["applications"]
    new, carried = apps["new_received"]["total"], apps["carried_over"]["total"]
    done, forward = apps["results.total"]["total"], apps["carried_forward"]["total"]
    applications = [_applications_sentence(year, me, new, carried, done, forward)]

    rl = t["review_litigation"]
    review = rl["review"]["total"]
    litigation = rl["litigation_direct"]["total"] + rl["litigation_after_review"]["total"]
    if review == 0 and litigation == 0:
        rl_text = f"{year}年,{me}未发生因政府信息公开引起的行政复议、行政诉讼案件。"
    else:
        rl_text = (
            f"{year}年,{me}因政府信息公开被申请行政复议{review}件,被提起行政诉讼{litigation}件。"
        )

    other: list[str] = []
    if year >= 2021:
        unpaid = apps.get("results.other.fee_unpaid", {}).get("total", 0)
        if unpaid:
            amount = rng.randint(1, 20) * 100
            other.append(
                f"(一)政府信息公开信息处理费收取情况。{year}年,{me}共发出收费通知{unpaid}件,"
                f"总金额{amount}元,实际收取信息处理费0元。"
            )
        else:
            other.append(f"(一)政府信息公开信息处理费收取情况。{year}年,{me}未收取信息处理费。")
        other.append("(二)建议提案办理公开情况。按要求公开人大代表建议和政协提案办理结果。")
        other.append("(三)政务公开工作要点落实情况。对照年度政务公开工作要点,逐项抓好落实。")
    else:
        other.append("无其他需要报告的事项。")

    model.sections = {
        "overview": overview,
        "active_disclosure": active,
        "applications": applications,
        "review_litigation": [rl_text],
        "problems": list(_PROBLEMS),
        "other_matters": other,
    }
    model.intro = (
        "本报告根据《中华人民共和国政府信息公开条例》和"
        f"《中华人民共和国政府信息公开工作年度报告格式》要求编制。本报告所列数据的统计期限自{year}年1月1日"
        f"起至{year}年12月31日止。如对本报告有疑问,请与{model.agency}办公室联系。"
    )
    # keep section order as the format defines it
    model.sections = {s.key: model.sections[s.key] for s in fmt.sections}


def _applications_sentence(
    year: int, me: str, new: int, carried: int, done: int, forward: int
) -> str:
    if new == 0 and carried == 0:
        return f"{year}年,{me}未收到政府信息公开申请。"
    return (
        f"{year}年,{me}共收到政府信息公开申请{new}件,上年结转{carried}件,"
        f"办结{done}件,结转下年度继续办理{forward}件。"
    )


# -- defects ---------------------------------------------------------------------------------


def _inject(model: ReportModel, name: str, fmt: FormatDef, rng: random.Random) -> None:
    kind = DEFECT_KINDS[name]
    apps = model.tables["applications"]
    table = fmt.tables["applications"]
    total_col = table.total_column or "total"
    parts = [c for c in table.columns if c != total_col]
    if name == "broken_balance":
        col = rng.choice(parts)
        delta = rng.randint(1, 3)
        apps["carried_forward"][col] += delta
        apps["carried_forward"][total_col] += delta  # keep the row total right: only balance breaks
        model.defect = Defect(
            name,
            kind,
            section="applications",
            table="applications",
            row="carried_forward",
            column=col,
            rows=BALANCE_ROWS,
            note=f"结转下年度 +{delta}",
        )
    elif name == "broken_row_total":
        row = rng.choice([r.key for r in table.rows if r.key not in BALANCE_ROWS])
        apps[row][total_col] += rng.randint(1, 5)
        model.defect = Defect(
            name,
            kind,
            section="applications",
            table="applications",
            row=row,
            column=total_col,
            rows=(row, "results.total"),
        )
    elif name == "missing_row":
        # only rows that are all zero, so no identity breaks as a side effect
        candidates = [
            r.key
            for r in table.rows
            if r.key.startswith("results.")
            and r.key != "results.total"
            and not any(apps[r.key].values())
        ]
        row = rng.choice(candidates or ["results.denied.state_secret"])
        for col in apps[row]:  # fold any counts into 予以公开 so the totals still add up
            apps["results.granted"][col] += apps[row][col]
            apps[row][col] = 0
        model.missing_rows.append(("applications", row))
        model.defect = Defect(name, kind, section="applications", table="applications", row=row)
    elif name == "missing_section":
        key = rng.choice(["overview", "problems"])
        del model.sections[key]
        model.defect = Defect(name, kind, section=key)
    elif name == "text_table_mismatch":
        new = apps["new_received"]["total"]
        stated = new + rng.choice((-1, 1) if new > 0 else (1,)) * rng.randint(1, 9)
        stated = max(stated, 0) if stated != new else new + 1
        me = self_word(model.agency)
        carried = apps["carried_over"]["total"]
        model.sections["applications"][0] = (
            f"{model.year}年,{me}共收到政府信息公开申请{stated}件,上年结转{carried}件,"
            f"办结{apps['results.total']['total']}件,"
            f"结转下年度继续办理{apps['carried_forward']['total']}件。"
        )
        model.defect = Defect(
            name,
            kind,
            section="applications",
            table="applications",
            row="new_received",
            column=total_col,
            note=f"正文{stated}件,表格{new}件",
        )
    elif name == "late_date":
        model.published = date(model.year + 1, rng.randint(4, 6), rng.randint(1, 28))
        model.defect = Defect(name, kind, note=model.published.isoformat())
    elif name == "wrong_format":
        model.defect = Defect(name, kind, note=f"{model.year}年报告使用{model.format_id}格式")
    elif name == "missing_fee":
        model.sections["other_matters"] = ["无其他需要报告的事项。"]
        model.defect = Defect(name, kind, section="other_matters")
    elif name == "spam":
        key = rng.choice(["overview", "problems"])
        paragraphs = model.sections[key]
        i = rng.randrange(1, len(paragraphs)) if len(paragraphs) > 1 else 0
        paragraphs[i] = paragraphs[i] + f"依托{SPAM_TEXT}政府门户网站,推进网上政务公开。"
        model.defect = Defect(name, kind, section=key, note=SPAM_TEXT)
    else:  # pragma: no cover - guarded by defects_for
        raise ValueError(name)
