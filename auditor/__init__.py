"""xxgk-auditor: 政府信息公开工作年度报告合规审核工具."""

__version__ = "0.1.0"
