"""Ingest: turn a report file (.txt/.md/.html/.htm/.pdf) into text the parser can read.

``read_document(path)`` returns a ``Document``; every problem with the file becomes an
``IngestError`` carrying one Chinese line (never another exception).
"""

from __future__ import annotations

import errno
from dataclasses import dataclass, field
from pathlib import Path

from auditor.errors import IngestError
from auditor.ingest.decode import decode_bytes

__all__ = ["Document", "IngestError", "SUFFIXES", "read_document"]

SUFFIXES: dict[str, str] = {
    ".txt": "text",
    ".md": "text",
    ".html": "html",
    ".htm": "html",
    ".pdf": "pdf",
}


@dataclass(slots=True)
class Document:
    text: str
    kind: str  # "text" | "html" | "pdf"
    notes: list[str] = field(default_factory=list)  # Chinese, e.g. "文件编码为 GB18030"


def read_document(path: Path) -> Document:
    """Read one report file; raise IngestError (one Chinese line) when it cannot be used."""
    path = Path(path)
    if path.is_dir():
        raise IngestError("这是一个文件夹，不是文件（审核整个文件夹请用 audit run 文件夹）")
    kind = SUFFIXES.get(path.suffix.lower())
    if kind is None:
        shown = path.suffix or "（无扩展名）"
        raise IngestError(f"不支持的文件类型 {shown}（支持 .txt .md .html .htm .pdf）")
    try:
        if kind == "pdf":
            from auditor.ingest.pdf import read_pdf  # imported lazily: pdfplumber is slow to load

            text, notes = read_pdf(path)
        else:
            data = _read_bytes(path)
            if not data.strip():
                raise IngestError(
                    "文件为空（没有任何内容）" if not data else "文件只有空白字符，没有内容"
                )
            if kind == "html":
                from auditor.ingest.html import read_html_bytes

                text, notes = read_html_bytes(data)
            else:
                text, note = decode_bytes(data)
                notes = [note] if note else []
    except IngestError:
        raise
    except Exception as exc:  # a safety net: no traceback may reach the user
        raise IngestError(f"读取文件时出错：{type(exc).__name__}") from exc
    if not text.strip():
        raise IngestError(_EMPTY[kind])
    return Document(text=text, kind=kind, notes=notes)


_EMPTY = {
    "text": "文件只有空白字符，没有内容",
    "html": "网页中没有可读的正文文字",
    "pdf": "PDF中没有可提取的文字",
}


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise IngestError(os_error_message(exc)) from exc


def os_error_message(exc: OSError) -> str:
    """One Chinese line for a file that cannot be opened or read."""
    if isinstance(exc, FileNotFoundError):
        return "文件不存在"
    if isinstance(exc, IsADirectoryError):
        return "这是一个目录，不是文件"
    if isinstance(exc, PermissionError):
        return "没有读取该文件的权限"
    if exc.errno == errno.EIO:
        return "读取文件时发生输入输出错误（磁盘或网络存储故障）"
    return f"无法读取文件（{exc.strerror or type(exc).__name__}）"
