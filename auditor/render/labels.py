"""Chinese labels the memos use for severities, finding kinds, statuses and table cells."""

from __future__ import annotations

from auditor.formats import FormatSet

SEVERITY_LABELS = {"error": "错误", "warning": "警告", "info": "提示"}
SEVERITY_ORDER = ("error", "warning", "info")
KIND_LABELS = {
    "section": "章节",
    "row": "表格行",
    "identity": "勾稽关系",
    "range": "数值范围",
    "crosscheck": "正文与表格一致",
    "deadline": "发布时限",
    "format": "格式版本",
    "pattern": "必备或禁止内容",
    "carryover": "跨年度衔接",
    "parse": "读取问题",
}
STATUS_LABELS = {"audited": "已审核", "failed": "无法审核"}
FORMAT_LABELS = {
    "2019": "2019 版格式（国办公开办函〔2019〕60号）",
    "2021": "2021 版格式（国办公开办函〔2021〕30号）",
}

# Key figures shown side by side when an agency has several years: (label, table, row, column).
KEY_FIGURES = (
    ("本年新收申请", "applications", "new_received", "total"),
    ("上年结转申请", "applications", "carried_over", "total"),
    ("办理结果总计", "applications", "results.total", "total"),
    ("结转下年度继续办理", "applications", "carried_forward", "total"),
    ("行政复议总计", "review_litigation", "review", "total"),
    ("行政诉讼（直接起诉）总计", "review_litigation", "litigation_direct", "total"),
    ("行政诉讼（复议后起诉）总计", "review_litigation", "litigation_after_review", "total"),
)


class LabelBook:
    """Section headings and table/row/column labels, preferring the report's own format."""

    def __init__(self, formats: FormatSet | None) -> None:
        self._formats = formats or FormatSet()
        # Fallbacks across all formats, newest format first.
        self._any: dict[tuple[str, ...], str] = {}
        for fmt_id in sorted(self._formats.formats, reverse=True):
            for key, text in self._entries(fmt_id).items():
                self._any.setdefault(key, text)
        self._by_format = {fmt_id: self._entries(fmt_id) for fmt_id in self._formats.formats}

    def _entries(self, fmt_id: str) -> dict[tuple[str, ...], str]:
        fmt = self._formats.formats[fmt_id]
        entries: dict[tuple[str, ...], str] = {}
        for section in fmt.sections:
            entries[("section", section.key)] = section.heading
        for table in fmt.tables.values():
            entries[("table", table.key)] = table.title
            for row in table.rows:
                entries[("row", table.key, row.key)] = row.label
            for column in table.columns.values():
                entries[("column", table.key, column.key)] = column.label
        return entries

    def get(self, fmt_id: str | None, *key: str) -> str | None:
        if fmt_id in self._by_format:
            found = self._by_format[fmt_id].get(key)
            if found is not None:
                return found
        return self._any.get(key)
