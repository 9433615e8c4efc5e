"""Import every subcommand module so that it registers itself on ``main``."""

from __future__ import annotations

import importlib
import importlib.util

# Each module adds its commands to ``auditor.cli.main`` when imported.
_MODULES = ("parse_cmd", "rules_cmd", "run_cmd")

for _name in _MODULES:
    if importlib.util.find_spec(f"auditor.cli.{_name}") is not None:
        importlib.import_module(f"auditor.cli.{_name}")
