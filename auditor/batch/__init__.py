"""Batch auditing (``audit run``); see ``runner`` for how the work is split."""

from auditor.batch.discover import REPORT_SUFFIXES, discover_inputs
from auditor.batch.runner import BatchOptions, BatchResult, UsageProblem, run_batch

__all__ = [
    "REPORT_SUFFIXES",
    "BatchOptions",
    "BatchResult",
    "UsageProblem",
    "discover_inputs",
    "run_batch",
]
