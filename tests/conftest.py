"""Shared fixtures: an isolated git environment, commlog repositories, and the CLI runner.

Every test runs with HOME and the global git configuration in a temporary
folder and a fixed author, so nothing a test does can touch the developer's
own repositories or configuration.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

AUTHOR_NAME = "Test Author"
AUTHOR_EMAIL = "author@example.com"


@pytest.fixture(autouse=True)
def isolated_git(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Give every test its own HOME and global git configuration with a fixed author."""
    home = tmp_path_factory.mktemp("home")
    config = home / ".gitconfig"
    config.write_text(
        f"[user]\n\tname = {AUTHOR_NAME}\n\temail = {AUTHOR_EMAIL}\n"
        "[init]\n\tdefaultBranch = main\n[commit]\n\tgpgsign = false\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("USERPROFILE", str(home))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("LC_ALL", "C.UTF-8")
    for name in ("COMMLOG_LANG", "LANG", "LC_MESSAGES", "GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL",
                 "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL", "GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"):
        monkeypatch.delenv(name, raising=False)
    return config


@dataclass
class Result:
    """The outcome of one commlog run: exit status and the two output streams."""

    exit_code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def run_cli(args: list[str], input: str | None = None, env: Mapping[str, str] | None = None) -> Result:
    """Run commlog in-process through Typer's test runner, as ``main`` does."""
    from typer.testing import CliRunner

    from commlog.cli.app import build_app, choose_language
    from commlog.cli.localize import localize_typer
    from commlog.i18n import set_language

    old_env = {}
    for key, value in (env or {}).items():
        old_env[key] = os.environ.get(key)
        os.environ[key] = value
    try:
        set_language(choose_language(args))
        localize_typer()
        runner = CliRunner()
        outcome = runner.invoke(build_app(), args, input=input, catch_exceptions=False)
    finally:
        for key, value in old_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        set_language("en")
        _reset_typer_localization()
    return Result(outcome.exit_code, outcome.stdout, outcome.stderr)


def _reset_typer_localization() -> None:
    import gettext

    import typer.core

    typer.core._ = gettext.gettext  # type: ignore[attr-defined]


def run_process(args: list[str], cwd: Path, env: Mapping[str, str] | None = None, input: str | None = None) -> subprocess.CompletedProcess[bytes]:
    """Run ``python -m commlog`` in a subprocess; output is returned as bytes."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "commlog", *args],
        cwd=cwd,
        env=full_env,
        input=input.encode("utf-8") if input is not None else None,
        capture_output=True,
        check=False,
    )


def git(repo: Path, *args: str) -> str:
    """Run git in ``repo`` and return its standard output."""
    completed = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, encoding="utf-8", check=True)
    return completed.stdout


def write_files(root: Path, files: Mapping[str, str]) -> None:
    """Create files from a mapping of relative path to dedented text."""
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """Return a fresh records repository set up by ``commlog init``."""
    root = tmp_path / "records-repo"
    result = run_cli(["init", str(root)])
    assert result.exit_code == 0, result.output
    return root


@pytest.fixture
def cli(repo: Path) -> Iterator[object]:
    """Return a function that runs commlog against the ``repo`` fixture."""

    def invoke(*args: str, input: str | None = None, env: Mapping[str, str] | None = None) -> Result:
        return run_cli(["--repo", str(repo), *args], input=input, env=env)

    yield invoke


# Complete field sets of every built-in type, from the examples of the method
# commlog encodes. Tests build on them and change one thing at a time.
CLIENT_FIELDS = {
    "client": "某科技有限公司",
    "client_contact": "*总监",
    "category": "问题反馈",
    "title": "系统后台数据导出功能异常",
    "occurred_at": "2024-03-15 14:30",
    "channel": "远程会议",
    "brief": "导出Excel时格式错乱,部分数据丢失,需24小时内解决",
    "response_plan": ["技术部立即排查系统日志", "16:00前提供临时修复版", "3月16日12:00前提交根本原因分析报告"],
    "owners": ["技术部|*经理", "客户成功部|*专员"],
    "due": "2024-03-16 12:00",
    "lead": "*经理",
}
COLLAB_FIELDS = {
    "title": "Q2新品上市营销物料制作协作",
    "requesting_department": "市场部",
    "initiator": "*经理",
    "target_departments": ["设计部", "产品部", "销售部"],
    "leads": ["设计部总监", "产品部主管"],
    "brief": "保证6月1日前完成主视觉设计,用于线上推广",
    "tasks": ["主海报设计(3版初稿,符合品牌VI)", "产品详情页图文排版"],
    "milestones": ["初稿提交|05-20", "定稿|05-25"],
    "resources": "产品部提供最终版产品参数文档",
    "lead": "设计部总监",
}
NOTICE_FIELDS = {
    "title": "五一假期值班安排",
    "issuing_department": "行政部",
    "issuer": "*主管",
    "audience": ["技术部", "客户成功部"],
    "brief": "5月1日至5日安排值班,值班人员保持电话畅通",
    "lead": "技术部",
}
URGENT_FIELDS = {
    "title": "生产环境订单服务中断",
    "occurred_at": "2024-04-02 10:05",
    "reporter": "*值班员",
    "im_channel": "企业微信「订单服务应急群」",
    "impact": "全部线上下单失败",
    "brief": "10:05 起订单服务返回 502",
    "actions": ["回滚 10:00 发布的版本", "通知客服口径"],
    "owners": ["*架构师", "*运维"],
    "lead": "*架构师",
}
FIELDS_BY_TYPE = {"client": CLIENT_FIELDS, "collab": COLLAB_FIELDS, "notice": NOTICE_FIELDS, "urgent": URGENT_FIELDS}


def set_args(fields: Mapping[str, object]) -> list[str]:
    """Turn a field mapping into repeated ``--set KEY=VALUE`` arguments."""
    args: list[str] = []
    for key, value in fields.items():
        for item in value if isinstance(value, list) else [value]:
            args.extend(["--set", f"{key}={item}"])
    return args
