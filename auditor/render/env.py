"""Load the Jinja templates once and render them, turning every template problem into a
``TemplateError`` that names the template file and line."""

from __future__ import annotations

import re
import traceback
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import jinja2

from auditor.errors import TemplateError
from auditor.resources import shipped_templates_dir

MEMO_MD = "memo.md.j2"
MEMO_HTML = "memo.html.j2"
INDEX_HTML = "index.html.j2"
TEMPLATE_NAMES = (MEMO_MD, MEMO_HTML, INDEX_HTML)

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#])")


def escape_md(value: Any) -> Any:
    """Everything printed into a Markdown memo is escaped, so report text cannot add markup."""
    if value is None or isinstance(value, jinja2.Undefined):
        return value
    text = " ".join(str(value).split())
    return _MD_SPECIAL.sub(r"\\\1", text)


class Templates:
    """The three templates, compiled once. ``directory`` overrides the shipped ones file by file."""

    def __init__(self, directory: Path | None = None) -> None:
        dirs = [str(directory)] if directory is not None else []
        dirs.append(str(shipped_templates_dir()))
        if directory is not None and not Path(directory).is_dir():
            raise TemplateError(f"模板目录不存在：{directory}")
        common: dict[str, Any] = {
            "loader": jinja2.FileSystemLoader(dirs, encoding="utf-8"),
            "undefined": jinja2.StrictUndefined,
            "auto_reload": False,
            "trim_blocks": True,
            "lstrip_blocks": True,
            "keep_trailing_newline": True,
        }
        self.html_env = jinja2.Environment(autoescape=True, **common)
        self.md_env = jinja2.Environment(autoescape=False, finalize=escape_md, **common)
        self._compiled = {
            MEMO_MD: self._load(self.md_env, MEMO_MD),
            MEMO_HTML: self._load(self.html_env, MEMO_HTML),
            INDEX_HTML: self._load(self.html_env, INDEX_HTML),
        }

    @staticmethod
    def _load(env: jinja2.Environment, name: str) -> jinja2.Template:
        try:
            return env.get_template(name)
        except jinja2.TemplateSyntaxError as exc:
            raise TemplateError(_syntax_message(exc)) from None
        except jinja2.TemplateNotFound as exc:
            raise TemplateError(
                f"找不到模板文件 {exc.name}（模板目录中应有 {', '.join(TEMPLATE_NAMES)}）"
            ) from None

    def render(self, name: str, **context: Any) -> str:
        try:
            return self._compiled[name].render(**context)
        except jinja2.TemplateSyntaxError as exc:  # an {% include %} compiled late
            raise TemplateError(_syntax_message(exc)) from None
        except Exception as exc:  # noqa: BLE001  (any failure inside a template is the template's)
            raise TemplateError(_runtime_message(name, exc)) from None

    def stream(self, name: str, **context: Any) -> Iterator[str]:
        """Render piece by piece (the index of a large batch never sits in memory whole)."""
        try:
            yield from self._compiled[name].generate(**context)
        except jinja2.TemplateSyntaxError as exc:
            raise TemplateError(_syntax_message(exc)) from None
        except Exception as exc:  # noqa: BLE001
            raise TemplateError(_runtime_message(name, exc)) from None

    def filename(self, name: str) -> str:
        return self._compiled[name].filename or name


def _syntax_message(exc: jinja2.TemplateSyntaxError) -> str:
    """``FILE:LINE: 模板语法错误：中文说明（Jinja：original）`` — Chinese first for common cases."""
    where = exc.filename or exc.name or "模板"
    english = exc.message or ""
    explanation = _explain_syntax(english, exc.source)
    if explanation:
        return f"{where}:{exc.lineno}: 模板语法错误：{explanation}（Jinja：{english}）"
    return f"{where}:{exc.lineno}: 模板语法错误：{english}"


