"""The pre-commit hook, run by the real pre-commit from this repository (try-repo)."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent


def test_hook_definition_matches_every_dockerfile_name():
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    hook = next(h for h in hooks if h["id"] == "dflint")
    # --force-exclude: pre-commit names each changed file, and the configured excludes still apply to it.
    assert hook["language"] == "python" and hook["entry"] == "dflint --force-exclude"
    pattern = re.compile(hook["files"])
    for name in ("Dockerfile", "svc/Dockerfile", "Containerfile", "Dockerfile.prod", "a/Containerfile.dev",
                 "web.Dockerfile", "docker/api.dockerfile", "svc/dockerfile"):
        assert pattern.search(name), name
    for name in ("README.md", "Dockerfiles/notes.txt", "mydockerfile", "Dockerfile/x.py", "dockerfile.prod",
                 "Dockerfile.dockerignore", "svc/api.Dockerfile.dockerignore"):
        assert not pattern.search(name), name


@pytest.mark.parametrize("name", [
    "Dockerfile", "Containerfile", "Dockerfile.prod", "Dockerfile.", "Containerfile.a.b", "web.Dockerfile",
    "web.dockerfile", ".Dockerfile", "x.Containerfile", "dockerfile", "DOCKERFILE", "Dockerfile.dockerignore",
    "web.Dockerfile.dockerignore", "Dockerfile-prod", "Dockerfile.prod.dockerignore", ".dockerignore",
    "dockerfile.prod", "containerfile",
])
def test_hook_files_pattern_agrees_with_directory_discovery(name):
    from dflint.discovery import is_dockerfile_name

    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    pattern = re.compile(next(h for h in hooks if h["id"] == "dflint")["files"])
    assert bool(pattern.search(f"svc/{name}")) is is_dockerfile_name(name)
    assert bool(pattern.search(name)) is is_dockerfile_name(name)


def _git(*args, cwd):
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


@pytest.mark.slow
def test_try_repo_fails_on_a_bad_dockerfile_and_passes_on_a_good_one(tmp_path):
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    work = tmp_path / "work"
    work.mkdir()
    _git("init", "-q", cwd=work)
    _git("config", "user.email", "test@example.com", cwd=work)
    _git("config", "user.name", "test", cwd=work)
    (work / "Dockerfile").write_text("FROM python\nRUN pip install flask\n")
    (work / "good.Dockerfile").write_text("FROM python:3.12-slim\n")
    (work / ".dflint.toml").write_text('extend-exclude = ["vendor"]\n')
    (work / "vendor").mkdir()
    (work / "vendor" / "Dockerfile").write_text("FROM python\n")
    _git("add", ".", cwd=work)
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache"), "NO_COLOR": "1"}

    def try_repo(*files):
        return subprocess.run(
            [sys.executable, "-m", "pre_commit", "try-repo", str(ROOT), "dflint", "--files", *files],
            cwd=work, capture_output=True, text=True, env=env, timeout=900,
        )

    bad = try_repo("Dockerfile")
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "DF001 untagged-image" in bad.stdout
    good = try_repo("good.Dockerfile")
    assert good.returncode == 0, good.stdout + good.stderr
    assert "Passed" in good.stdout
    excluded = try_repo("vendor/Dockerfile", "good.Dockerfile")
    assert excluded.returncode == 0, excluded.stdout + excluded.stderr
