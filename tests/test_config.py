"""``commlog.yaml``: defaults when keys are absent, clear errors when a key is wrong."""

from __future__ import annotations

import pytest

from commlog.config import load_config
from tests.conftest import CLIENT_FIELDS, set_args, write_files


def test_defaults_without_file(tmp_path):
    config = load_config(tmp_path)
    assert config.timezone == "Asia/Shanghai"
    assert config.record_language == "zh-CN"
    assert config.language is None
    assert config.calendar.working_weekdays == ("mon", "tue", "wed", "thu", "fri")
    assert config.late_tolerance_minutes == 10


def test_directory_parsed(tmp_path):
    write_files(tmp_path, {"commlog.yaml": """
        directory:
          people:
            - {name: "*经理", handle: "@wang", department: 技术部, email: Wang@Example.com}
          departments:
            - {name: 技术部, head: "*经理"}
    """})
    config = load_config(tmp_path)
    assert config.person_by_email("wang@example.com").handle == "@wang"
    assert config.departments[0].head == "*经理"


@pytest.mark.parametrize(
    ("text", "key", "allowed"),
    [
        ("timezone: Mars/Base\n", "'timezone'", "IANA time zone"),
        ("language: fr\n", "'language'", "zh-CN, en"),
        ("colour: red\n", "'colour'", "timezone"),
        ("calendar:\n  working_hours: ['18:00-09:00']\n", "'calendar.working_hours'", "start before end"),
        ("calendar:\n  working_weekdays: [monday]\n", "'calendar.working_weekdays'", "mon, tue"),
        ("calendar:\n  region: US\n", "'calendar.region'", "CN"),
        ("calendar:\n  extra_holidays: [31/12/2026]\n", "'calendar.extra_holidays'", "YYYY-MM-DD"),
        ("sla:\n  at_risk_share: 2\n", "'sla.at_risk_share'", "between 0 and 1"),
        ("events:\n  late_tolerance_minutes: soon\n", "'events.late_tolerance_minutes'", "minutes"),
        ("directory:\n  people:\n    - {handle: '@x'}\n", "'directory.people[0].name'", "display name"),
        ("schema_version: 9\n", "'schema_version'", "1"),
    ],
)
def test_invalid_key_reported(cli, repo, text, key, allowed):
    (repo / "commlog.yaml").write_text(text, encoding="utf-8")
    result = cli("new", "client", "--no-input", *set_args(CLIENT_FIELDS))
    assert result.exit_code == 2
    assert "commlog.yaml" in result.stderr
    assert f"key {key}" in result.stderr or f"key {key} has the value" in result.stderr
    assert allowed in result.stderr


def test_invalid_value_is_shown(cli, repo):
    (repo / "commlog.yaml").write_text("timezone: Asia/Beijing\n", encoding="utf-8")
    result = cli("list")
    assert "key 'timezone' has the value 'Asia/Beijing'" in result.stderr


def test_unparsable_config(cli, repo):
    (repo / "commlog.yaml").write_text("timezone: [\n", encoding="utf-8")
    result = cli("list")
    assert result.exit_code == 2
    assert "commlog.yaml is not valid YAML (line 2)" in result.stderr


def test_config_error_in_chinese(cli, repo):
    (repo / "commlog.yaml").write_text("colour: red\n", encoding="utf-8")
    result = cli("--lang", "zh-CN", "list")
    assert "配置无效：键“colour”" in result.stderr


def test_configured_timezone_changes_quarter(cli, repo):
    (repo / "commlog.yaml").write_text("timezone: America/New_York\n", encoding="utf-8")
    result = cli("new", "client", "--no-input", "--format", "json", "--at", "2024-04-01T02:00:00+08:00", *set_args(CLIENT_FIELDS))
    assert result.exit_code == 0, result.output
    assert '"path": "records/2024-Q1-client/CLI-20240331-' in result.stdout


def test_record_language_english_body(cli, repo):
    (repo / "commlog.yaml").write_text("record_language: en\n", encoding="utf-8")
    result = cli("new", "client", "--no-input", "--format", "json", *set_args(CLIENT_FIELDS))
    import json

    text = (repo / json.loads(result.stdout)["path"]).read_text(encoding="utf-8")
    assert "## Progress log" in text
    assert "created (Customer communication record, status: Open)" in text
