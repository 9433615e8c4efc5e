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
    where = exc.filename or exc.name or "模板"
    return f"{where}:{exc.lineno}: 模板语法错误：{exc.message}"


def _runtime_message(name: str, exc: BaseException) -> str:
    where = _template_frame(exc.__traceback__) or name
    if isinstance(exc, jinja2.UndefinedError):
        what = f"模板使用了不存在的字段（{exc.message}）"
    else:
        what = f"模板渲染出错（{type(exc).__name__}: {exc}）"
    return f"{where}: {what}"


def _template_frame(tb: Any) -> str | None:
    """Jinja rewrites tracebacks so that template lines appear as frames of the .j2 file."""
    found = None
    frames: Iterable[traceback.FrameSummary] = traceback.extract_tb(tb)
    for frame in frames:
        if frame.filename.endswith(".j2"):
            found = f"{frame.filename}:{frame.lineno}"
    return found
