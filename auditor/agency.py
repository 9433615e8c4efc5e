"""Agency names: a grouping key (so that spellings of one agency meet) and safe memo file names.

The agency name comes from the report text, which nobody controls, so a memo file name is built
to be harmless on every operating system and can never leave the memo folder.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from pathlib import Path

from auditor.errors import AuditorError

_SPACES = re.compile(r"\s+")
# Characters no file name may contain on Windows, macOS or Linux.
_UNSAFE = re.compile(r'[\\/:*?"<>|]')
_WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL", "CLOCK$", "CONIN$", "CONOUT$"} | {
    f"{stem}{n}" for stem in ("COM", "LPT") for n in "123456789¹²³"
}
MAX_NAME_BYTES = 120  # well below the 255-byte limit, leaves room for ".html" and a hash
# Names the batch uses for its own files; an agency never gets them.
RESERVED_NAMES = frozenset({"unidentified", "index"})
_RESERVED_PATTERN = re.compile(r"(unidentified|index)(-\d+)?", re.IGNORECASE)


def agency_key(name: str | None) -> str | None:
    """The grouping key: NFKC (full-width → half-width) and no whitespace at all."""
    if not name:
        return None
    key = _SPACES.sub("", unicodedata.normalize("NFKC", name))
    return key or None


def safe_file_stem(name: str) -> str:
    """A file name stem (no extension) that is valid and harmless on every OS."""
    text = unicodedata.normalize("NFKC", name)
    text = "".join("_" if unicodedata.category(ch).startswith("C") else ch for ch in text)
    text = _UNSAFE.sub("_", _SPACES.sub("", text))
    text = re.sub(r"\.{2,}", "_", text)  # no "..", whatever is left around it
    text = text.strip(" ._-")
    text = _truncate_utf8(text, MAX_NAME_BYTES).rstrip(" .")
    if text.split(".")[0].upper() in _WINDOWS_RESERVED:
        text = "_" + text
    return text or "unnamed"


def _truncate_utf8(text: str, limit: int) -> str:
    encoded = text.encode("utf-8")
    if len(encoded) <= limit:
        return text
    return encoded[:limit].decode("utf-8", errors="ignore")


def short_hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:8]


class FileNamer:
    """Hands out one distinct stem per agency key; call in a fixed (sorted) order.

    Names are compared case-insensitively (macOS and Windows file systems); a clash gets a short
    hash of the agency key appended, so the result depends only on the set of agencies.
    """

    def __init__(self, reserved: frozenset[str] = RESERVED_NAMES) -> None:
        self._taken: set[str] = {name.casefold() for name in reserved}
        self._names: dict[str, str] = {}

    def name_for(self, key: str) -> str:
        if key in self._names:
            return self._names[key]
        stem = safe_file_stem(key)
        if stem.casefold() in self._taken or _RESERVED_PATTERN.fullmatch(stem):
            stem = f"{_truncate_utf8(stem, MAX_NAME_BYTES - 9)}-{short_hash(key)}"
            counter = 2
            base = stem
            while stem.casefold() in self._taken:
                stem = f"{base}-{counter}"
                counter += 1
        self._taken.add(stem.casefold())
        self._names[key] = stem
        return stem


class UnsafePathError(AuditorError, ValueError):
    """A write would land outside the output folder."""


def inside(root: Path, target: Path) -> Path:
    """Return ``target`` resolved, or raise ``UnsafePathError`` if it is not inside ``root``."""
    resolved_root = root.resolve()
    resolved = target.resolve()
    if resolved != resolved_root and resolved_root not in resolved.parents:
        raise UnsafePathError(f"拒绝写入输出目录以外的路径：{target}")
    return resolved
