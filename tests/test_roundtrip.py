"""Values a person can type load back exactly as typed, through the real ``new``."""

from __future__ import annotations

import json

import pytest

from commlog.storage import yamlio
from commlog.storage.records import parse_record_text, record_text, split_front_matter
from commlog.core.record import Record
from tests.conftest import CLIENT_FIELDS, set_args, write_files

TRICKY_VALUES = [
    "no",
    "ON",
    "yes",
    "NO",
    "14:30",
    "10:00",
    "12:30",
    "2024-03-15",
    "a: b",
    "# x",
    "---",
    "'single' and \"double\" quotes",
    "~",
    "null",
    "@handle",
    "*经理",
    "&anchor",
    "!tag",
    "%percent",
    "[not a list]",
    "{not: a map}",
    "0x1F",
    "1e3",
    "007",
    "中文,逗号, and commas",
]


@pytest.mark.parametrize("value", TRICKY_VALUES)
def test_set_value_round_trips(cli, repo, value):
    result = cli("new", "client", "--no-input", "--format", "json", *set_args({**CLIENT_FIELDS, "client": value}))
    assert result.exit_code == 0, result.output
    path = repo / json.loads(result.stdout)["path"]
    assert parse_record_text(path.read_text(encoding="utf-8")).meta["client"] == value


@pytest.mark.parametrize("value", TRICKY_VALUES)
def test_fields_file_value_round_trips(cli, repo, tmp_path, value):
    fields = {key: item for key, item in CLIENT_FIELDS.items() if key != "client"}
    (tmp_path / "fields.yaml").write_text(yamlio.dump({"client": value}), encoding="utf-8")
    result = cli("new", "client", "--no-input", "--format", "json", "--file", str(tmp_path / "fields.yaml"), *set_args(fields))
    assert result.exit_code == 0, result.output
    path = repo / json.loads(result.stdout)["path"]
    assert parse_record_text(path.read_text(encoding="utf-8")).meta["client"] == value


@pytest.mark.parametrize("typed", ["no", "ON", "14:30", "2024-03-15", "a: b"])
def test_fields_file_plain_scalar_stays_text(cli, repo, tmp_path, typed):
    fields = {key: item for key, item in CLIENT_FIELDS.items() if key != "client"}
    write_files(tmp_path, {"fields.yaml": f"client: {typed}\n" if typed != "a: b" else "client: 'a: b'\n"})
    result = cli("new", "client", "--no-input", "--format", "json", "--file", str(tmp_path / "fields.yaml"), *set_args(fields))
    assert result.exit_code == 0, result.output
    path = repo / json.loads(result.stdout)["path"]
    assert parse_record_text(path.read_text(encoding="utf-8")).meta["client"] == typed


def test_multiline_text_round_trips(cli, repo, tmp_path):
    brief = "第一行: 冒号\n\n  缩进的第三行\n---\n# 不是标题\n最后一行"
    fields = {key: item for key, item in CLIENT_FIELDS.items() if key != "brief"}
    (tmp_path / "fields.yaml").write_text(yamlio.dump({"brief": brief}), encoding="utf-8")
    result = cli("new", "client", "--no-input", "--format", "json", "--file", str(tmp_path / "fields.yaml"), *set_args(fields))
    assert result.exit_code == 0, result.output
    text = (repo / json.loads(result.stdout)["path"]).read_text(encoding="utf-8")
    assert parse_record_text(text).meta["brief"] == brief
    assert "brief: |-\n" in text


def test_front_matter_is_yaml_library_output(cli, repo):
    result = cli("new", "client", "--no-input", "--format", "json", *set_args({**CLIENT_FIELDS, "client": "a: b"}))
    text = (repo / json.loads(result.stdout)["path"]).read_text(encoding="utf-8")
    front, _, _ = split_front_matter(text)
    assert "client: 'a: b'\n" in front
    assert "created_at: '" in front
    assert "title: 系统后台数据导出功能异常\n" in front
    assert "\\u" not in front


def test_body_with_fences_preserved_byte_for_byte():
    body = "\n\n# 标题\n\n---\n\n正文\r\n最后一行没有换行"
    record = Record(meta={"id": "CLI-20240315-7K3Q", "title": "---"}, body=body)
    parsed = parse_record_text(record_text(record))
    assert parsed.body == body
    assert parsed.meta == record.meta


def test_template_value_not_evaluated(cli, repo):
    injected = "{{ 7 * 7 }} {% if true %}x{% endif %} {{ record.__class__ }}"
    result = cli("new", "client", "--no-input", "--format", "json", *set_args({**CLIENT_FIELDS, "client": injected}))
    assert result.exit_code == 0, result.output
    text = (repo / json.loads(result.stdout)["path"]).read_text(encoding="utf-8")
    body = parse_record_text(text).body
    client_line = next(line for line in body.splitlines() if injected in line)
    assert "49" not in client_line.replace(injected, "")
