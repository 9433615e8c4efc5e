"""The batch's scratch files inside ``--out`` (removed at the end), so that memory stays flat.

- ``reports.bin``: parsed reports (pickles), read back by the workers when auditing;
- ``groups/*.jsonl``: which report belongs to which agency, split into buckets so that only one
  bucket is in memory at a time;
- ``results.bin`` + ``table.bin``: per input, its summary row and findings.json entry, found by
  input number through a fixed-size table (so the outputs can be written in source order).
"""

from __future__ import annotations

import json
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any

_ENTRY = struct.Struct("<QI")  # offset, size


class ResultStore:
    """Append results in any order; read them back by input number."""

    def __init__(self, folder: Path, count: int) -> None:
        self.count = count
        self._data_path = folder / "results.bin"
        self._table_path = folder / "table.bin"
        self._data = open(self._data_path, "wb")  # noqa: SIM115  (closed in close())
        self._table = open(self._table_path, "wb")  # noqa: SIM115
        self._table.truncate(count * _ENTRY.size)

    def put(self, index: int, row: list[Any], fragment: str) -> None:
        blob = (json.dumps(row, ensure_ascii=False) + "\n" + fragment).encode("utf-8")
        self._table.seek(index * _ENTRY.size)
        self._table.write(_ENTRY.pack(self._data.tell(), len(blob)))
        self._data.write(blob)

    def close(self) -> None:
        self._data.close()  # closing twice is harmless
        self._table.close()

    def read(self) -> Iterator[tuple[list[Any], str]]:
        """(summary row, findings.json entry) for every input, in input (source) order."""
        with open(self._table_path, "rb") as table, open(self._data_path, "rb") as data:
            for _ in range(self.count):
                offset, size = _ENTRY.unpack(table.read(_ENTRY.size))
                data.seek(offset)
                row, _, fragment = data.read(size).decode("utf-8").partition("\n")
                yield json.loads(row), fragment
