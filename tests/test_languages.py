"""Language choice, both catalogues, and output to consoles that cannot encode Chinese."""

from __future__ import annotations

import importlib

import pytest

from commlog.i18n import resolve_language
from tests.conftest import CLIENT_FIELDS, run_cli, run_process, set_args, write_files


@pytest.mark.parametrize(
    ("option", "environ", "configured", "expected"),
    [
        ("en", {"COMMLOG_LANG": "zh-CN", "LANG": "zh_CN.UTF-8"}, "zh-CN", "en"),
        (None, {"COMMLOG_LANG": "zh-CN", "LANG": "en_US.UTF-8"}, "en", "zh-CN"),
        (None, {"LANG": "en_US.UTF-8"}, "zh-CN", "zh-CN"),
        (None, {"LANG": "zh_CN.UTF-8"}, None, "zh-CN"),
        (None, {"LC_ALL": "en_US.UTF-8", "LANG": "zh_CN.UTF-8"}, None, "en"),
        (None, {"LC_MESSAGES": "zh_TW.UTF-8"}, None, "zh-CN"),
        (None, {"LANG": "C"}, None, "en"),
        (None, {}, None, "en"),
        (None, {"LANG": "fr_FR.UTF-8"}, None, "en"),
    ],
)
def test_resolve_language_order(option, environ, configured, expected):
    assert resolve_language(option, configured, environ) == expected


def test_catalogues_have_same_keys():
    english = importlib.import_module("commlog.i18n.en").MESSAGES
    chinese = importlib.import_module("commlog.i18n.zh_CN").MESSAGES
    assert sorted(set(english) - set(chinese)) == []
    assert sorted(set(chinese) - set(english)) == []


def test_catalogue_placeholders_match():
    import string

    english = importlib.import_module("commlog.i18n.en").MESSAGES
    chinese = importlib.import_module("commlog.i18n.zh_CN").MESSAGES
    formatter = string.Formatter()
    for key, text in english.items():
        fields_en = {name for _, name, _, _ in formatter.parse(text) if name}
        fields_zh = {name for _, name, _, _ in formatter.parse(chinese[key]) if name}
        assert fields_en == fields_zh, key


def test_chinese_catalogue_is_chinese():
    chinese = importlib.import_module("commlog.i18n.zh_CN").MESSAGES
    untranslated = [key for key, text in chinese.items() if not any("\u4e00" <= ch <= "\u9fff" for ch in text)]
    allowed = {"list.col_id"}
    assert [key for key in untranslated if key not in allowed] == []


def test_help_in_both_languages():
    english = run_cli(["--lang", "en", "--help"])
    chinese = run_cli(["--lang", "zh-CN", "--help"])
    assert "Create a record of TYPE" in english.stdout
    assert "Options:" in english.stdout
    assert "新建一条 TYPE 类型的记录" in chinese.stdout
    assert "选项:" in chinese.stdout
    assert "命令:" in chinese.stdout
    assert "显示帮助并退出" in chinese.stdout


def test_language_from_environment(repo):
    result = run_cli(["--repo", str(repo), "show", "NOPE"], env={"COMMLOG_LANG": "zh-CN"})
    assert result.exit_code == 2
    assert result.stderr.startswith("错误：没有与“NOPE”匹配的记录")


def test_language_from_config(repo):
    write_files(repo, {"commlog.yaml": "language: zh-CN\n"})
    result = run_cli(["--repo", str(repo), "show", "NOPE"])
    assert result.stderr.startswith("错误：")


def test_bad_language_option(repo):
    result = run_cli(["--repo", str(repo), "--lang", "fr", "list"])
    assert result.exit_code == 2
    assert "invalid --lang value 'fr'" in result.stderr


def test_labels_follow_language(cli, repo):
    cli("new", "client", "--no-input", *set_args(CLIENT_FIELDS))
    english = cli("--lang", "en", "show", "CLI")
    chinese = cli("--lang", "zh-CN", "show", "CLI")
    assert "Category            Issue report" in english.stdout
    assert "沟通类型          问题反馈" in chinese.stdout


def test_ascii_pipe_does_not_crash(repo):
    run_cli(["--repo", str(repo), "new", "client", "--no-input", *set_args(CLIENT_FIELDS)])
    env = {"PYTHONIOENCODING": "ascii", "LANG": "C", "LC_ALL": "C", "COMMLOG_LANG": "zh-CN"}
    for args in (["list"], ["show", "CLI"], ["show", "NOPE"]):
        completed = run_process(["--repo", str(repo), *args], cwd=repo, env=env)
        assert completed.returncode in (0, 2), completed.stderr
        assert b"Traceback" not in completed.stderr
        (completed.stdout + completed.stderr).decode("ascii")
    # Help is written by Typer's bundled click, which falls back to UTF-8 on an ASCII stream.
    helped = run_process(["--help"], cwd=repo, env=env)
    assert helped.returncode == 0
    assert b"Traceback" not in helped.stderr
    shown = run_process(["--repo", str(repo), "show", "CLI"], cwd=repo, env=env)
    assert b"\\u" in shown.stdout


def test_legacy_code_page_output(repo):
    run_cli(["--repo", str(repo), "new", "client", "--no-input", *set_args(CLIENT_FIELDS)])
    completed = run_process(["--repo", str(repo), "--lang", "zh-CN", "list"], cwd=repo, env={"PYTHONIOENCODING": "cp1252"})
    assert completed.returncode == 0, completed.stderr
    assert b"Traceback" not in completed.stderr


def test_closed_pipe_stops_quietly(repo):
    import subprocess
    import sys

    run_cli(["--repo", str(repo), "new", "client", "--no-input", *set_args(CLIENT_FIELDS)])
    process = subprocess.Popen(
        [sys.executable, "-m", "commlog", "--repo", str(repo), "show", "CLI"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    process.stdout.read(10)
    process.stdout.close()
    _, stderr = process.communicate(timeout=60)
    assert b"Internal error" not in stderr
    assert b"Traceback" not in stderr
