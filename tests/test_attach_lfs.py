"""Files a repository stores with Git LFS: accepted over the size limit with git-lfs, explained without it."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

import pytest

from commlog.storage.records import parse_record_text
from tests.conftest import git
from tests.test_attach import create

LFS_POINTER_START = "version https://git-lfs.github.com/spec/v1"


def lfs_installed() -> bool:
    completed = subprocess.run(["git", "lfs", "version"], capture_output=True, check=False)
    return completed.returncode == 0


needs_lfs = pytest.mark.skipif(not lfs_installed(), reason="git-lfs is not installed (apt-get install git-lfs)")


@pytest.fixture
def lfs_repo(cli, repo):
    """Return the repository with *.mp4 tracked by Git LFS and a 1 KB attachment limit, and a record."""
    (repo / ".gitattributes").write_text("*.mp4 filter=lfs diff=lfs merge=lfs -text\n", encoding="utf-8")
    config = repo / "commlog.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("max_size_mb: 20", "max_size_mb: 0.001"), encoding="utf-8")
    git(repo, "add", ".gitattributes", "commlog.yaml")
    git(repo, "commit", "-qm", "track videos with Git LFS")
    return create(cli)


@pytest.fixture
def video(tmp_path) -> Path:
    path = tmp_path / "现场录像.mp4"
    path.write_bytes(bytes(range(256)) * 16)
    return path


def hidden_lfs_path(tmp_path: Path) -> str:
    """Return a PATH that finds git but not git-lfs: a folder with only a ``git`` link."""
    folder = tmp_path / "bin-without-lfs"
    folder.mkdir()
    (folder / "git").symlink_to(shutil.which("git"))
    return str(folder)


@needs_lfs
def test_lfs_file_over_limit_stored_as_pointer(cli, repo, lfs_repo, video):
    git(repo, "lfs", "install", "--local")
    result = cli("attach", lfs_repo["id"], str(video), "--at", "2024-04-02 12:00")
    assert result.exit_code == 0, result.output

    stored = f"{Path(lfs_repo['path']).with_suffix('')}/现场录像.mp4"
    pointer = git(repo, "-c", "core.quotePath=false", "cat-file", "-p", f"HEAD:{stored}")
    sha256 = hashlib.sha256(video.read_bytes()).hexdigest()
    meta = parse_record_text((repo / lfs_repo["path"]).read_text(encoding="utf-8")).meta
    assert pointer.startswith(LFS_POINTER_START)
    assert f"oid sha256:{sha256}" in pointer
    assert meta["attachments"][0]["sha256"] == sha256
    assert (repo / stored).read_bytes() == video.read_bytes()


@needs_lfs
def test_lfs_not_set_up_rejected(cli, repo, lfs_repo, video):
    result = cli("attach", lfs_repo["id"], str(video), "--at", "2024-04-02 12:00")
    assert result.exit_code == 2
    assert "Git LFS is not set up for your user" in result.stderr
    assert "git lfs install" in result.stderr


def test_lfs_not_installed_rejected(cli, repo, lfs_repo, video, tmp_path):
    result = cli("attach", lfs_repo["id"], str(video), "--at", "2024-04-02 12:00",
                 env={"PATH": hidden_lfs_path(tmp_path)})
    assert result.exit_code == 2
    assert "git-lfs is not installed" in result.stderr
    assert "apt-get install git-lfs" in result.stderr
    assert "brew install git-lfs" in result.stderr
    assert "https://git-lfs.com" in result.stderr
    assert "git lfs install" in result.stderr
    assert git(repo, "status", "--porcelain", "--untracked-files=all") == ""


def test_lfs_not_installed_in_chinese(cli, repo, lfs_repo, video, tmp_path):
    result = cli("--lang", "zh-CN", "attach", lfs_repo["id"], str(video), "--at", "2024-04-02 12:00",
                 env={"PATH": hidden_lfs_path(tmp_path)})
    assert "没有安装 git-lfs" in result.stderr


def test_file_not_tracked_by_lfs_keeps_limit(cli, repo, lfs_repo, tmp_path):
    big = tmp_path / "大文件.mov"
    big.write_bytes(b"\0" * 4096)
    result = cli("attach", lfs_repo["id"], str(big), "--at", "2024-04-02 12:00")
    assert result.exit_code == 2
    assert "larger than the attachment limit" in result.stderr
