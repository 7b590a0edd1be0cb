"""``commlog reviewers``: CODEOWNERS from the directory, kept hand-written lines, staleness."""

from __future__ import annotations

import pytest

from tests.check_helpers import create_record, edit_meta, findings
from tests.conftest import CLIENT_FIELDS

DIRECTORY = """\
directory:
  people:
    - {name: "*经理", handle: wang, department: 技术部}
    - {name: "*专员", handle: "@li", department: 客户成功部}
    - {name: "*主管", department: 行政部}
    - {name: "*总监", handle: zhao, department: 技术部}
  departments:
    - {name: 技术部, head: "*总监"}
    - {name: 客户成功部, head: "*专员"}
"""


@pytest.fixture
def directory(repo):
    (repo / "commlog.yaml").write_text(DIRECTORY, encoding="utf-8")


def codeowners(repo, path=".github/CODEOWNERS") -> str:
    return (repo / path).read_text(encoding="utf-8")


def test_reviewers_lead_handle(cli, repo, directory):
    record = create_record(cli, "client")
    result = cli("reviewers")
    assert result.exit_code == 0, result.output
    assert codeowners(repo).splitlines()[1:] == [f"/{record} @wang", "# END commlog"]


def test_reviewers_sorted_and_deterministic(cli, repo, directory):
    later = create_record(cli, "client", "2024-06-01 10:00")
    earlier = create_record(cli, "client", "2024-01-05 10:00")
    cli("reviewers")
    lines = codeowners(repo).splitlines()[1:3]
    assert [line.split()[0] for line in lines] == [f"/{earlier}", f"/{later}"]
    assert cli("reviewers").stdout.strip() == ".github/CODEOWNERS is up to date."


def test_reviewers_keep_hand_written_lines(cli, repo, directory):
    (repo / ".github").mkdir()
    (repo / ".github/CODEOWNERS").write_text("# team rules\n* @records-admins\n", encoding="utf-8")
    create_record(cli, "client")
    cli("reviewers")
    cli("reviewers")
    text = codeowners(repo)
    assert text.startswith("# team rules\n* @records-admins\n\n# BEGIN commlog")
    assert text.count("# BEGIN commlog") == 1


def test_reviewers_replace_block_in_middle(cli, repo, directory):
    (repo / "CODEOWNERS").write_text("top @a\n# BEGIN commlog\n/old @x\n# END commlog\nbottom @b\n", encoding="utf-8")
    record = create_record(cli, "client")
    cli("reviewers", "--forge", "gitlab")
    lines = codeowners(repo, "CODEOWNERS").splitlines()
    assert lines[0] == "top @a"
    assert lines[2] == f"/{record} @wang"
    assert lines[-1] == "bottom @b"


def test_reviewers_gitlab_default_path(cli, repo, directory):
    create_record(cli, "client")
    cli("reviewers", "--forge", "gitlab")
    assert (repo / ".gitlab/CODEOWNERS").is_file()


def test_reviewers_closed_record_left_out(cli, repo, directory):
    record = create_record(cli, "client")
    edit_meta(repo, record, lambda meta: meta.update(status="resolved"))
    cli("reviewers")
    assert codeowners(repo).splitlines()[1:] == ["# END commlog"]


def test_reviewers_department_heads(cli, repo, directory):
    (repo / "commlog.yaml").write_text(DIRECTORY + "reviewers:\n  from: [department_heads]\n", encoding="utf-8")
    record = create_record(cli, "client")
    cli("reviewers")
    assert codeowners(repo).splitlines()[1] == f"/{record} @li @zhao"


def test_reviewers_owners_per_type(cli, repo, directory):
    (repo / "commlog.yaml").write_text(DIRECTORY + "reviewers:\n  types:\n    client: [owners]\n", encoding="utf-8")
    record = create_record(cli, "client")
    cli("reviewers")
    assert codeowners(repo).splitlines()[1] == f"/{record} @li @wang"


def test_reviewers_missing_handle_warns(cli, repo, directory):
    record = create_record(cli, "client", "2024-03-15 15:00", lead="*主管", owners=["行政部|*主管"])
    result = cli("reviewers")
    assert result.exit_code == 0
    assert f"warning: {record}" in result.stderr
    assert "*主管" in result.stderr
    assert record not in codeowners(repo)


def test_reviewers_check_option(cli, repo, directory):
    create_record(cli, "client")
    assert cli("reviewers", "--check").exit_code == 1
    assert not (repo / ".github/CODEOWNERS").exists()
    cli("reviewers")
    assert cli("reviewers", "--check").exit_code == 0


def test_reviewers_stale_warning_in_check(cli, repo, directory):
    create_record(cli, "client")
    cli("reviewers")
    assert findings(cli)[1] == []
    create_record(cli, "client", "2024-04-01 10:00")
    code, found = findings(cli)
    assert code == 0
    assert [(item["code"], item["path"], item["severity"]) for item in found] == [
        ("codeowners-stale", ".github/CODEOWNERS", "warning")
    ]


def test_reviewers_bad_source(cli, repo):
    (repo / "commlog.yaml").write_text("reviewers:\n  from: [boss]\n", encoding="utf-8")
    result = cli("reviewers")
    assert result.exit_code == 2
    assert "reviewers.from" in result.stderr


def test_reviewers_bad_forge(cli, repo):
    assert cli("reviewers", "--forge", "bitbucket").exit_code == 2


def test_reviewers_handle_in_record(cli, repo):
    record = create_record(cli, "client", "2024-03-15 15:00", lead="@direct",
                           owners=["技术部|@direct", *CLIENT_FIELDS["owners"][1:]])
    cli("reviewers")
    assert codeowners(repo).splitlines()[1] == f"/{record} @direct"
