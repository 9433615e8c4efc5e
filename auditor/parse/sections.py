"""Find the six section headings (whole headings only: table 3 has row labels `一、…四、` too)."""

from __future__ import annotations

import re
from bisect import bisect_right

from auditor.formats import FormatDef
from auditor.model import SectionInfo
from auditor.parse.document import Document


def find_sections(doc: Document, fmt: FormatDef) -> dict[str, SectionInfo]:
    """Each section's first heading occurrence, in document order, with where its text ends."""
    found: list[SectionInfo] = []
    for section in fmt.sections:
        hit = doc.find(section.match) or _find_misnumbered(doc, section.match)
        if hit is None:
            continue
        start, end = hit
        end = _extend_heading(doc.compact, end, section.heading)
        text_start = doc.text_offset(start)
        heading = _original_span(doc, start, end)
        found.append(
            SectionInfo(
                key=section.key,
                heading=heading,
                line=bisect_right(doc.line_starts, text_start),
                start=text_start,
            )
        )
    found.sort(key=lambda info: info.start)
    for index, info in enumerate(found):
        info.end = found[index + 1].start if index + 1 < len(found) else len(doc.text)
    return {info.key: info for info in found}


_NUMERAL = re.compile(r"^[一二三四五六七八九十]、")


def _find_misnumbered(doc: Document, phrases: tuple[str, ...]) -> tuple[int, int] | None:
    """The heading under another numeral (`三、政府信息公开行政复议…` for section 四).

    The heading keeps the numeral it has in the report, so the numbering rule can report it.
    """
    best: tuple[int, int] | None = None
    for phrase in phrases:
        if not _NUMERAL.match(phrase):
            continue
        pattern = re.compile("[一二三四五六七八九十]、" + re.escape(phrase[2:]))
        match = pattern.search(doc.compact)
        if match and (best is None or match.start() < best[0]):
            best = (match.start(), match.end())
    return best


def _extend_heading(compact: str, end: int, canonical: str) -> int:
    """Extend a matched heading prefix while the text goes on with the canonical heading."""
    rest = canonical.replace(" ", "")
    matched_to = end
    for size in range(len(rest), 1, -1):
        tail = rest[-size:]
        if compact.startswith(tail, end) and rest.endswith(tail):
            matched_to = end + size
            break
    return matched_to


def _original_span(doc: Document, start: int, end: int) -> str:
    text = doc.text[doc.text_offset(start) : doc.text_end(end)]
    return " ".join(text.split())
