"""YAML with positions: plain Python data plus the line/column of every key and value.

PyYAML keeps the last of two equal keys silently; rule files must not, so duplicate keys are
reported here. Positions are 1-based and keyed by the path to the value, e.g.
``("rules", 3, "left", 1)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import ConstructorError, SafeConstructor

Path_ = tuple[Any, ...]


@dataclass(slots=True)
class Positioned:
    """Data read from one YAML file, with positions for problem messages."""

    file: str
    data: Any = None
    values: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def where(self, path: Path_, key: bool = False) -> str:
        """``FILE:LINE:COL`` of the value at ``path`` (or of its key), else of the nearest parent."""
        table = self.keys if key else self.values
        probe = tuple(path)
        while probe:
            if probe in table:
                line, col = table[probe]
                return f"{self.file}:{line}:{col}"
            if not key and probe in self.keys:
                line, col = self.keys[probe]
                return f"{self.file}:{line}:{col}"
            probe = probe[:-1]
        line, col = self.values.get((), (1, 1))
        return f"{self.file}:{line}:{col}"

    def problem(self, path: Path_, message: str, key: bool = False) -> None:
        self.problems.append(f"{self.where(path, key)}: {message}")


_CONSTRUCTOR = SafeConstructor()


def load_positioned(path: Path, display: str | None = None) -> Positioned:
    """Read ``path``; syntax errors and duplicate keys become problems, never exceptions."""
    result = Positioned(file=display or str(path))
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        result.problems.append(f"{result.file}:1:1: 文件不是 UTF-8 编码，请另存为 UTF-8")
        return result
    except OSError as exc:
        result.problems.append(f"{result.file}:1:1: 无法读取文件（{exc.strerror or exc}）")
        return result
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        what = _translate_yaml_error(exc)
        result.problems.append(f"{result.file}:{line}:{col}: YAML 语法错误：{what}")
        return result
    except yaml.YAMLError as exc:
        result.problems.append(f"{result.file}:1:1: YAML 语法错误：{exc}")
        return result
    if node is None:
        return result
    result.values[()] = _mark(node)
    result.data = _convert(node, (), result)
    return result


def _mark(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _convert(node: yaml.Node, path: Path_, out: Positioned) -> Any:
    if isinstance(node, yaml.MappingNode):
        data: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                out.problem(path, "键必须是简单的文字")
                continue
            key = _scalar(key_node, out, path)
            child = (*path, key)
            if key in data:
                first = out.keys.get(child, (0, 0))[0]
                out.problems.append(
                    f"{out.file}:{key_node.start_mark.line + 1}:{key_node.start_mark.column + 1}: "
                    f'重复的键 "{key}"（第 {first} 行已经出现过），请删除其中一个'
                )
                continue
            out.keys[child] = _mark(key_node)
            out.values[child] = _mark(value_node)
            data[key] = _convert(value_node, child, out)
        return data
    if isinstance(node, yaml.SequenceNode):
        items = []
        for index, item in enumerate(node.value):
            child = (*path, index)
            out.values[child] = _mark(item)
            items.append(_convert(item, child, out))
        return items
    return _scalar(node, out, path)


def _scalar(node: yaml.Node, out: Positioned, path: Path_) -> Any:
    try:
        return _CONSTRUCTOR.construct_object(node, deep=True)
    except ConstructorError as exc:
        out.problem(path, f"无法读取的值（{exc.problem}）")
        return None


def _translate_yaml_error(exc: yaml.MarkedYAMLError) -> str:
    problem = (exc.problem or "").strip()
    known = {
        "mapping values are not allowed here": (
            "这里不能出现冒号：多半是这一行缩进多了（与上一行的键对齐即可）；"
            "如果是值里本来就有冒号，请给整个值加引号"
        ),
        "could not find expected ':'": "缺少冒号（“键: 值”）",
        "found character '\\t' that cannot start any token": "不能用 Tab 缩进，请改用空格",
        "found character '\t' that cannot start any token": "不能用 Tab 缩进，请改用空格",
        "did not find expected key": "缩进不一致：这一行的缩进与同一层的其他键不同",
        "did not find expected '-' indicator": "列表项的缩进不一致：同一列表的“- ”要上下对齐",
        "found undefined alias": "引用了未定义的锚点",
        "expected <block end>, but found '-'": (
            "缩进不对：这个列表项（“- ”）的缩进与同一列表的其他项不同，请上下对齐"
        ),
        "expected <block end>, but found '?'": (
            "缩进不对：这一行的缩进比同一条规则的其他键少（或多），请与上一行的键对齐"
        ),
        "expected <block end>, but found": "缩进不对：这一行与上一层的缩进不一致，请检查空格数",
        "found unexpected end of stream": "文件在引号或括号未闭合处结束，请检查引号是否成对",
        "found unknown escape character": "双引号中的反斜杠 \\ 不能这样用；正则表达式请改用单引号",
    }
    for english, chinese in known.items():
        if problem.startswith(english):
            return chinese
    return f"YAML 写法有误（{problem or exc}）"
