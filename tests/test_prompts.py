"""``commlog new`` asking for fields one by one, through the runner and on a real terminal."""

from __future__ import annotations

import json
import os
import sys

import pytest

from commlog.storage.records import parse_record_text

CLIENT_ANSWERS = [
    "某科技有限公司",        # client
    "*总监",                 # client_contact
    "9",                     # category: out of range, asked again
    "2",                     # category: 问题反馈 by number
    "系统后台数据导出功能异常",  # title
    "昨天下午",              # occurred_at: invalid, asked again
    "2024-03-15 14:30",      # occurred_at
    "远程会议",              # channel by label
    "导出Excel时格式错乱",     # brief
    "技术部立即排查系统日志",  # response_plan #1
    "16:00前提供临时修复版",   # response_plan #2
    "",                      # end of response_plan
    "技术部",                # owners #1 department
    "*经理",                 # owners #1 person
    "客户成功部",            # owners #2 department
    "*专员",                 # owners #2 person
    "",                      # end of owners
    "2024-03-16 12:00",      # due
    "",                      # follow_up (optional)
    "",                      # lead: empty, asked again because two recipients
    "1",                     # lead: the first recipient
]


def test_prompts_create_client(cli, repo):
    result = cli("new", "client", "--interactive", "--format", "json", input="\n".join(CLIENT_ANSWERS) + "\n")
    assert result.exit_code == 0, result.output
    created = json.loads(result.stdout[result.stdout.index("{"):])
    meta = parse_record_text((repo / created["path"]).read_text(encoding="utf-8")).meta
    assert meta["category"] == "issue"
    assert meta["channel"] == "remote_meeting"
    assert meta["response_plan"] == ["技术部立即排查系统日志", "16:00前提供临时修复版"]
    assert meta["owners"] == [{"department": "技术部", "person": "*经理"}, {"department": "客户成功部", "person": "*专员"}]
    assert meta["lead"] == "*经理"
    assert meta["occurred_at"] == "2024-03-15T14:30:00+08:00"


def test_prompts_show_labels_and_choices_in_chinese(cli, repo):
    result = cli("--lang", "zh-CN", "new", "client", "--interactive", input="\n".join(CLIENT_ANSWERS) + "\n")
    assert result.exit_code == 0, result.output
    assert "客户名称（必填）" in result.stdout
    assert "可选（输入序号、键或名称）：1) 需求对接 (requirement)、2) 问题反馈 (issue)" in result.stdout
    assert "后续跟进计划（选填）" in result.stdout
    assert "“昨天下午”不是日期时间" in result.stderr


def test_prompts_skip_fields_given_with_set(cli, repo):
    answers = CLIENT_ANSWERS[:4] + CLIENT_ANSWERS[5:]
    result = cli("new", "client", "--interactive", "--set", "title=预先给出的标题", input="\n".join(answers) + "\n")
    assert result.exit_code == 0, result.output
    assert "Subject (required)" not in result.stdout


def test_prompts_end_of_input_exits_130(cli, repo):
    head = __import__("tests.conftest", fromlist=["git"]).git(repo, "rev-parse", "HEAD")
    result = cli("new", "client", "--interactive", input="某科技有限公司\n")
    assert result.exit_code == 130
    assert "Interrupted; nothing was committed." in result.stderr
    assert __import__("tests.conftest", fromlist=["git"]).git(repo, "rev-parse", "HEAD") == head


def test_no_input_never_prompts(cli, repo):
    result = cli("new", "client", "--no-input", input="某科技有限公司\n")
    assert result.exit_code == 2
    assert "(required)" not in result.stdout


@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX only")
def test_prompts_on_real_terminal(repo):
    import pty
    import select
    import subprocess

    leader, follower = pty.openpty()
    notice = ["五一假期值班安排", "行政部", "*主管", "技术部", "", "5月1日至5日安排值班", "", "", ""]
    process = subprocess.Popen(
        [sys.executable, "-m", "commlog", "--repo", str(repo), "--lang", "en", "new", "notice", "--at", "2024-04-28 10:00"],
        stdin=follower, stdout=follower, stderr=follower, env=dict(os.environ), close_fds=True,
    )
    os.close(follower)
    transcript = b""
    answers = iter(notice)
    while True:
        ready, _, _ = select.select([leader], [], [], 20)
        if not ready:
            break
        try:
            chunk = os.read(leader, 4096)
        except OSError:
            break
        if not chunk:
            break
        transcript += chunk
        if chunk.rstrip().endswith(b":"):
            os.write(leader, (next(answers, "") + "\n").encode("utf-8"))
    process.wait(timeout=30)
    os.close(leader)
    text = transcript.decode("utf-8", "replace")
    assert process.returncode == 0, text
    assert "Title (required):" in text
    assert "Created NTC-20240428-" in text
