"""Find the report files of a batch: files named on the command line, and report-like files
(.txt .html .htm .pdf .md) anywhere under the folders named there.

Office documents (.docx, .wps, .ofd …) found in the folders are likely reports the tool cannot
read: they become inputs too, so that each is listed as failed with what to do about it,
instead of disappearing among the skipped files."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

REPORT_SUFFIXES = frozenset({".txt", ".html", ".htm", ".pdf", ".md"})
# Likely reports in a format the tool does not read (word processors, spreadsheets, OFD).
UNSUPPORTED_SUFFIXES = frozenset(
    {".doc", ".docx", ".wps", ".wpt", ".ofd", ".xls", ".xlsx", ".et", ".rtf"}
)
SKIPPED_NAMES = 10  # skipped files named on stderr


def unsupported_reason(path: str) -> str | None:
    """The one-line reason an office document is not audited, or None for other files."""
    suffix = os.path.splitext(path)[1].lower()
    if suffix in UNSUPPORTED_SUFFIXES:
        return f"不支持的文件类型 {suffix}：请另存为 PDF、HTML 或文本后再审核"
    return None


@dataclass(slots=True)
class Inputs:
    # (source shown to users, path to open), sorted by source; plain strings keep this small
    files: list[tuple[str, str]] = field(default_factory=list)
    skipped: int = 0  # files in the folders that are not report files (by extension)
    skipped_names: list[str] = field(default_factory=list)  # the first SKIPPED_NAMES of them
    missing: list[str] = field(default_factory=list)


def discover_inputs(paths: list[Path], exclude: Path | None = None) -> Inputs:
    """Every input once, sorted by its source path; ``exclude`` (the output folder) is skipped.

    The same file reached twice (a folder and a file inside it, or overlapping folders) is
    audited once. Sources use ``/`` on every OS so that outputs are identical everywhere.
    """
    result = Inputs()
    excluded = os.path.realpath(exclude) if exclude is not None else None
    found: list[tuple[str, str]] = []
    roots: list[str] = []
    for given in paths:
        if given.is_file():
            found.append((given.as_posix(), str(given)))
            roots.append(str(given))
        elif given.is_dir():
            roots.append(str(given))
            for path, is_report in _walk(str(given), excluded):
                if is_report:
                    found.append((_posix(path), path))
                else:
                    result.skipped += 1
                    if len(result.skipped_names) < SKIPPED_NAMES:
                        result.skipped_names.append(_posix(path))
        else:
            result.missing.append(str(given))
    found.sort()
    if len(roots) > 1:  # overlap is only possible with several roots; resolving costs syscalls
        seen: set[str] = set()
        unique = []
        for source, path in found:
            real = os.path.realpath(path)
            if real not in seen:
                seen.add(real)
                unique.append((source, path))
        found = unique
    result.files = found
    return result


def _posix(path: str) -> str:
    # On POSIX the source is the path itself (one string object, not two).
    return path if os.sep == "/" else path.replace(os.sep, "/")


def _walk(root: str, excluded: str | None) -> Iterator[tuple[str, bool]]:
    for directory, dirnames, filenames in os.walk(root):
        keep = []
        for name in sorted(dirnames):
            if name.startswith("."):
                continue
            if excluded is not None and os.path.realpath(os.path.join(directory, name)) == excluded:
                continue
            keep.append(name)
        dirnames[:] = keep
        for name in sorted(filenames):
            if name.startswith("."):
                continue
            path = os.path.join(directory, name)
            suffix = os.path.splitext(name)[1].lower()
            yield path, suffix in REPORT_SUFFIXES or suffix in UNSUPPORTED_SUFFIXES
