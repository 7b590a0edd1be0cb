"""``commlog init`` in an empty folder and in an existing repository."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import git, run_cli, write_files


def test_init_empty_folder_creates_repository(tmp_path):
    root = tmp_path / "new-folder"
    result = run_cli(["init", str(root)])
    assert result.exit_code == 0, result.output
    assert (root / ".git").is_dir()
    assert (root / "commlog.yaml").is_file()
    assert (root / "records" / ".gitkeep").is_file()
    assert (root / "templates" / "client.yaml").is_file()
    assert (root / "templates" / "client.md.j2").is_file()
    assert (root / "templates" / "client.en.md.j2").is_file()
    assert (root / "README.md").is_file()
    assert not (root / "templates" / "__init__.py").exists()
    assert git(root, "status", "--porcelain") == ""
    message = git(root, "log", "-1", "--format=%B")
    assert "Commlog-Action: init" in message
    assert git(root, "rev-list", "--count", "HEAD").strip() == "1"


def test_init_config_is_commented_and_valid(tmp_path):
    from commlog.config import load_config

    root = tmp_path / "repo"
    run_cli(["init", str(root)])
    text = (root / "commlog.yaml").read_text(encoding="utf-8")
    assert "# 时区" in text
    assert "# Time zone" in text
    config = load_config(root)
    assert config.timezone == "Asia/Shanghai"
    assert config.calendar.working_hours == ("09:00-12:00", "13:00-18:00")


def test_init_adopts_existing_repository(tmp_path):
    root = tmp_path / "existing"
    root.mkdir()
    git(root, "init", "-q")
    write_files(root, {"notes.md": "keep me\n", "commlog.yaml": "timezone: Asia/Tokyo\n", "staged.txt": "x\n"})
    git(root, "add", "notes.md", "commlog.yaml")
    git(root, "commit", "-q", "-m", "existing work")
    git(root, "add", "staged.txt")

    result = run_cli(["init", str(root)])
    assert result.exit_code == 0, result.output
    assert "existing repository" in result.stdout
    assert "commlog.yaml (exists, kept as it is)" in result.stdout
    assert (root / "commlog.yaml").read_text(encoding="utf-8") == "timezone: Asia/Tokyo\n"
    committed = git(root, "show", "--name-only", "--format=", "HEAD").split()
    assert "commlog.yaml" not in committed
    assert "templates/client.yaml" in committed
    assert "staged.txt" not in committed
    assert git(root, "diff", "--cached", "--name-only").split() == ["staged.txt"]


def test_init_twice_commits_nothing(tmp_path):
    root = tmp_path / "repo"
    run_cli(["init", str(root)])
    head = git(root, "rev-parse", "HEAD")
    result = run_cli(["init", str(root)])
    assert result.exit_code == 0, result.output
    assert "nothing to commit" in result.stdout
    assert git(root, "rev-parse", "HEAD") == head


def test_init_keeps_edited_template(tmp_path):
    root = tmp_path / "repo"
    run_cli(["init", str(root), "--no-commit"])
    (root / "templates" / "client.md.j2").write_text("edited {{ progress_log }}\n", encoding="utf-8")
    result = run_cli(["init", str(root)])
    assert result.exit_code == 0, result.output
    assert (root / "templates" / "client.md.j2").read_text(encoding="utf-8") == "edited {{ progress_log }}\n"


def test_init_without_git_identity_fails_cleanly(tmp_path, monkeypatch):
    empty = tmp_path / "empty.gitconfig"
    empty.write_text("", encoding="utf-8")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(empty))
    root = tmp_path / "repo"
    result = run_cli(["init", str(root)])
    assert result.exit_code == 2
    assert "git has no user name and e-mail configured" in result.stderr
    assert not (root / "commlog.yaml").exists()


def test_init_in_chinese(tmp_path):
    result = run_cli(["--lang", "zh-CN", "init", str(tmp_path / "repo")])
    assert result.exit_code == 0, result.output
    assert "已在" in result.stdout
    assert "下一步" in result.stdout
    readme = (tmp_path / "repo" / "README.md").read_text(encoding="utf-8")
    assert readme.startswith("# 沟通记录")


def test_init_records_readme_in_english(tmp_path):
    run_cli(["--lang", "en", "init", str(tmp_path / "repo")])
    readme = (tmp_path / "repo" / "README.md").read_text(encoding="utf-8")
    assert readme.startswith("# Communication records")


def test_init_relative_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run_cli(["init", "team-records"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "team-records" / ".git").is_dir()
    assert not (tmp_path / "team-records" / "team-records").exists()
    assert git(tmp_path / "team-records", "status", "--porcelain") == ""


def test_version_alone():
    result = run_cli(["--version"])
    assert result.exit_code == 0
    assert result.stdout.startswith("commlog 0.")


def test_init_default_is_current_folder(tmp_path, monkeypatch):
    root = tmp_path / "here"
    root.mkdir()
    monkeypatch.chdir(root)
    result = run_cli(["init"])
    assert result.exit_code == 0, result.output
    assert (Path(root) / "commlog.yaml").is_file()
