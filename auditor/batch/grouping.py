"""Group parsed reports by agency without holding the whole batch in memory.

While parsing, each report's (agency key, year, spool position) goes to one of several bucket
files, chosen by the agency's memo file name; then buckets are turned into memo tasks one at a
time. Keys whose file names could clash always share a bucket, so the names handed out (with a
hash suffix on a clash) do not depend on the number of buckets. Files without an agency go to
``unidentified`` memos of at most ``UNIDENTIFIED_CHUNK`` reports each.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from auditor.agency import FileNamer, safe_file_stem
from auditor.batch.records import MemoTask, Parsed

UNIDENTIFIED = "unidentified"
UNIDENTIFIED_CHUNK = 500
UNIDENTIFIED_TASKS_AT_ONCE = 8
BUCKET_SIZE = 2000  # reports per bucket held in memory at once, roughly
MAX_BUCKETS = 256


class Grouper:
    def __init__(self, folder: Path, total: int) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.buckets = max(1, min(MAX_BUCKETS, total // BUCKET_SIZE))
        self._files: dict[int, IO[str]] = {}
        self._unidentified = open(folder / "unidentified.jsonl", "w", encoding="utf-8")  # noqa: SIM115

    def add(self, parsed: Parsed, offset: int, size: int) -> None:
        """Record one report; call in input order (the files keep that order)."""
        if parsed.key is None:
            line = [parsed.index, parsed.year, offset, size]
            self._unidentified.write(json.dumps(line) + "\n")
            return
        bucket = self._bucket(parsed.key)
        handle = self._files.get(bucket)
        if handle is None:
            handle = self._files[bucket] = open(  # noqa: SIM115
                self.folder / f"{bucket:03d}.jsonl", "w", encoding="utf-8"
            )
        line = [parsed.key, parsed.agency, parsed.index, parsed.year, offset, size]
        handle.write(json.dumps(line, ensure_ascii=False) + "\n")

    def _bucket(self, key: str) -> int:
        core = core_name(safe_file_stem(key).casefold())
        digest = hashlib.sha1(core.encode("utf-8")).digest()
        return int.from_bytes(digest[:4], "big") % self.buckets

    def close(self) -> None:
        for handle in self._files.values():
            handle.close()
        self._unidentified.close()

    def tasks(self) -> Iterator[list[MemoTask]]:
        """Memo tasks, one list per bucket (largest groups first within a list)."""
        for bucket in range(self.buckets):
            path = self.folder / f"{bucket:03d}.jsonl"
            if path.exists():
                yield _bucket_tasks(path)
        yield from _unidentified_tasks(self.folder / "unidentified.jsonl")


def _bucket_tasks(path: Path) -> list[MemoTask]:
    members: dict[str, list[tuple[int, int | None, int, int]]] = {}
    spellings: dict[str, Counter[str]] = {}
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            key, agency, index, year, offset, size = json.loads(line)
            members.setdefault(key, []).append((index, year, offset, size))
            spellings.setdefault(key, Counter())[agency] += 1
    _merge_short_names(members, spellings)
    namer = FileNamer()
    tasks = []
    for key in sorted(members):
        items = sorted(members[key], key=lambda item: (item[1] is None, item[1] or 0, item[0]))
        names = spellings[key]
        display = min(names, key=lambda name: (-names[name], len(name), name))
        tasks.append(MemoTask(namer.name_for(key), display, items))
    tasks.sort(key=lambda task: -len(task.items))  # big groups first: none finishes last alone
    return tasks


# A leading province / city in an agency name (淮安市洪泽区人民政府 → 洪泽区人民政府).
_ADMIN_PREFIX = re.compile(
    r"^(?:[\u4e00-\u9fff]{2,8}?(?:省|自治区))?(?:[\u4e00-\u9fff]{2,8}?(?:市|自治州|地区|盟))?"
)


def core_name(key: str) -> str:
    """The name without a leading province/city, so both spellings land in one bucket."""
    rest = key[_ADMIN_PREFIX.match(key).end() :]  # type: ignore[union-attr]
    return rest if len(rest) >= 4 else key


def _merge_short_names(
    members: dict[str, list[tuple[int, int | None, int, int]]], spellings: dict[str, Counter[str]]
) -> None:
    """One agency written with and without its city (洪泽区人民政府 / 淮安市洪泽区人民政府):
    merge the short name into the long one when exactly one long name fits, so both years go
    into one memo and are checked against each other. Two cities' 朝阳区 stay apart."""
    for short in sorted(members, key=len):
        longer = [
            key
            for key in members
            if key != short
            and key.endswith(short)
            and _ADMIN_PREFIX.fullmatch(key[: -len(short)])
            and key[: -len(short)]
        ]
        if len(longer) != 1:
            continue
        target = longer[0]
        members[target].extend(members.pop(short))
        spellings[target].update({name: 0 for name in spellings.pop(short)})


def _unidentified_tasks(path: Path) -> Iterator[list[MemoTask]]:
    """Memos of ``UNIDENTIFIED_CHUNK`` files each, handed out a few at a time."""
    pending: list[MemoTask] = []
    with open(path, encoding="utf-8") as handle:
        for number, chunk in enumerate(_chunks(handle, UNIDENTIFIED_CHUNK)):
            stem = UNIDENTIFIED if number == 0 else f"{UNIDENTIFIED}-{number + 1}"
            # Within a memo: by year, then source (as for an agency).
            items = sorted(chunk, key=lambda item: (item[1] is None, item[1] or 0, item[0]))
            pending.append(MemoTask(stem, None, items))
            if len(pending) == UNIDENTIFIED_TASKS_AT_ONCE:
                yield pending
                pending = []
    if pending:
        yield pending


def _chunks(lines: IO[str], size: int) -> Iterator[list[tuple[int, int | None, int, int]]]:
    chunk: list[tuple[int, int | None, int, int]] = []
    for line in lines:
        index, year, offset, size_ = json.loads(line)
        chunk.append((index, year, offset, size_))
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