def _explain_syntax(english: str, source: str | None) -> str | None:
    if english.startswith("Unexpected end of template"):
        start = _unclosed_block(source) if source is not None else None
        block = re.search(r"innermost block that needs to be closed is '(\w+)'", english)
        need = f"（这里需要 {{% end{block.group(1)} %}}）" if block else ""
        where = f"从第 {start[0]} 行开始的 {{% {start[1]} %}} 块" if start else "未结束的块"
        return f"模板在结尾处缺少结束标记（如 {{% endfor %}} / {{% endif %}}），请检查{where}{need}"
    match = re.match(r"Encountered unknown tag '(\w+)'", english)
    if match:
        tag = match.group(1)
        inner = re.search(r"innermost block that needs to be closed is '(\w+)'", english)
        if inner:
            return (
                f"这里的 {{% {tag} %}} 与前面的块不配对："
                f"应先用 {{% end{inner.group(1)} %}} 结束 {{% {inner.group(1)} %}} 块"
            )
        if tag.startswith("end"):
            return f"多余的结束标记 {{% {tag} %}}：前面没有对应的开始标记（或开始标记拼错了）"
        return f"不认识的标记 {{% {tag} %}}（常用的有 for、if、elif、else、set）"
    for pattern, text in _SYNTAX_EXPLANATIONS:
        found = re.match(pattern, english)
        if found:
            return text.format(*found.groups())
    return None


# (Jinja's message, Chinese explanation); ``{0}`` is the first group of the pattern.
_SYNTAX_EXPLANATIONS = (
    (r"unexpected '([}\])])'", "括号不配对：“{0}” 多了或前面少了一个（{{{{ … }}}} 和 {{% … %}} 都要成对书写）"),
    (r"unexpected end of template", "模板在结尾处缺少 }}}} 或 %}}（标记没有写完）"),
    (r"expected token 'end of print statement', got '(.*)'",
     "{{{{ … }}}} 中的写法有误（在 “{0}” 处）：一个 {{{{ }}}} 里只能写一个字段"),
    (r"expected token 'end of statement block', got '(.*)'",
     "{{% … %}} 中的写法有误（在 “{0}” 处）"),
    (r"expected token '(.*)', got", "标记写法不完整：缺少 “{0}”"),
    (r"expected name or number", "“.” 后面应是字段名"),
    (r"unexpected char", "有无法识别的字符（引号或括号可能没有配对）"),
    (r"No filter named '(.*)'", "没有名为 “{0}” 的过滤器（“|” 后面的名称拼错了？）"),
    (r"No test named '(.*)'", "没有名为 “{0}” 的判断（is 后面的名称拼错了？）"),
)  # fmt: skip
_BLOCK_TAGS = frozenset(
    {"for", "if", "macro", "call", "filter", "with", "block", "raw", "autoescape"}
)


def _unclosed_block(source: str) -> tuple[int, str] | None:
    """(line, tag) of the innermost block never closed, found by lexing the template."""
    stack: list[tuple[int, str]] = []
    expect_name = False
    try:
        for lineno, token, value in jinja2.Environment().lex(source):
            if token == "block_begin":
                expect_name = True
                continue
            if expect_name and token == "name":
                if value in _BLOCK_TAGS:
                    stack.append((lineno, value))
                elif value.startswith("end") and stack and stack[-1][1] == value[3:]:
                    stack.pop()
            if token != "whitespace":
                expect_name = False
    except jinja2.TemplateSyntaxError:
        return None
    return stack[-1] if stack else None


_FIELD_PATTERNS = (
    re.compile(r"has no attribute '([^']+)'"),
    re.compile(r"^'([^']+)' is undefined"),
    re.compile(r"has no element '?([^']+)'?"),
)


def _runtime_message(name: str, exc: BaseException) -> str:
    where = _template_frame(exc.__traceback__) or name
    if isinstance(exc, TemplateError):  # raised on purpose while rendering (e.g. index.rows)
        return f"{where}: {exc}"
    if isinstance(exc, jinja2.UndefinedError):
        text = exc.message or ""
        field = next((m.group(1) for p in _FIELD_PATTERNS if (m := p.search(text))), None)
        if field is not None:
            return f"{where}: 模板中使用了不存在的字段 “{field}”（可用字段见 templates/README.md）"
        return f"{where}: 模板中使用了不存在的字段（{text}；可用字段见 templates/README.md）"
    return (
        f"{where}: 模板运行出错（{type(exc).__name__}: {exc}）；模板里只摆放准备好的字段，不做计算"
    )


def _template_frame(tb: Any) -> str | None:
    """Jinja rewrites tracebacks so that template lines appear as frames of the .j2 file."""
    found = None
    frames: Iterable[traceback.FrameSummary] = traceback.extract_tb(tb)
    for frame in frames:
        if frame.filename.endswith(".j2"):
            found = f"{frame.filename}:{frame.lineno}"
    return found
