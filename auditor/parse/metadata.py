"""Metadata: agency, report year and publication date, each with where it was read from."""

from __future__ import annotations

import re
from datetime import date

from auditor.text import compact, compact_normalized

_TITLE_AGENCY_FIRST = re.compile(
    r"(?P<agency>[^\d]{2,40}?)(?P<year>(?:19|20)\d{2})年度?政府信息公开(?:工作)?年度?报告"
)
_TITLE_YEAR_FIRST = re.compile(
    r"(?P<year>(?:19|20)\d{2})年度?(?P<agency>[^\d]{2,40}?)政府信息公开(?:工作)?年度?报告"
)
_MARKUP = re.compile(r"^[#*>_\-]+")  # Markdown heading / emphasis marks before a title
_TITLE_PREFIX = re.compile(r"^(?:标题|题目|名称)[:：]")
_AGENCY_OK = re.compile(r"^[\u4e00-\u9fff()（）·]{2,40}$")
_PUBLISHER = re.compile(
    r"(?:发布机构|发文机关|来源)[:：][ \t]*(?P<agency>[\u4e00-\u9fff()（）]{2,30})(?=[ \t]*(?:\n|$))",
    re.MULTILINE,
)
_PERIOD_YEAR = re.compile(r"((?:19|20)\d{2})年1月1日(?:起)?(?:至|到|-|—)")
_DATED = re.compile(
    r"(?:发布时间|发布日期|发文日期|成文日期|印发日期|时间|日期)[:：][ \t]*"
    r"(?P<y>(?:19|20)\d{2})[-/.年](?P<m>\d{1,2})[-/.月](?P<d>\d{1,2})"
)
_SIGNATURE_DATE = re.compile(
    r"(?m)^[ \t]*(?P<y>(?:19|20)\d{2})[ \t]*年[ \t]*(?P<m>\d{1,2})[ \t]*月[ \t]*(?P<d>\d{1,2})[ \t]*日[ \t]*$"
)
_AGENCY_SUFFIXES = (
    "政府",
    "局",
    "委员会",
    "中心",
    "办公室",
    "办公厅",
    "厅",
    "委",
    "院",
    "管委会",
    "办事处",
    "公司",
    "所",
    "处",
    "站",
    "队",
    "会",
)


def _clean_agency(raw: str) -> str | None:
    agency = _TITLE_PREFIX.sub("", raw).strip("：:，,。 ")
    for sep in ("》", ">", "”", "关于"):
        if sep in agency:
            agency = agency.rsplit(sep, 1)[-1]
    return agency if _AGENCY_OK.match(agency) else None


def find_title(lines: list[str]) -> tuple[str | None, int | None]:
    """Agency and year from the title line (or a title wrapped over two lines)."""
    # Titles are short: only the first 200 characters of a line can hold one (a run-on page
    # may be a single line of megabytes).
    raw = [line[:200] for line in lines[:60] if line.strip()]
    # Only a line that ends the title (…报告) or the line just before it can hold one.
    wanted = {i for i, line in enumerate(raw) if "告" in line}
    wanted |= {i - 1 for i in wanted if i > 0}
    head = [
        _MARKUP.sub("", compact_normalized(line)) if i in wanted else ""
        for i, line in enumerate(raw)
    ]
    pairs = [a + b for a, b in zip(head, head[1:], strict=False) if a and b]
    year_only: int | None = None
    for candidate in head + pairs:
        for pattern in (_TITLE_AGENCY_FIRST, _TITLE_YEAR_FIRST):
            match = pattern.search(candidate)
            if not match:
                continue
            agency = _clean_agency(match.group("agency"))
            if agency:
                return agency, int(match.group("year"))
            year_only = year_only or int(match.group("year"))
    return None, year_only


def find_publisher(text: str) -> str | None:
    match = _PUBLISHER.search(text[:3000])
    if match:
        return _clean_agency(match.group("agency"))
    return None


def find_signature_agency(lines: list[str]) -> str | None:
    """An agency name on its own line near the end, before the signature date."""
    tail = [line.strip() for line in lines[-15:] if line.strip()]
    for line in reversed(tail):
        name = compact(line)
        if 2 < len(name) <= 30 and name.endswith(_AGENCY_SUFFIXES) and _AGENCY_OK.match(name):
            return name
    return None


_SELF_NAMED = re.compile(
    r"(?m)^[ \t]*(?P<agency>[\u4e00-\u9fff]{2,16}?(?:人民政府|管理委员会|委员会|管委会|局|中心|办公室|厅|院))"
    r"(?:深入|认真|坚持|高度|严格|始终|积极|按照|进一步|全面|紧紧|坚决|不断|持续|紧密|牢固)"
)


def find_self_named_agency(text: str) -> str | None:
    """The agency as the body names itself at the start of a paragraph (`市工信局深入贯彻…`).

    Last resort when there is no title, publisher or signature (e.g. a page whose title was
    replaced by injected text); the memo says where the name came from.
    """
    match = _SELF_NAMED.search(text, 0, 6000)
    return match.group("agency") if match else None


def find_period_year(text: str) -> int | None:
    match = _PERIOD_YEAR.search(text)
    return int(match.group(1)) if match else None


def find_published(text: str) -> tuple[str | None, str | None]:
    """Publication date (ISO) and the text it was read from, or (None, None)."""
    for match in _DATED.finditer(text[:4000]):
        found = _iso(match)
        if found:
            return found, match.group(0).strip()
    tail_start = max(0, len(text) - 600)
    dates = list(_SIGNATURE_DATE.finditer(text, tail_start))
    for match in reversed(dates):
        found = _iso(match)
        if found:
            return found, "落款：" + match.group(0).strip()
    return None, None


def _iso(match: re.Match[str]) -> str | None:
    try:
        return date(int(match.group("y")), int(match.group("m")), int(match.group("d"))).isoformat()
    except ValueError:
        return None
