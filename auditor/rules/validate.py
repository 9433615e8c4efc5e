"""JSON-Schema validation of one rule (common fields + its kind's fields), in Chinese.

Schemas live in ``auditor/rules/schemas`` so that they ship with the package.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match

from auditor.checks.refs import suggest
from auditor.rules.yamlpos import Positioned

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"
_TYPE_NAMES = {
    "string": "文字",
    "integer": "整数",
    "number": "数字",
    "boolean": "true 或 false",
    "array": "列表",
    "object": "键值映射",
    "null": "空值",
}


def schema_file(name: str) -> dict[str, Any]:
    with (SCHEMA_DIR / f"{name}.yaml").open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@lru_cache(maxsize=32)
def rule_validator(kind: str) -> Draft202012Validator:
    """Common + kind schema merged, with every other key rejected."""
    common = schema_file("common")
    own = schema_file(kind)
    merged: dict[str, Any] = {
        "type": "object",
        "required": list(dict.fromkeys([*common.get("required", []), *own.get("required", [])])),
        "properties": {**common["properties"], **own.get("properties", {})},
        "additionalProperties": False,
    }
    for key in ("$defs", "allOf", "oneOf", "anyOf", "if", "then", "else"):
        if key in own:
            merged[key] = own[key]
    return Draft202012Validator(merged)


@lru_cache(maxsize=4)
def file_validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(schema_file(name))


def _show(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 40 else text[:39] + "…"


def report_errors(
    validator: Draft202012Validator, instance: Any, source: Positioned, base: tuple
) -> int:
    """Validate; append one Chinese problem per error to ``source.problems``; return the count."""
    count = 0
    for error in sorted(
        validator.iter_errors(instance), key=lambda e: list(map(str, e.absolute_path))
    ):
        count += _report(error, source, base)
    return count


def _report(error: ValidationError, source: Positioned, base: tuple) -> int:
    path = (*base, *error.absolute_path)
    kind = error.validator
    instance = error.instance
    if kind == "additionalProperties":
        allowed = list(error.schema.get("properties", {}))
        unknown = [k for k in instance if k not in allowed]
        for key in unknown:
            source.problem((*path, key), f'未知的键 "{key}"{suggest(str(key), allowed)}', key=True)
        return max(1, len(unknown))
    if kind == "required":
        missing = [k for k in error.validator_value if k not in instance]
        for key in missing:
            source.problem(path, f'缺少必填的键 "{key}"')
        return max(1, len(missing))
    if kind in ("oneOf", "anyOf"):
        alternatives = error.validator_value
        if all(set(alt) == {"required"} for alt in alternatives):
            names = "、".join(alt["required"][0] for alt in alternatives)
            present = [alt["required"][0] for alt in alternatives if alt["required"][0] in instance]
            if present:
                source.problem(path, f"{names} 只能写其中一个")
            else:
                source.problem(path, f"需要 {names} 其中之一")
            return 1
        if error.context:
            return _report(best_match(error.context), source, base)
    source.problem(path, _message(error))
    return 1


def _message(error: ValidationError) -> str:
    kind = error.validator
    value = error.validator_value
    instance = error.instance
    if kind == "enum":
        choices = [str(v) for v in value]
        return f'取值 "{_show(instance)}" 无效，应为 {"、".join(choices)} 之一{suggest(str(instance), choices)}'
    if kind == "const":
        return f'取值应为 "{value}"'
    if kind == "type":
        wanted = value if isinstance(value, list) else [value]
        return f'"{_show(instance)}" 的类型不对，应为{"或".join(_TYPE_NAMES.get(t, t) for t in wanted)}'
    if kind == "pattern":
        if error.absolute_path and list(error.absolute_path)[-1] == "id":
            return f'规则编号 "{instance}" 格式不对：应为小写字母、数字、下划线，以点分段，如 applications.balance'
        return f'"{_show(instance)}" 的写法不符合要求'
    if kind == "minItems":
        return f"至少需要 {value} 项"
    if kind == "minLength":
        return "不能为空"
    if kind == "uniqueItems":
        return "列表中有重复的项"
    if kind == "minimum":
        return f"数值 {instance} 不能小于 {value}"
    if kind == "maximum":
        return f"数值 {instance} 不能大于 {value}"
    if kind == "minProperties":
        return "至少需要写一个键"
    if kind == "maxProperties":
        return f"最多只能写 {value} 个键"
    return f"不符合规则格式（{error.message}）"
