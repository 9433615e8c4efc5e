"""Write an output file completely or not at all.

Each output is written to a hidden temporary file in its own folder and renamed over the old
one only when writing succeeded, so a template or disk error never leaves an empty or half
file, and a previous good output stays in place.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO


def temp_path(target: Path) -> Path:
    """A hidden name next to ``target``, unique per process (workers write side by side)."""
    return target.with_name(f".{target.name}.{os.getpid()}.tmp")


@contextmanager
def replacing(target: Path, encoding: str = "utf-8", newline: str = "\n") -> Iterator[IO[str]]:
    """Open a temporary file for writing; on success it replaces ``target`` (a link planted at
    ``target`` is replaced, never followed); on failure it is removed and ``target`` kept."""
    temp = temp_path(target)
    try:
        with open(temp, "w", encoding=encoding, newline=newline) as handle:
            yield handle
        os.replace(temp, target)
    finally:
        with suppress(FileNotFoundError):
            temp.unlink()


def discard(*temps: Path) -> None:
    for temp in temps:
        with suppress(FileNotFoundError):
            temp.unlink()
