"""The rule language: rule files, their schemas and the loader (``auditor.rules.loader``)."""

from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:  # lazy, so that auditor.checks can import auditor.rules.model
    if name == "load_ruleset":
        from auditor.rules.loader import load_ruleset

        return load_ruleset
    if name in ("Rule", "RuleSet"):
        from auditor.rules import model

        return getattr(model, name)
    raise AttributeError(name)
