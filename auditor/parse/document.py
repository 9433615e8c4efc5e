"""A report's text prepared for parsing: normalised text, its compact form and the offset map."""

from __future__ import annotations

import re
from dataclasses import dataclass

from auditor.text import compact_with_offsets, line_starts, normalize

# Page footers (`— 1 —`, `- 4 -`, `第 3 页`) and Markdown table rules (`|---|---|`) carry no data;
# they are blanked out with spaces of the same length so that offsets and line numbers stay valid.
_CHROME = re.compile(
    r"^[ \t]*(?:[-—–]{1,2}[ \t]*\d{1,3}[ \t]*[-—–]{1,2}|第[ \t]*\d{1,3}[ \t]*页(?:[ \t]*/?[ \t]*共[ \t]*\d+[ \t]*页)?)[ \t]*$"
    r"|^[ \t]*\|?(?:[ \t]*:?-{3,}:?[ \t]*\|)+[ \t]*(?::?-{3,}:?[ \t]*)?$"
    r"|(?<=[ |])[—–][ \t]?\d{1,3}[ \t]?[—–](?=[ |\n])",
    re.MULTILINE,
)


def _blank(match: re.Match[str]) -> str:
    return " " * len(match.group())


@dataclass(slots=True)
class Document:
    text: str  # normalised text (what line numbers and offsets refer to)
    compact: str  # text without whitespace, pipes and quotes, for label matching
    offsets: list[int]  # compact index → offset in text
    line_starts: list[int]

    @classmethod
    def from_text(cls, raw: str) -> Document:
        text = _CHROME.sub(_blank, normalize(raw))
        compact, offsets = compact_with_offsets(text)
        return cls(text=text, compact=compact, offsets=offsets, line_starts=line_starts(text))

    def text_offset(self, compact_index: int) -> int:
        """Offset in ``text`` of the character at ``compact_index`` (end of text if past the end)."""
        if compact_index >= len(self.offsets):
            return len(self.text)
        return self.offsets[compact_index]

    def text_end(self, compact_end: int) -> int:
        """Offset in ``text`` just after the compact character ``compact_end - 1``."""
        if compact_end <= 0:
            return 0
        return self.offsets[min(compact_end, len(self.offsets)) - 1] + 1

    def find(
        self, phrases: tuple[str, ...], start: int = 0, end: int | None = None
    ) -> tuple[int, int] | None:
        """Earliest occurrence of any phrase in ``compact[start:end]`` as (start, end)."""
        end = len(self.compact) if end is None else end
        best: tuple[int, int] | None = None
        for phrase in phrases:
            if not phrase:
                continue
            at = self.compact.find(phrase, start, end)
            if at >= 0 and (
                best is None or at < best[0] or (at == best[0] and at + len(phrase) > best[1])
            ):
                best = (at, at + len(phrase))
        return best
