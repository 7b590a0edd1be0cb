"""``commlog import``: records from CSV and Excel ledgers, row checks, one commit."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from openpyxl import Workbook

from tests.conftest import git

DATA = Path(__file__).parent / "data"
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
HEADERS = ["客户名称", "客户对接人", "沟通类型", "沟通主题", "沟通时间", "沟通方式", "客户需求描述", "我方响应方案",
           "责任部门与负责人", "解决时限", "主责对接人"]
GOOD_ROW = ["某科技有限公司", "*总监", "问题反馈", "数据导出异常", "2024-03-15 14:30", "电话", "导出错乱",
            "排查日志\n提供修复版", "技术部:*经理\n客户成功部:*专员", "2024-03-16 12:00", "*经理"]


def write_csv(path: Path, rows: list[list[str]], encoding: str = "utf-8-sig") -> Path:
    import csv
    import io

    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def write_xlsx(path: Path, rows: list[list[object]], title: str = "台账") -> Path:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def records(repo: Path) -> list[dict]:
    return [yaml.safe_load(path.read_text(encoding="utf-8").split("---\n", 2)[1])
            for path in sorted((repo / "records").rglob("*.md"))]


def commit_count(repo: Path) -> int:
    return int(git(repo, "rev-list", "--count", "HEAD"))


def row_with(**changes: str) -> list[str]:
    row = list(GOOD_ROW)
    for header, value in changes.items():
        row[HEADERS.index(header)] = value
    return row


# Creating records

def test_import_csv_creates_records_in_one_commit(cli, repo, tmp_path):
    source = write_csv(tmp_path / "ledger.csv", [HEADERS, GOOD_ROW, row_with(沟通主题="接口超时")])
    before = commit_count(repo)
    result = cli("import", str(source), "--type", "client", "--at", "2024-03-15 15:00")
    assert result.exit_code == 0, result.output
    assert commit_count(repo) == before + 1
    assert sorted(meta["title"] for meta in records(repo)) == ["接口超时", "数据导出异常"]


def test_import_commit_message(cli, repo, tmp_path):
    source = write_csv(tmp_path / "ledger.csv", [HEADERS, GOOD_ROW, row_with(沟通主题="接口超时")])
    cli("import", str(source), "--type", "client", "--at", "2024-03-15 15:00")
    message = git(repo, "log", "-1", "--format=%B")
    ids = sorted(meta["id"] for meta in records(repo))
    assert message.startswith("import 2 records from ledger.csv\n")
    trailers = [line.split(": ")[1] for line in message.splitlines() if line.startswith("Commlog-Record:")]
    assert sorted(trailers) == ids
    assert "Commlog-Action: import" in message


def test_import_commits_only_records(cli, repo, tmp_path):
    (repo / "notes.txt").write_text("draft\n", encoding="utf-8")
    git(repo, "add", "notes.txt")
    source = write_csv(tmp_path / "ledger.csv", [HEADERS, GOOD_ROW])
    cli("import", str(source), "--type", "client", "--at", "2024-03-15 15:00")
    changed = git(repo, "show", "--name-only", "--format=", "HEAD").split()
    assert len(changed) == 1
    assert changed[0].startswith("records/2024-Q1-client/")
    assert git(repo, "diff", "--cached", "--name-only").split() == ["notes.txt"]


def test_import_stores_field_values(cli, repo, tmp_path):
    source = write_csv(tmp_path / "ledger.csv", [HEADERS, GOOD_ROW])
    cli("import", str(source), "--type", "client", "--at", "2024-03-15 15:00")
    meta = records(repo)[0]
    assert meta["category"] == "issue"
    assert meta["occurred_at"] == "2024-03-15T14:30:00+08:00"
    assert meta["response_plan"] == ["排查日志", "提供修复版"]
    assert meta["owners"] == [{"department": "技术部", "person": "*经理"}, {"department": "客户成功部", "person": "*专员"}]
    assert meta["recipients"] == ["*经理", "*专员"]


def test_import_at_sets_creation_time(cli, repo, tmp_path):
    source = write_csv(tmp_path / "ledger.csv", [HEADERS, GOOD_ROW])
    cli("import", str(source), "--type", "client", "--at", "2024-03-15 15:00")
    assert records(repo)[0]["created_at"] == "2024-03-15T15:00:00+08:00"


def test_import_created_at_column_wins(cli, repo, tmp_path):
    source = write_csv(tmp_path / "ledger.csv", [HEADERS + ["创建时间"], GOOD_ROW + ["2024-03-15 16:20"]])
    cli("import", str(source), "--type", "client", "--at", "2024-05-01 09:00")
    meta = records(repo)[0]
    assert meta["created_at"] == "2024-03-15T16:20:00+08:00"
    assert meta["id"].startswith("CLI-20240315-")


def test_import_status_column(cli, repo, tmp_path):
    source = write_csv(tmp_path / "ledger.csv", [HEADERS + ["当前状态"], GOOD_ROW + ["已解决"]])
    cli("import", str(source), "--type", "client", "--at", "2024-03-15 15:00")
    meta = records(repo)[0]
    assert meta["status"] == "resolved"
    assert meta["history"][0]["to"] == "resolved"


def test_import_english_headers_and_keys(cli, repo, tmp_path):
    headers = ["Customer", "client_contact", "Category", "Subject", "Talked at", "Channel", "brief",
               "Our response plan", "Owners", "Due", "Lead"]
    row = ["ACME", "*Director", "Issue report", "Export broken", "2024-03-15 14:30", "Phone", "Broken",
           "Check logs", "IT:*Manager", "2024-03-16 12:00", "*Manager"]
    source = write_csv(tmp_path / "ledger.csv", [headers, row])
    result = cli("import", str(source), "--type", "client", "--at", "2024-03-15 15:00")
    assert result.exit_code == 0, result.output
    assert records(repo)[0]["owners"] == [{"department": "IT", "person": "*Manager"}]


def test_import_mapping_file(cli, repo, tmp_path):
    headers = ["客户", "联系人", "类别", "主题", "时间", "方式", "描述", "方案", "负责", "时限", "主责"]
    mapping = tmp_path / "map.yaml"
    mapping.write_text(
        "客户: client\n联系人: client_contact\n类别: category\n主题: title\n时间: occurred_at\n方式: channel\n"
        "描述: brief\n方案: response_plan\n负责: owners\n时限: due\n主责: lead\n",
        encoding="utf-8",
    )
    source = write_csv(tmp_path / "ledger.csv", [headers, GOOD_ROW])
    result = cli("import", str(source), "--type", "client", "--mapping", str(mapping), "--at", "2024-03-15 15:00")
    assert result.exit_code == 0, result.output
    assert records(repo)[0]["title"] == "数据导出异常"


def test_import_ignored_column_warned(cli, repo, tmp_path):
    source = write_csv(tmp_path / "ledger.csv", [["序号", *HEADERS], ["1", *GOOD_ROW]])
    result = cli("import", str(source), "--type", "client", "--at", "2024-03-15 15:00")
    assert result.exit_code == 0, result.output
    assert "Ignored columns that match no field: 序号" in result.stderr


def test_import_title_row_above_header(cli, repo, tmp_path):
    source = write_xlsx(tmp_path / "ledger.xlsx", [["2024年3月客户沟通台账"], HEADERS, GOOD_ROW])
    result = cli("import", str(source), "--type", "client", "--at", "2024-03-15 15:00")
    assert result.exit_code == 0, result.output
    assert len(records(repo)) == 1


def test_import_gbk_csv_detected(cli, repo, tmp_path):
    source = write_csv(tmp_path / "ledger.csv", [HEADERS, GOOD_ROW], encoding="gbk")
    result = cli("import", str(source), "--type", "client", "--at", "2024-03-15 15:00")
    assert result.exit_code == 0, result.output
    assert records(repo)[0]["client"] == "某科技有限公司"


def test_import_xlsx_datetime_cells(cli, repo, tmp_path):
    from datetime import datetime

    row = row_with()
    row[HEADERS.index("沟通时间")] = datetime(2024, 3, 15, 14, 30, 0, 999)
    source = write_xlsx(tmp_path / "ledger.xlsx", [HEADERS, row])
    result = cli("import", str(source), "--type", "client", "--at", "2024-03-15 15:00")
    assert result.exit_code == 0, result.output
    assert records(repo)[0]["occurred_at"] == "2024-03-15T14:30:00+08:00"


# Bad rows

def test_import_bad_rows_reported(cli, repo, tmp_path):
    rows = [HEADERS, GOOD_ROW, row_with(沟通类型="闲聊"), row_with(沟通主题=""), row_with(解决时限="明天")]
    source = write_csv(tmp_path / "ledger.csv", rows)
    result = cli("import", str(source), "--type", "client", "--at", "2024-03-15 15:00")
    assert result.exit_code == 2
    assert "3 of 4 row(s) are invalid" in result.stderr
    assert "row 3: Category (category): '闲聊' is not one of the allowed values" in result.stderr
    assert "row 4: Subject (title): required, but the cell is empty." in result.stderr
    assert "row 5: Due (due): '明天' is not a date and time" in result.stderr


def test_import_bad_rows_create_nothing(cli, repo, tmp_path):
    source = write_csv(tmp_path / "ledger.csv", [HEADERS, GOOD_ROW, row_with(沟通类型="闲聊")])
    before = commit_count(repo)
    cli("import", str(source), "--type", "client", "--at", "2024-03-15 15:00")
    assert commit_count(repo) == before
    assert records(repo) == []
    assert git(repo, "status", "--porcelain") == ""


def test_import_bad_rows_chinese(cli, repo, tmp_path):
    source = write_csv(tmp_path / "ledger.csv", [HEADERS, row_with(沟通主题="")])
    result = cli("--lang", "zh-CN", "import", str(source), "--type", "client", "--at", "2024-03-15 15:00")
    assert "第 2 行：沟通主题 (title): 必填，但单元格为空。" in result.stderr


def test_import_lead_required(cli, repo, tmp_path):
    source = write_csv(tmp_path / "ledger.csv", [HEADERS, row_with(主责对接人="")])
    result = cli("import", str(source), "--type", "client", "--at", "2024-03-15 15:00")
    assert "row 2: Lead (lead): required because there are 2 recipients" in result.stderr


def test_import_skip_invalid(cli, repo, tmp_path):
    source = write_csv(tmp_path / "ledger.csv", [HEADERS, GOOD_ROW, row_with(沟通类型="闲聊")])
    result = cli("import", str(source), "--type", "client", "--skip-invalid", "--at", "2024-03-15 15:00")
    assert result.exit_code == 0, result.output
    assert len(records(repo)) == 1
    assert "row 3: Category (category)" in result.stderr


def test_import_dry_run_writes_nothing(cli, repo, tmp_path):
    source = write_csv(tmp_path / "ledger.csv", [HEADERS, GOOD_ROW])
    before = commit_count(repo)
    result = cli("import", str(source), "--type", "client", "--dry-run", "--at", "2024-03-15 15:00")
    assert result.exit_code == 0, result.output
    assert "1 record(s) would be created from ledger.csv" in result.stdout
    assert "数据导出异常" in result.stdout
    assert commit_count(repo) == before
    assert records(repo) == []


def test_import_twice_rejected_by_id(cli, repo, tmp_path):
    source = write_csv(tmp_path / "ledger.csv", [HEADERS, GOOD_ROW])
    cli("import", str(source), "--type", "client", "--at", "2024-03-15 15:00")
    exported = tmp_path / "again.csv"
    cli("export", "--type", "client", "--output", str(exported))
    result = cli("import", str(exported), "--type", "client")
    assert result.exit_code == 2
    assert "already exists in this repository" in result.stderr


@pytest.mark.parametrize("name, content, message", [
    ("ledger.txt", "a,b\n", "neither .xlsx nor .csv"),
    ("ledger.xlsx", "not a zip", "not a readable Excel workbook"),
    ("ledger.csv", "甲,乙\n1,2\n", "no header row found"),
])
def test_import_unreadable_files(cli, repo, tmp_path, name, content, message):
    source = tmp_path / name
    source.write_text(content, encoding="utf-8")
    result = cli("import", str(source), "--type", "client")
    assert result.exit_code == 2
    assert message in result.stderr


def test_import_ambiguous_column(cli, repo, tmp_path):
    source = write_csv(tmp_path / "ledger.csv", [["协作主题", "主责对接人"], ["周会", "*经理"]])
    result = cli("import", str(source), "--type", "collab")
    assert result.exit_code == 2
    assert "column '主责对接人' could be any of the fields lead, leads" in result.stderr


def test_import_missing_file(cli, repo, tmp_path):
    result = cli("import", str(tmp_path / "none.csv"), "--type", "client")
    assert result.exit_code == 2
    assert "not found" in result.stderr


# Spreadsheets saved by LibreOffice

def test_import_libreoffice_file(cli, repo):
    result = cli("import", str(DATA / "ledger-libreoffice.xlsx"), "--type", "client")
    assert result.exit_code == 0, result.output
    found = {meta["title"]: meta for meta in records(repo)}
    assert sorted(found) == ["批量下单接口需求", "签收单据补打", "系统后台数据导出功能异常"]
    assert found["系统后台数据导出功能异常"]["created_at"] == "2024-03-15T15:00:00+08:00"
    assert found["系统后台数据导出功能异常"]["due"] == "2024-03-16T12:00:00+08:00"
    assert found["签收单据补打"]["status"] == "resolved"


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice is not installed (apt-get install libreoffice-calc)")
def test_import_export_resaved_by_libreoffice(cli, repo, tmp_path):
    source = write_csv(tmp_path / "first.csv", [HEADERS, GOOD_ROW, row_with(沟通主题="接口超时")])
    cli("import", str(source), "--type", "client", "--at", "2024-03-15 15:00")
    exported = tmp_path / "ledger.xlsx"
    cli("export", "--type", "client", "--output", str(exported))
    converted = tmp_path / "converted"
    completed = subprocess.run(
        [SOFFICE, "--headless", f"-env:UserInstallation={(tmp_path / 'lo-profile').as_uri()}",
         "--convert-to", "xlsx", "--outdir", str(converted), str(exported)],
        capture_output=True, text=True, timeout=180, check=False,
    )
    assert completed.returncode == 0, completed.stderr
    copy = tmp_path / "copy"
    from tests.conftest import run_cli

    assert run_cli(["init", str(copy)]).exit_code == 0
    result = run_cli(["--repo", str(copy), "import", str(converted / "ledger.xlsx"), "--type", "client"])
    assert result.exit_code == 0, result.output
    assert [meta["owners"] for meta in records(copy)] == [meta["owners"] for meta in records(repo)]
    assert [meta["created_at"] for meta in records(copy)] == [meta["created_at"] for meta in records(repo)]
