"""How --fix writes files and how --diff names and splits them: the file-level promises of fixing."""

import json
import os
import shutil
import subprocess
import sys

import pytest

from dflint.diffs import patch_path, unified_diff
from dflint.fix import write_atomically


def dflint(*args, cwd=None):
    environment = {**os.environ, "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-m", "dflint", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120, env=environment)


# -- --diff ----------------------------------------------------------------------

@pytest.mark.parametrize("path, expected", [
    ("Dockerfile", "Dockerfile"),
    ("./b/Dockerfile", "b/Dockerfile"),
    ("/work/repo/b/Dockerfile", "b/Dockerfile"),  # absolute but under the current directory
    ("/srv/other/Dockerfile", "srv/other/Dockerfile"),  # elsewhere: as git diff --no-index names it
    ("../other/Dockerfile", "work/other/Dockerfile"),  # git apply and patch refuse `..`
])
def test_patch_path_is_what_git_apply_and_patch_p1_read(path, expected):
    if os.sep != "/":
        pytest.skip("POSIX paths")
    assert patch_path(path, cwd="/work/repo") == expected


def test_diff_headers_of_an_absolute_path_apply_from_the_root(tmp_path):
    if shutil.which("patch") is None or os.sep != "/":
        pytest.skip("needs patch(1) and POSIX paths")
    path = tmp_path / "Dockerfile"
    path.write_text("FROM debian:12 as build\n")
    (tmp_path / "elsewhere").mkdir()
    result = dflint("--diff", str(path), cwd=tmp_path / "elsewhere")
    name = str(path).lstrip("/")
    assert result.stdout.startswith(f"--- a/{name}\n+++ b/{name}\n"), result.stdout
    subprocess.run(["patch", "-p1", "-s"], input=result.stdout, text=True, cwd="/", check=True)
    assert path.read_text() == "FROM debian:12 AS build\n"


@pytest.mark.parametrize("separator", ["\u2028", "\x0c", "\x85", "\x1e", "\r"])
def test_diff_splits_lines_at_newlines_only(separator):
    """str.splitlines also splits at these: the hunk would claim line breaks the file does not have."""
    before = f'FROM debian:12 as b\nLABEL x="a{separator}b"\nRUN true'
    after = before.replace(" as ", " AS ")
    diff = unified_diff("Dockerfile", before, after)
    assert diff == (
        "--- a/Dockerfile\n+++ b/Dockerfile\n@@ -1,3 +1,3 @@\n"
        f"-FROM debian:12 as b\n+FROM debian:12 AS b\n LABEL x=\"a{separator}b\"\n RUN true\n"
        "\\ No newline at end of file\n"
    )


