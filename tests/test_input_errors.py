"""Input dflint cannot lint is reported by path, with the real reason, never skipped or hung on."""

import gzip
import json
import os
import shutil
import stat
import subprocess
import sys

import pytest

import dflint
from dflint.discovery import discover

GOOD = "FROM alpine:3.20\n"


def run_dflint(*args, cwd, unprivileged=False, timeout=60):
    """``python -m dflint ARGS``; ``unprivileged`` drops root's right to read any file, so modes matter."""
    command = [sys.executable, "-m", "dflint", "--no-color", *args]
    if unprivileged and os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            pytest.skip("needs setpriv to drop root's capabilities")
        command = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search", "--inh-caps=-all", "--",
                   *command]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def unreadable_dir(tmp_path):
    """tmp_path holding ok/Dockerfile and noread/Dockerfile, noread with mode 000."""
    (tmp_path / "ok").mkdir()
    (tmp_path / "ok" / "Dockerfile").write_text(GOOD)
    noread = tmp_path / "noread"
    noread.mkdir()
    (noread / "Dockerfile").write_text(GOOD)
    noread.chmod(0)
    yield tmp_path
    noread.chmod(stat.S_IRWXU)  # so that pytest can remove it


# -- 1. directories that cannot be listed, files that cannot be stat'ed -------------------------

def test_an_unreadable_directory_is_an_error_and_the_rest_is_still_linted(unreadable_dir):
    result = run_dflint(".", cwd=unreadable_dir, unprivileged=True)
    assert result.returncode == 2, result
    # ./ as on every path found under "."
    assert result.stdout.startswith("./noread: error: cannot read directory ./noread: Permission denied\n")
    assert "(2 files); 1 file could not be read" in result.stdout  # ./ok/Dockerfile was linted
    assert "Traceback" not in result.stderr


def test_an_unreadable_directory_named_explicitly_is_an_error_not_an_empty_directory(unreadable_dir):
    result = run_dflint("noread", cwd=unreadable_dir, unprivileged=True)
    assert result.returncode == 2, result
    assert "cannot read directory noread: Permission denied" in result.stdout + result.stderr
    assert "no Dockerfile found" not in result.stderr


def test_a_file_that_cannot_be_stat_ed_reports_the_real_reason(unreadable_dir):
    result = run_dflint("noread/Dockerfile", cwd=unreadable_dir, unprivileged=True)
    assert result.returncode == 2, result
    assert "cannot read noread/Dockerfile: Permission denied" in result.stdout + result.stderr
    assert "No such file or directory" not in result.stdout + result.stderr


def test_an_unreadable_directory_is_in_the_json_report_like_an_unreadable_file(unreadable_dir):
    result = run_dflint("--format", "json", ".", cwd=unreadable_dir, unprivileged=True)
    assert result.returncode == 2, result
    files = {f["path"]: f for f in json.loads(result.stdout)["files"]}
    assert files["./noread"]["error"] == "cannot read directory ./noread: Permission denied"
    assert files["./ok/Dockerfile"]["diagnostics"] == []


def test_discover_reports_directories_it_cannot_list(tmp_path, monkeypatch):
    (tmp_path / "ok").mkdir()
    (tmp_path / "ok" / "Dockerfile").write_text(GOOD)
    (tmp_path / "locked").mkdir()
    real_scandir = os.scandir

    def scandir(path):
        if os.path.basename(path) == "locked":
            raise PermissionError(13, "Permission denied", path)
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    errors = []
    found = list(discover([str(tmp_path)], lambda p: False, on_error=lambda p, e: errors.append((p, e.strerror))))
    assert found == [str(tmp_path / "ok" / "Dockerfile")]
    assert errors == [(str(tmp_path / "locked"), "Permission denied")]


# -- 2. only regular files are linted when walking ----------------------------------------------

@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_named_like_a_dockerfile_is_skipped_when_walking(tmp_path):
    (tmp_path / "d").mkdir()
    os.mkfifo(tmp_path / "d" / "fifo.Dockerfile")
    (tmp_path / "d" / "Dockerfile").write_text(GOOD)
    result = run_dflint("d", cwd=tmp_path, timeout=30)
    assert result.returncode == 0, result
    assert "fifo" not in result.stdout + result.stderr


def test_symlinks_to_dockerfiles_are_still_found_when_walking(tmp_path):
    (tmp_path / "real").write_text(GOOD)
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "Dockerfile").symlink_to(tmp_path / "real")
    assert list(discover([str(tmp_path / "d")], lambda p: False)) == [str(tmp_path / "d" / "Dockerfile")]


def test_a_pipe_named_on_the_command_line_is_read(tmp_path):
    result = subprocess.run(["bash", "-c", f"{sys.executable} -m dflint --no-color <(printf 'FROM alpine\\n')"],
                            cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert "DF" in result.stdout and "/dev/fd/" in result.stdout, result  # linted: alpine has no tag
    assert result.returncode == 1


# -- 3. binary files ----------------------------------------------------------------------------

ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00\x01\x00\x00\x00" + bytes(range(256)) * 8


@pytest.mark.parametrize("data", [
    ELF,
    gzip.compress(b"FROM alpine:3.20\nRUN echo hi\n" * 200, mtime=0),
    gzip.compress(b"FROM alpine\n", mtime=0),  # short: a header and a few compressed bytes
    bytes(range(256)) * 4,
], ids=["elf", "gzip", "small-gzip", "every-byte"])
def test_a_binary_file_is_one_error_saying_so(data):
    [error] = dflint.parse(data).errors
    assert (error.line, error.column, error.origin) == (1, 1, "parser")
    assert error.message == "the file is binary, not text"


def test_the_command_reports_a_binary_file_once(tmp_path):
    (tmp_path / "bin.Dockerfile").write_bytes(ELF)
    result = run_dflint("bin.Dockerfile", cwd=tmp_path)
    assert result.returncode == 1, result
    assert result.stdout.startswith("bin.Dockerfile:1:1: DF000 syntax-error the file is binary, not text")
    assert result.stdout.count("DF000") == 1 and "UTF-16" not in result.stdout


def test_fixing_in_a_directory_that_cannot_be_written_says_so(tmp_path):
    directory = tmp_path / "d"
    directory.mkdir()
    (directory / "Dockerfile").write_text("FROM debian:12 as build\n")
    directory.chmod(0o555)
    try:
        result = run_dflint("--fix", "d/Dockerfile", cwd=tmp_path, unprivileged=True)
    finally:
        directory.chmod(stat.S_IRWXU)
    assert result.returncode == 2, result
    assert "cannot create the new file beside it: Permission denied (the directory" in result.stdout + result.stderr
    assert "not writable" in result.stdout + result.stderr and "Traceback" not in result.stdout + result.stderr
    assert (directory / "Dockerfile").read_text() == "FROM debian:12 as build\n"
