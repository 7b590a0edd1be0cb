"""CI templates and the pre-commit hook: schema-valid, pinned, and their commands run locally."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
import yaml

from commlog import __version__
from commlog.services.setup import ci_template_text
from tests.check_helpers import create_record, edit_meta
from tests.conftest import CLIENT_FIELDS, git, run_cli, set_args

DATA = Path(__file__).parent / "data"
HOOKS_FILE = Path(__file__).parent.parent / ".pre-commit-hooks.yaml"


def vendored_schema(name: str) -> dict:
    """Return a JSON schema that the check-jsonschema package ships (GitHub workflows, GitLab CI)."""
    folder = resources.files("check_jsonschema.builtin_schemas.vendor")
    return json.loads((folder / name).read_text(encoding="utf-8"))


def load_pipeline(text: str) -> dict:
    """Load a CI file as the forges do: YAML 1.1 reads the key ``on`` as True, GitHub reads a string."""
    data = yaml.safe_load(text)
    if True in data:
        data["on"] = data.pop(True)
    return data


def schema_errors(data: dict, schema: dict) -> list[str]:
    validator = jsonschema.validators.validator_for(schema)(schema)
    return [error.message for error in validator.iter_errors(data)]


def test_github_template_valid():
    data = load_pipeline(ci_template_text("github", "main"))
    assert schema_errors(data, vendored_schema("github-workflows.json")) == []


def test_gitlab_template_valid():
    data = load_pipeline(ci_template_text("gitlab", "main"))
    assert schema_errors(data, vendored_schema("gitlab-ci.json")) == []


def test_pre_commit_hooks_valid():
    schema = json.loads((DATA / "pre-commit-hooks.json").read_text(encoding="utf-8"))
    hooks = yaml.safe_load(HOOKS_FILE.read_text(encoding="utf-8"))
    assert schema_errors(hooks, schema) == []


def test_github_template_pins_versions():
    data = load_pipeline(ci_template_text("github", "main"))
    steps = [step for job in data["jobs"].values() for step in job["steps"]]
    actions = [step["uses"] for step in steps if "uses" in step]
    assert all(re.fullmatch(r"[\w-]+/[\w-]+@v\d+\.\d+\.\d+", action) for action in actions)
    assert {step["with"]["python-version"] for step in steps if "setup-python" in step.get("uses", "")} == {"3.12"}
    assert data["env"]["COMMLOG_VERSION"] == __version__


def test_github_template_fetches_full_history():
    data = load_pipeline(ci_template_text("github", "main"))
    checkouts = [step for job in data["jobs"].values() for step in job["steps"] if "checkout" in step.get("uses", "")]
    assert [step["with"]["fetch-depth"] for step in checkouts] == [0, 0]


def test_github_template_main_branch():
    data = load_pipeline(ci_template_text("github", "trunk"))
    assert data["on"]["push"]["branches"] == ["trunk"]


def test_gitlab_template_pins_versions():
    data = load_pipeline(ci_template_text("gitlab", "main"))
    assert data["default"]["image"] == "python:3.12-bookworm"
    assert data["variables"] == {"GIT_DEPTH": "0", "COMMLOG_VERSION": __version__}


def test_init_ci_github_writes_workflow(tmp_path):
    root = tmp_path / "repo"
    result = run_cli(["init", str(root), "--ci", "github"])
    assert result.exit_code == 0, result.output
    assert (root / ".github/workflows/commlog.yml").read_text(encoding="utf-8") == ci_template_text("github", "main")
    assert not (root / "templates/ci").exists()
    assert git(root, "status", "--porcelain") == ""


def test_init_ci_gitlab_on_existing_repository(repo):
    result = run_cli(["init", str(repo), "--ci", "gitlab"])
    assert result.exit_code == 0, result.output
    assert (repo / ".gitlab-ci.yml").is_file()
    assert git(repo, "log", "-1", "--name-only", "--format=").split() == [".gitlab-ci.yml"]


def test_init_ci_unknown_forge(tmp_path):
    assert run_cli(["init", str(tmp_path / "repo"), "--ci", "jenkins"]).exit_code == 2


def test_init_without_ci_writes_no_pipeline(repo):
    assert not (repo / ".github").exists()
    assert not (repo / ".gitlab-ci.yml").exists()


@pytest.fixture
def shim(tmp_path) -> dict[str, str]:
    """Return an environment whose ``commlog`` runs the commlog under test, as the pinned install would."""
    folder = tmp_path / "bin"
    folder.mkdir()
    script = folder / "commlog"
    script.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m commlog "$@"\n', encoding="utf-8")
    script.chmod(0o755)
    return {**os.environ, "PATH": f"{folder}{os.pathsep}{os.environ['PATH']}"}


@pytest.fixture
def pull_request(cli, repo, tmp_path) -> tuple[Path, str]:
    """Return a fresh clone checked out on a pushed proposal branch, like the checkout of a CI runner."""
    origin = tmp_path / "origin.git"
    git(tmp_path, "clone", "--quiet", "--bare", str(repo), str(origin))
    git(repo, "remote", "add", "origin", str(origin))
    result = cli("new", "client", "--no-input", "--branch", "--format", "json", "--at", "2024-03-15 15:00",
                 *set_args(CLIENT_FIELDS))
    branch = json.loads(result.stdout)["branch"]
    git(repo, "push", "--quiet", "origin", branch)
    clone = tmp_path / "runner"
    git(tmp_path, "clone", "--quiet", str(origin), str(clone))
    git(clone, "switch", "--quiet", branch)
    return clone, branch


def run_steps(commands: list[str], cwd: Path, env: dict[str, str]) -> list[subprocess.CompletedProcess[str]]:
    """Run each CI command with bash, except the pinned install, which the shim replaces."""
    results = []
    for command in commands:
        if "pip install" in command:
            continue
        results.append(subprocess.run(["bash", "-e", "-c", command], cwd=cwd, env=env, capture_output=True,
                                      text=True, encoding="utf-8", check=False))
    return results


def github_job_commands(job: str) -> list[str]:
    data = load_pipeline(ci_template_text("github", "main"))
    return [step["run"] for step in data["jobs"][job]["steps"] if "run" in step]


def test_github_check_job_runs(pull_request, shim):
    clone, _ = pull_request
    results = run_steps(github_job_commands("check"), clone, {**shim, "BASE_REF": "main"})
    assert [result.returncode for result in results] == [0]
    assert "1 file(s) checked" in results[0].stdout


def test_github_check_job_annotates(pull_request, shim):
    clone, _ = pull_request
    record = next((clone / "records").glob("*/*.md")).relative_to(clone).as_posix()
    edit_meta(clone, record, lambda meta: meta.pop("title"))
    results = run_steps(github_job_commands("check"), clone, {**shim, "BASE_REF": "main"})
    assert results[0].returncode == 1
    assert results[0].stdout.startswith(f"::error file={record},line=2,title=commlog missing-field::")


def test_gitlab_check_job_runs(pull_request, shim):
    clone, _ = pull_request
    data = load_pipeline(ci_template_text("gitlab", "main"))
    env = {**shim, "CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "main"}
    results = run_steps(data["commlog-check"]["script"], clone, env)
    assert [result.returncode for result in results] == [0, 0]
    report = ElementTree.parse(clone / data["commlog-check"]["artifacts"]["reports"]["junit"])
    assert report.getroot().find("testsuite").get("failures") == "0"


def test_gitlab_check_all_job_runs(cli, repo, shim):
    create_record(cli, "client")
    data = load_pipeline(ci_template_text("gitlab", "main"))
    results = run_steps(data["commlog-check-all"]["script"], repo, shim)
    assert [result.returncode for result in results] == [0]


def status_available() -> bool:
    from commlog.cli.app import COMMAND_MODULES

    return "commlog.cli.status" in COMMAND_MODULES


@pytest.mark.skipif(not status_available(), reason="commlog status is not on this branch yet")
def test_github_overdue_job_runs(cli, repo, shim):
    create_record(cli, "client")
    results = run_steps(github_job_commands("overdue"), repo, shim)
    assert [result.returncode for result in results] == [0, 1]
    assert "::error" in results[1].stdout


@pytest.mark.skipif(not status_available(), reason="commlog status is not on this branch yet")
def test_gitlab_overdue_job_runs(cli, repo, shim):
    create_record(cli, "client")
    data = load_pipeline(ci_template_text("gitlab", "main"))
    results = run_steps(data["commlog-overdue"]["script"], repo, shim)
    assert [result.returncode for result in results] == [1]
    report = ElementTree.parse(repo / data["commlog-overdue"]["artifacts"]["reports"]["junit"])
    assert int(report.getroot().find("testsuite").get("failures")) > 0


def test_pre_commit_hook_entry_runs(cli, repo, shim):
    record = create_record(cli, "client")
    hook = yaml.safe_load(HOOKS_FILE.read_text(encoding="utf-8"))[0]
    assert re.search(hook["files"], record)
    assert not re.search(hook["files"], record.replace(".md", "/attachment.md"))
    edit_meta(repo, record, lambda meta: meta.pop("title"))
    completed = subprocess.run(f"{hook['entry']} {record}", shell=True, cwd=repo, env=shim,
                               capture_output=True, text=True, encoding="utf-8", check=False)
    assert completed.returncode == 1
    assert "missing-field" in completed.stdout