def test_diff_of_a_file_with_a_line_separator_applies_with_git(tmp_path):
    text = 'FROM debian:12 as b\nLABEL x="a\u2028b" y="c\x0cd"\nRUN echo\x85 hi\n'
    (tmp_path / "Dockerfile").write_bytes(text.encode())
    (tmp_path / "fixed").mkdir()
    (tmp_path / "fixed" / "Dockerfile").write_bytes(text.encode())
    result = dflint("--diff", "Dockerfile", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    (tmp_path / "change.diff").write_bytes(result.stdout.encode())
    subprocess.run(["git", "apply", "change.diff"], cwd=tmp_path, check=True, capture_output=True)
    dflint("--fix", "Dockerfile", cwd=tmp_path / "fixed")
    assert (tmp_path / "Dockerfile").read_bytes() == (tmp_path / "fixed" / "Dockerfile").read_bytes()


@pytest.mark.parametrize("tool", [["git", "apply", "change.diff"], ["patch", "-p1", "-i", "change.diff"]],
                         ids=["git-apply", "patch"])
def test_diff_of_odd_file_names_applies_with_git_and_patch(tmp_path, tool):
    if shutil.which(tool[0]) is None:
        pytest.skip(f"{tool[0]} is not installed")
    names = ["my dir", "t\tab", "caf\u00e9", 'q"o', "back\\slash"]
    for name in names:
        (tmp_path / name).mkdir()
        (tmp_path / name / "Dockerfile").write_text("FROM debian:12 as b\n")
    result = dflint("--diff", ".", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert "--- a/my dir/Dockerfile\t\n" in result.stdout and '--- "a/caf\\303\\251/Dockerfile"' in result.stdout
    (tmp_path / "change.diff").write_bytes(result.stdout.encode())
    subprocess.run(tool, cwd=tmp_path, check=True, capture_output=True)
    assert all((tmp_path / name / "Dockerfile").read_text() == "FROM debian:12 AS b\n" for name in names)


# -- --fix writes ------------------------------------------------------------------

def test_a_symlinked_dockerfile_is_written_through(tmp_path):
    real = tmp_path / "real.Dockerfile"
    real.write_text("FROM debian:12 as build\n")
    link = tmp_path / "Dockerfile"
    link.symlink_to(real.name)
    result = dflint("--fix", "Dockerfile", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert link.is_symlink() and os.readlink(link) == real.name
    assert real.read_text() == "FROM debian:12 AS build\n"


def test_write_atomically_keeps_the_mode(tmp_path):
    path = tmp_path / "Dockerfile"
    path.write_text("old\n")
    path.chmod(0o750)
    write_atomically(str(path), b"new\n")
    assert (path.read_bytes(), path.stat().st_mode & 0o7777) == (b"new\n", 0o750)
    assert [p.name for p in tmp_path.iterdir()] == ["Dockerfile"]  # no temporary file left behind


def test_a_read_only_file_is_refused_not_replaced(tmp_path):
    path = tmp_path / "Dockerfile"
    path.write_text("FROM debian:12 as build\n")
    path.chmod(0o444)
    with pytest.raises(PermissionError, match="read-only"):
        write_atomically(str(path), b"x\n")
    result = dflint("--fix", "Dockerfile", cwd=tmp_path)
    assert result.returncode == 2
    assert "cannot write Dockerfile: the file is read-only" in result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert path.read_text() == "FROM debian:12 as build\n"
    assert path.stat().st_mode & 0o777 == 0o444


def test_a_file_that_cannot_be_written_is_reported_as_it_is(tmp_path):
    path = tmp_path / "Dockerfile"
    path.write_text("FROM debian:12 as build\n")
    path.chmod(0o444)
    result = dflint("--fix", "Dockerfile", cwd=tmp_path)
    output = result.stdout + result.stderr
    assert "Fixed" not in output  # nothing was written
    assert "Dockerfile:1:16: DF104 from-as-casing" in output  # the finding is still in the file


def test_a_byte_order_mark_is_not_counted_and_survives_fix_and_diff(tmp_path):
    original = "\ufeffFROM python as app\n"
    (tmp_path / "Dockerfile").write_bytes(original.encode())
    report = dflint("--format", "json", "--select", "untagged-image", "Dockerfile", cwd=tmp_path)
    start = json.loads(report.stdout)["files"][0]["diagnostics"][0]["start"]
    assert start == {"line": 1, "column": 6, "offset": 5}  # as BuildKit and editors count, without the mark
    diff = dflint("--diff", "Dockerfile", cwd=tmp_path).stdout
    assert dflint("--fix", "Dockerfile", cwd=tmp_path).returncode == 1
    fixed = (tmp_path / "Dockerfile").read_bytes().decode()
    assert fixed == "\ufeffFROM python AS app\n"
    (tmp_path / "Dockerfile").write_bytes(original.encode())
    subprocess.run(["git", "apply", "-"], input=diff.encode(), cwd=tmp_path, check=True)
    assert (tmp_path / "Dockerfile").read_bytes().decode() == fixed


def test_a_hard_linked_file_is_fixed_under_every_name(tmp_path):
    path = tmp_path / "Dockerfile"
    path.write_text("FROM debian:12 as build\n")
    other = tmp_path / "copy"
    os.link(path, other)
    result = dflint("--fix", "Dockerfile", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert other.read_text() == path.read_text() == "FROM debian:12 AS build\n"
    assert os.path.samefile(path, other)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Dockerfile", "copy"]  # no backup left behind


def test_a_file_changed_since_it_was_read_is_not_overwritten(tmp_path):
    path = tmp_path / "Dockerfile"
    path.write_text("FROM debian:12 as build\n")
    read = path.read_bytes()
    path.write_text("FROM debian:12 as build\nRUN echo saved meanwhile\n")  # an editor saved it
    with pytest.raises(OSError, match="changed while dflint fixed it"):
        write_atomically(str(path), b"FROM debian:12 AS build\n", read)
    assert path.read_text().endswith("saved meanwhile\n")
    assert [p.name for p in tmp_path.iterdir()] == ["Dockerfile"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_fixing_a_pipe_is_refused_with_its_reason(tmp_path):
    result = subprocess.run(["bash", "-c", "dflint() { \"$0\" -m dflint \"$@\"; }; "
                             "dflint --no-color --fix <(printf 'FROM debian:12 as build\\n')", sys.executable],
                            capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert result.returncode == 2, result
    assert "not a regular file; nothing was written" in result.stdout + result.stderr
    assert "DF104 from-as-casing" in result.stdout  # reported as it is
    assert "Traceback" not in result.stdout + result.stderr


def test_a_file_reached_by_two_paths_is_linted_and_fixed_once(tmp_path):
    build = tmp_path / "build"
    build.mkdir()
    (build / "Dockerfile").write_text("from debian:12\nENV A b\n")
    (tmp_path / "Dockerfile").symlink_to("build/Dockerfile")
    for number in range(9):  # enough files for the parallel path
        (tmp_path / f"svc{number}").mkdir()
        (tmp_path / f"svc{number}" / "Dockerfile").write_text("FROM debian:12\nENV A b\n")
    diff = dflint("--diff", ".", "Dockerfile", str(tmp_path / "build" / "Dockerfile"), cwd=tmp_path)
    assert diff.stdout.count("+++ ") == 10, diff.stdout  # the shared file once, by the first path that reached it
    assert "+++ b/Dockerfile" in diff.stdout and "+++ b/build/Dockerfile" not in diff.stdout
    result = dflint("--fix", ".", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "could not be" not in result.stdout + result.stderr
    assert (build / "Dockerfile").read_text() == "FROM debian:12\nENV A=b\n"
    assert "Fixed 11 problems" in result.stdout + result.stderr  # 1 in each svc file, 2 in the shared one


@pytest.mark.parametrize("args", [["Dockerfile"], ["--fix", "."], ["--diff", "./Dockerfile"]])
def test_output_naming_a_file_to_lint_is_refused(tmp_path, args):
    original = "FROM debian:12\nENV A b\n"
    (tmp_path / "Dockerfile").write_text(original)
    result = dflint("-o", "Dockerfile", *args, cwd=tmp_path)
    assert result.returncode == 2, result
    assert "--output Dockerfile is" in result.stderr and "the report would replace it" in result.stderr
    assert (tmp_path / "Dockerfile").read_text() == original


def test_diff_says_it_ignores_a_report_format(tmp_path):
    (tmp_path / "Dockerfile").write_text("FROM debian:12 as b\n")
    result = dflint("--diff", "--format", "json", "Dockerfile", cwd=tmp_path)
    assert result.returncode == 1 and result.stdout.startswith("--- a/Dockerfile")
    assert "warning: --diff writes a unified diff; --format json is ignored" in result.stderr
