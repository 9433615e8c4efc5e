"""Helpers for tests and rule tests: small, fully controlled reports built without parsing."""

from auditor.testing.reports import build_report, clean_report

__all__ = ["build_report", "clean_report"]
