"""Errors that reach the user as one clear Chinese line (never as a traceback)."""

from __future__ import annotations


class AuditorError(Exception):
    """Base class: the message is shown to the user as is."""


class IngestError(AuditorError):
    """A file could not be read as a report (empty, binary, scanned PDF, wrong encoding...)."""


class RuleError(AuditorError):
    """Rule files are broken; ``problems`` holds one ``FILE:LINE:COL: message`` per problem."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


class TemplateError(AuditorError):
    """A memo template is broken; the message names the template file and line."""
