"""A loaded rule and a loaded rule set."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from auditor.formats import FormatSet


@dataclass(slots=True)
class Rule:
    id: str
    kind: str
    title: str
    severity: str
    formats: tuple[str, ...]
    basis: str
    message: str
    advice: str
    spec: dict[str, Any]  # the kind-specific fields, as written
    year_from: int | None = None
    year_to: int | None = None
    # Only agencies whose name matches (and does not match ``agency_except``), e.g. 人民政府$.
    agency_match: re.Pattern[str] | None = None
    agency_except: re.Pattern[str] | None = None
    file: str = ""
    line: int = 0
    index: int = 0  # position in the rule set (file order)
    # Per format id: what the kind's module compiled from ``spec`` (resolved rows, regexes...).
    compiled: dict[str, Any] = field(default_factory=dict)
    # Per format id: the resolved ``when:`` conditions (auditor.rules.conditions.Condition);
    # empty when the rule has none.
    conditions: dict[str, tuple[Any, ...]] = field(default_factory=dict)

    def applies_to_year(self, year: int | None) -> bool:
        if year is None:
            return self.year_from is None and self.year_to is None
        if self.year_from is not None and year < self.year_from:
            return False
        return not (self.year_to is not None and year > self.year_to)

    def applies_to_agency(self, agency: str | None) -> bool:
        if self.agency_match is not None and not (agency and self.agency_match.search(agency)):
            return False
        return not (self.agency_except is not None and agency and self.agency_except.search(agency))

    @property
    def origin(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(slots=True)
class RuleSet:
    rules: list[Rule]
    formats: FormatSet
    directory: Path | None = None
    files: list[str] = field(default_factory=list)

    def get(self, rule_id: str) -> Rule | None:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        return None

    @property
    def ids(self) -> list[str]:
        return [rule.id for rule in self.rules]
