"""``audit init DIR``: a ready-to-use working folder for an audit team."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from auditor.errors import AuditorError
from auditor.resources import shipped_rules_dir, shipped_templates_dir

README = """\
# 政府信息公开工作年度报告审核工作目录

本目录由 `audit init` 建立，内容如下：

- `rules/`：审核规则（YAML）。`rules/formats/` 是 2019 版、2021 版年报格式定义，`rules/tests/` 是规则测试用例。
  修改规则后先运行 `audit rules check rules` 和 `audit rules test rules` 确认规则写对。
- `templates/`：审核意见（备忘录）和总览页的模板，可按本单位习惯修改措辞和样式。
- `waivers.yaml`：豁免清单。经批准接受的问题写在这里，须写明理由（reason）、批准人（approved_by），
  最好写上有效期（expires）。里面的示例条目请删除或改成真实内容。
- `reports-in/`：把要审核的年报（.txt .html .htm .pdf .md）放在这里，可以有子文件夹。Word、WPS、OFD、
  Excel 等文件不能直接审核（会列为“无法审核”），请先另存为 PDF、HTML 或文本。

## 运行审核

在本目录中运行：

```
audit run reports-in
```

不写 `--rules`、`--templates`、`--waivers` 时，自动使用当前目录中的 `rules/`、`templates/` 和
`waivers.yaml`（运行时会提示一行“使用当前目录的规则 rules/、模板 templates/、豁免清单 waivers.yaml”），
等同于：

```
audit run reports-in --rules rules --templates templates --waivers waivers.yaml
```

如果不在本目录中运行，请用这三个选项写明路径，否则会使用工具内置的规则和模板。
豁免清单中的规则编号、表/行/列/章节键名写错时，`audit run` 会一次列出全部问题（文件:行:列）并给出
拼写建议，不进行审核。

结果写在 `audit-out/`：

- `audit-out/index.html`：全部报告一览（点击表头可排序），以及最常见的问题；
- `audit-out/memos/<单位>.html`、`.md`：每个单位一份审核意见，可直接打印或发送；
- `audit-out/summary.csv`：一份报告一行，可用 Excel 打开；
- `audit-out/findings.json`：全部问题的机器可读清单。

退出码：0 表示没有达到 `--fail-on` 级别（默认 error）的问题，1 表示有，2 表示命令、规则、模板或豁免清单有错误。
"""

WAIVERS_EXAMPLE = """\
# 豁免清单：经批准接受的审核问题。被豁免的问题仍会列在审核意见和 findings.json 中（注明理由），
# 只是不再计入审核结论和退出码。
#
# 每一条豁免的字段：
#   rule         必填，规则编号（见审核意见中“规则”一栏），可用 * 通配，例如 other_matters.*
#   reason       必填，豁免理由
#   approved_by  必填，批准人
#   expires      建议填写，有效期（含当天），格式 YYYY-MM-DD；过期后不再生效并会在运行结束时提示
#   agency       可选，单位名称（全角半角、空格不影响匹配）
#   year         可选，报告年度
#   table / row / column / section   可选，问题所在的表、行、列或章节（键名见审核意见和 findings.json）
# 不写的字段匹配任何值。豁免不按行号匹配（报告重新发布后行号会变）。
# 没有匹配到任何问题的豁免、已过期的豁免，会在运行结束时列出，请及时清理。

waivers:
  # 示例（请删除或改成真实内容）：
  - rule: other_matters.fee_statement
    agency: 示例单位（请替换为真实单位名称）
    year: {year}
    reason: 示例：该单位已在年报以外的专门公告中说明信息处理费情况
    approved_by: 示例审核组长
    expires: {expires}
"""


def init_workdir(directory: Path, force: bool = False, today: dt.date | None = None) -> list[str]:
    """Create the working folder; returns the names of what was created."""
    if directory.exists() and not directory.is_dir():
        raise AuditorError(f"{directory} 已存在且不是文件夹")
    if directory.is_dir() and any(directory.iterdir()) and not force:
        raise AuditorError(f"目录 {directory} 不是空的；如确需写入（覆盖同名文件），请加 --force")
    today = today or dt.date.today()
    directory.mkdir(parents=True, exist_ok=True)
    shutil.copytree(shipped_rules_dir(), directory / "rules", dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))  # fmt: skip
    shutil.copytree(shipped_templates_dir(), directory / "templates", dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))  # fmt: skip
    expires = today + dt.timedelta(days=90)
    (directory / "waivers.yaml").write_text(
        WAIVERS_EXAMPLE.format(year=today.year - 1, expires=expires.isoformat()), encoding="utf-8"
    )
    (directory / "reports-in").mkdir(exist_ok=True)
    (directory / "README.md").write_text(README, encoding="utf-8")
    return ["rules/", "templates/", "waivers.yaml", "reports-in/", "README.md"]
