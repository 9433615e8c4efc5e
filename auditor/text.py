"""Text normalisation shared by the parser, the format definitions and the rules.

``normalize`` makes a report's text comparable (full-width → half-width, NBSP → space, one kind
of line break). ``compact`` additionally drops spaces, line breaks, table pipes and quotes so that
labels split over lines (``三、本年度办\\n理结果``, ``商业 企业``) still match.
"""

from __future__ import annotations

import re
import unicodedata

_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"), None)
_DROP_IN_COMPACT = re.compile(r"[\s|\"'“”‘’「」『』]+")
_KEEP_IN_COMPACT = re.compile(r"[^\s|\"'“”‘’「」『』]+")
_DIGIT_ENUM = re.compile(r"(?<=\d)[、,]")
_CN_ENUM = re.compile(r"(?<=[一二三四五六七八九十])[.,]")


def normalize(text: str) -> str:
    """NFKC, unified line breaks, zero-width characters removed, NBSP → space."""
    text = text.translate(_ZERO_WIDTH).replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFKC", text)


def _fix_enumerators(compacted: str) -> str:
    # `1、` / `1,` → `1.`; `一.` → `一、` (same length, so offsets stay valid)
    return _CN_ENUM.sub("、", _DIGIT_ENUM.sub(".", compacted))


def compact(text: str) -> str:
    """Normalised text without whitespace, pipes or quotes, for label matching."""
    return compact_normalized(normalize(text))


def compact_normalized(text: str) -> str:
    """``compact`` for text that is already normalised (skips the NFKC pass)."""
    return _fix_enumerators(_DROP_IN_COMPACT.sub("", text))


def compact_with_offsets(normalized: str) -> tuple[str, list[int]]:
    """Compact an already-normalised text and map each kept character to its offset in it."""
    pieces: list[str] = []
    offsets: list[int] = []
    for match in _KEEP_IN_COMPACT.finditer(normalized):
        pieces.append(match.group())
        offsets.extend(range(match.start(), match.end()))
    return _fix_enumerators("".join(pieces)), offsets


def line_starts(text: str) -> list[int]:
    starts = [0]
    starts.extend(m.end() for m in re.finditer("\n", text))
    return starts
