"""``commlog export``: CSV and Excel ledgers of the records, and the round trip back through ``import``."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from pathlib import Path

import pytest
import yaml
from openpyxl import load_workbook

from tests.conftest import FIELDS_BY_TYPE, git, run_cli, set_args

# Fields whose value commlog sets on creation rather than copying from the sheet.
NOT_COMPARED = {"id", "history", "acks", "feedback", "deadlines", "attachments"}


def create(cli, type_name: str, at: str, **changes: object) -> str:
    fields = {**FIELDS_BY_TYPE[type_name], **changes}
    result = cli("new", type_name, "--no-input", "--at", at, "--format", "json", *set_args(fields))
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["path"]


def front_matter(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8").split("---\n", 2)[1])


def records_by_title(repo: Path) -> dict[str, dict]:
    return {meta["title"]: meta for meta in (front_matter(path) for path in sorted((repo / "records").rglob("*.md")))}


@pytest.fixture
def ledger_repo(cli, repo):
    """Return a repository with two records of every type, one closed with a completion time."""
    for type_name in FIELDS_BY_TYPE:
        create(cli, type_name, "2024-04-02 10:00")
        create(cli, type_name, "2024-04-03 15:45", title=f"{FIELDS_BY_TYPE[type_name]['title']}(二)")
    path = create(cli, "client", "2024-04-08 09:10", title="发票抬头: 变更|复核", follow_up="每周回访一次")
    meta = front_matter(repo / path)
    meta["status"] = "resolved"
    meta["completed_at"] = "2024-04-09T16:20:00+08:00"
    body = (repo / path).read_text(encoding="utf-8").split("---\n", 2)[2]
    (repo / path).write_text(f"---\n{yaml.safe_dump(meta, allow_unicode=True, sort_keys=False)}---\n{body}",
                             encoding="utf-8")
    git(repo, "commit", "--quiet", "-am", "Resolve one record")
    return repo


def test_export_xlsx_one_sheet_per_type(cli, ledger_repo, tmp_path):
    target = tmp_path / "ledger.xlsx"
    result = cli("--lang", "zh-CN", "export", "--output", str(target))
    assert result.exit_code == 0, result.output
    workbook = load_workbook(target)
    assert workbook.sheetnames == ["客户沟通记录表", "跨部门协作信息表", "内部通知传达表", "紧急事务记录表"]


def test_export_xlsx_headers_and_cells(cli, ledger_repo, tmp_path):
    target = tmp_path / "ledger.xlsx"
    cli("--lang", "zh-CN", "export", "--type", "client", "--output", str(target))
    sheet = load_workbook(target)["客户沟通记录表"]
    headers = [cell.value for cell in sheet[1]]
    assert headers[:5] == ["编号", "客户名称", "客户对接人", "沟通类型", "沟通主题"]
    row = {header: cell for header, cell in zip(headers, sheet[2])}
    assert row["沟通时间"].value == datetime(2024, 3, 15, 14, 30)
    assert row["沟通时间"].number_format == "yyyy-mm-dd hh:mm"
    assert row["沟通类型"].value == "问题反馈"
    assert row["责任部门与负责人"].value == "技术部:*经理\n客户成功部:*专员"


def test_export_xlsx_english_headers(cli, ledger_repo, tmp_path):
    target = tmp_path / "ledger.xlsx"
    cli("export", "--type", "collab", "--output", str(target))
    sheet = load_workbook(target)["Cross-department collaboration"]
    headers = [cell.value for cell in sheet[1]]
    assert headers[:3] == ["ID", "Subject", "Requesting department"]
    assert "Leads" in headers
    assert "Lead" in headers


def test_export_repeated_label_gets_key(cli, ledger_repo, tmp_path):
    target = tmp_path / "ledger.xlsx"
    cli("--lang", "zh-CN", "export", "--type", "collab", "--output", str(target))
    headers = [cell.value for cell in load_workbook(target).active[1]]
    assert "主责对接人 (leads)" in headers
    assert "主责对接人 (lead)" in headers


def test_export_csv_has_bom_and_one_type(cli, ledger_repo, tmp_path):
    target = tmp_path / "client.csv"
    result = cli("--lang", "zh-CN", "export", "--type", "client", "--output", str(target))
    assert result.exit_code == 0, result.output
    data = target.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert len(rows) == 4
    assert rows[1][5] == "2024-03-15 14:30"


def test_export_csv_several_types_one_file_each(cli, ledger_repo, tmp_path):
    result = cli("export", "--output", str(tmp_path / "out" / "ledger.csv"))
    assert result.exit_code == 0, result.output
    assert sorted(path.name for path in (tmp_path / "out").iterdir()) == [
        "ledger-client.csv", "ledger-collab.csv", "ledger-notice.csv", "ledger-urgent.csv"]


def test_export_csv_gbk(cli, ledger_repo, tmp_path):
    target = tmp_path / "client.csv"
    cli("--lang", "zh-CN", "export", "--type", "client", "--encoding", "gbk", "--output", str(target))
    assert target.read_bytes().decode("gbk").startswith("编号,客户名称")


def test_export_gbk_rejects_unencodable(cli, repo, tmp_path):
    create(cli, "notice", "2024-04-02 10:00", title="周会🎉通知")
    target = tmp_path / "notice.csv"
    result = cli("export", "--type", "notice", "--encoding", "gbk", "--output", str(target))
    assert result.exit_code == 2
    assert "contains '🎉'" in result.stderr
    assert not target.exists()


def test_export_filters_by_status(cli, ledger_repo, tmp_path):
    target = tmp_path / "resolved.xlsx"
    cli("export", "--type", "client", "--status", "resolved", "--output", str(target))
    sheet = load_workbook(target).active
    assert sheet.max_row == 2


def test_export_empty_type_writes_template(cli, repo, tmp_path):
    target = tmp_path / "template.xlsx"
    result = cli("export", "--type", "urgent", "--output", str(target))
    assert result.exit_code == 0, result.output
    assert load_workbook(target).active.max_row == 1


def test_export_bad_format(cli, repo, tmp_path):
    result = cli("export", "--output", str(tmp_path / "ledger.ods"))
    assert result.exit_code == 2
    assert "invalid --format value" in result.stderr


@pytest.mark.parametrize("suffix", ["xlsx", "csv"])
def test_export_import_round_trip(cli, ledger_repo, tmp_path, suffix):
    target = tmp_path / f"ledger.{suffix}"
    assert cli("export", "--output", str(target)).exit_code == 0
    copy = tmp_path / "copy"
    assert run_cli(["init", str(copy)]).exit_code == 0
    for type_name in FIELDS_BY_TYPE:
        source = target if suffix == "xlsx" else tmp_path / f"ledger-{type_name}.csv"
        result = run_cli(["--repo", str(copy), "import", str(source), "--type", type_name])
        assert result.exit_code == 0, result.output
    original, imported = records_by_title(ledger_repo), records_by_title(copy)
    assert sorted(imported) == sorted(original)
    for title, meta in original.items():
        expected = {key: value for key, value in meta.items() if key not in NOT_COMPARED}
        found = {key: value for key, value in imported[title].items() if key not in NOT_COMPARED}
        assert found == expected, title


def milestone_spec():
    from commlog.templates import TemplateSet, builtin_dir

    return TemplateSet(builtin_dir()).schema("collab").field("milestones").item


@pytest.mark.parametrize("value, text", [
    ({"name": "初稿提交", "due": "2024-05-20"}, "初稿提交:2024-05-20"),
    ({"name": "定稿", "due": "2024-05-25", "done_at": "2024-05-24T17:30:00+08:00"}, "定稿:2024-05-25:2024-05-24 17:30"),
    ({"name": "评审: 第一轮", "due": "2024-05-22"}, "{name: '评审: 第一轮', due: '2024-05-22'}"),
])
def test_object_cell_round_trip(value, text):
    from zoneinfo import ZoneInfo

    from commlog.core.validate import CoercionContext, coerce_object
    from commlog.services.sheets import object_from_cell, object_text

    zone = ZoneInfo("Asia/Shanghai")
    spec = milestone_spec()
    assert object_text(spec, value, zone, "zh-CN") == text
    assert coerce_object(spec, object_from_cell(spec, text), CoercionContext(zone, 2024)) == value
