"""Bytes → text for plain-text and HTML reports.

Order of attempts: byte-order mark (UTF-8 / UTF-16 / UTF-32), strict UTF-8, then GB18030 (a
superset of GBK and GB2312, the usual encodings of Chinese government files). A GB18030 result is
accepted only when it looks like Chinese text, so that a file in some other encoding is reported
as undecodable instead of being read as gibberish. Everything here runs once per report, so it
sticks to C-speed operations (``bytes.decode``, one regex pass).
"""

from __future__ import annotations

import codecs
import re

from auditor.errors import IngestError

_BOMS: tuple[tuple[bytes, str, str], ...] = (
    # UTF-32 before UTF-16: the UTF-32-LE mark starts with the UTF-16-LE one.
    (codecs.BOM_UTF32_LE, "utf-32-le", "UTF-32"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "UTF-32"),
    (codecs.BOM_UTF8, "utf-8", "UTF-8（带BOM）"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16"),
)

# Control characters other than tab, line feed, vertical tab, form feed and carriage return.
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
# Characters a Chinese report is made of; anything else in a GB18030 reading counts as suspect.
_UNCOMMON = re.compile(
    r"[^\s\x20-\x7e\u00a0-\u00ff\u2000-\u206f\u2100-\u218f\u2460-\u24ff\u2500-\u257f"
    r"\u25a0-\u25ff\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef]"
)
_MAX_CONTROL_SHARE = 0.05  # more control characters than this: not a text file
_MAX_UNCOMMON_SHARE = 0.02
_MAX_BAD_BYTES = 3  # undecodable bytes tolerated (replaced) in any file...
_MAX_BAD_SHARE = 0.001  # ...or this share of a long file  # more odd characters than this in a GB18030 reading: wrong encoding


_CONTROL_BYTES = bytes([*range(0x00, 0x09), *range(0x0E, 0x20), 0x7F])


def _check_text(text: str) -> None:
    controls = len(_CONTROL.findall(text))
    if controls and controls > _MAX_CONTROL_SHARE * len(text):
        raise IngestError("文件内容是二进制数据（大量控制字符），不是文本文件")


def decode_bytes(data: bytes, declared: str | None = None) -> tuple[str, str | None]:
    """Decode ``data``; return the text and a Chinese note naming the encoding when not UTF-8.

    ``declared`` is an encoding named by the file itself (an HTML meta charset); it is tried
    after UTF-8 and before GB18030. Raises IngestError for binary or undecodable content.
    """
    for bom, codec, name in _BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom) :].decode(codec)
            except UnicodeDecodeError as exc:
                raise IngestError(f"文件以{name}标记开头，但内容无法按{name}解码") from exc
            _check_text(text)
            return text, f"文件编码为 {name}"
    if b"\x00" in data:
        raise IngestError("文件含有NUL字节，是二进制数据而不是文本文件")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        # Counted on the bytes (ASCII control bytes are single bytes in UTF-8): 5x cheaper.
        controls = len(data) - len(data.translate(None, _CONTROL_BYTES))
        if controls and controls > _MAX_CONTROL_SHARE * len(text):
            raise IngestError("文件内容是二进制数据（大量控制字符），不是文本文件")
        return text, None
    for codec in _fallbacks(declared):
        try:
            text = data.decode(codec)
        except (UnicodeDecodeError, LookupError):
            continue
        _check_text(text)
        if codec == "gb18030" and len(_UNCOMMON.findall(text)) > _MAX_UNCOMMON_SHARE * len(text):
            continue
        return text, f"文件编码为 {codec.upper()}"
    for codec in ("utf-8", "gb18030"):
        # A few damaged bytes in an otherwise valid file: read it, and say so.
        text = data.decode(codec, errors="replace")
        bad = text.count("\ufffd")
        if bad <= max(_MAX_BAD_BYTES, len(text) * _MAX_BAD_SHARE):
            _check_text(text)
            name = "UTF-8" if codec == "utf-8" else "GB18030"
            return text, f"文件编码为 {name}，其中{bad}处无法解码的字节已替换为“\ufffd”"
    raise IngestError("无法识别文件的文字编码（不是UTF-8、UTF-16或GB18030/GBK）")


_WESTERN = frozenset({"ascii", "latin-1", "iso8859-1", "cp1252", "iso8859-15"})


def _fallbacks(declared: str | None) -> list[str]:
    """GB18030, plus a declared encoding: before it, or after it when the declaration is a
    Western single-byte code page (those decode anything, and Chinese pages often declare one
    by mistake)."""
    name = ""
    if declared:
        try:
            name = codecs.lookup(declared).name
        except LookupError:
            name = ""
    if name in ("", "utf-8", "gb2312", "gbk", "gb18030", "hz"):
        return ["gb18030"]  # GB2312/GBK are read as GB18030, their superset
    if name in _WESTERN:
        return ["gb18030", name]
    return [name, "gb18030"]
