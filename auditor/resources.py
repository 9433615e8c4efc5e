"""Where the shipped rules and templates live.

In an installed wheel they sit inside the package (``auditor/_shipped``); in a source checkout
or an editable install they are the top-level ``rules/`` and ``templates/`` folders.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def shipped_dir(name: str) -> Path:
    """Return the directory of the shipped ``rules`` or ``templates``."""
    inside = _PACKAGE_DIR / "_shipped" / name
    if inside.is_dir():
        return inside
    return _PACKAGE_DIR.parent / name


def shipped_rules_dir() -> Path:
    return shipped_dir("rules")


def shipped_templates_dir() -> Path:
    return shipped_dir("templates")


def formats_dir(rules_dir: Path | None = None) -> Path:
    """Format definitions live in ``<rules>/formats``; fall back to the shipped ones."""
    if rules_dir is not None and (rules_dir / "formats").is_dir():
        return rules_dir / "formats"
    return shipped_rules_dir() / "formats"
