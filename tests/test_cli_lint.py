"""The lint command through the real process: discovery, formats, exit codes, config, fixes."""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def dflint(*args, cwd=None, stdin=None, env=None):
    environment = {**os.environ, "NO_COLOR": "1", **(env or {})}
    return subprocess.run([sys.executable, "-m", "dflint", *args], cwd=cwd, input=stdin,
                          capture_output=True, text=True, timeout=120, env=environment)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


@pytest.fixture
def project(tmp_path):
    # These tests are about the command, not the catalogue: two image rules and syntax errors.
    write(tmp_path / ".dflint.toml", 'select = ["DF000", "DF001", "DF002"]\n')
    write(tmp_path / "Dockerfile", "FROM python\nRUN pip install --no-cache-dir flask\n")
    write(tmp_path / "services" / "api" / "Containerfile", "FROM node:22-alpine\nCMD [\"node\", \"a.js\"]\n")
    write(tmp_path / "services" / "api" / "Dockerfile.dev", "FROM node:latest\n")
    write(tmp_path / "docker" / "web.Dockerfile", "FROM nginx:1.27\n")
    write(tmp_path / "docker" / "README.md", "FROM python\n")
    write(tmp_path / "Dockerfile.dockerignore", "node_modules\n*.log\n")  # BuildKit's ignore file for Dockerfile
    write(tmp_path / "docker" / "web.Dockerfile.dockerignore", "*.md\n")
    write(tmp_path / "legacy" / "dockerfile", "FROM nginx:1.27\n")  # what `docker build legacy` reads
    write(tmp_path / ".git" / "Dockerfile", "FROM python\n")
    write(tmp_path / "node_modules" / "x" / "Dockerfile", "FROM python\n")
    return tmp_path


def test_directories_are_searched_for_every_dockerfile_name(project):
    result = dflint("--format", "json", ".", cwd=project)
    data = json.loads(result.stdout)
    paths = sorted(f["path"] for f in data["files"])
    assert paths == ["./Dockerfile", "./docker/web.Dockerfile", "./legacy/dockerfile", "./services/api/Containerfile",
                     "./services/api/Dockerfile.dev"]
    assert result.returncode == 1


def test_text_output_and_summary(project):
    result = dflint("Dockerfile", cwd=project)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Dockerfile:1:6: DF001 untagged-image image python has no tag")
    assert lines[-1].startswith("Found 1 problem (1 warning) in 1 of 1 file")


def test_clean_file_exits_0(project):
    result = dflint("docker/web.Dockerfile", cwd=project)
    assert result.returncode == 0, result.stdout
    assert "All checks passed" in result.stdout


def test_fail_level_decides_the_exit_code(project):
    assert dflint("--fail-level", "error", "Dockerfile", cwd=project).returncode == 0
    assert dflint("--fail-level", "warning", "Dockerfile", cwd=project).returncode == 1


def test_a_directory_without_dockerfiles_says_so(tmp_path):
    write(tmp_path / "src" / "app.py", "print()\n")
    result = dflint("src", cwd=tmp_path)
    assert result.returncode == 0
    assert "warning: no Dockerfile found in src" in result.stderr
    assert "no Dockerfile found" not in dflint(cwd=ROOT / "examples").stderr


def test_exit_zero_reports_without_failing_but_errors_still_exit_2(project):
    for flag in ("--exit-zero", "--no-fail"):  # the second is hadolint's name for it
        result = dflint(flag, "--format", "json", "Dockerfile", cwd=project)
        assert result.returncode == 0, result.stderr
        report = json.loads(result.stdout)
        assert report["files"][0]["diagnostics"] and report["summary"]["exit_code"] == 0
    assert dflint("--exit-zero", "Dockerfile", "missing/Dockerfile", cwd=project).returncode == 2
    write(project / "bad" / ".dflint.toml", 'selct = ["DF001"]\n')
    write(project / "bad" / "Dockerfile", "FROM python\n")
    result = dflint("--exit-zero", "bad/Dockerfile", cwd=project)
    assert result.returncode == 2 and "selct" in result.stderr


def test_select_ignore_by_code_name_prefix_and_alias(project):
    base = ["--format", "json", "services/api/Dockerfile.dev", "Dockerfile"]

    def codes(*extra):
        data = json.loads(dflint(*extra, *base, cwd=project).stdout)
        return sorted(d["code"] for f in data["files"] for d in f["diagnostics"])

    assert codes() == ["DF001", "DF002"]
    assert codes("--ignore", "DL3006") == ["DF002"]
    assert codes("--ignore", "latest-tag") == ["DF001"]
    assert codes("--select", "DF00") == ["DF001", "DF002"]
    assert "DF204" in codes("--extend-select", "pin-language-packages")
    assert codes("--select", "DF001,DF002", "--ignore", "DF0") == ["DF001", "DF002"]  # exact beats prefix
    assert codes("--select", "DF0", "--ignore", "DF00") == []  # the longer prefix wins
    assert codes("--select", "DF0", "--ignore", "DF002") == ["DF001"]  # exact beats prefix


def test_unknown_selector_is_a_usage_error_with_a_suggestion(project):
    result = dflint("--ignore", "untaged-image", "Dockerfile", cwd=project)
    assert result.returncode == 2
    assert "did you mean untagged-image?" in result.stderr
    assert "Traceback" not in result.stderr


def test_syntax_errors_are_findings_and_other_files_still_lint(tmp_path):
    write(tmp_path / "a" / "Dockerfile", "FROM python\nRUNN echo\n")
    write(tmp_path / "b" / "Dockerfile", "FROM node:latest\n")
    result = dflint("--format", "json", "a", "b", cwd=tmp_path)
    data = json.loads(result.stdout)
    found = {(f["path"], d["code"], d["start"]["line"]) for f in data["files"] for d in f["diagnostics"]}
    assert ("a/Dockerfile", "DF000", 2) in found and ("b/Dockerfile", "DF002", 1) in found
    message = next(d["message"] for f in data["files"] for d in f["diagnostics"] if d["code"] == "DF000")
    assert "unknown instruction: RUNN" in message and "did you mean RUN?" in message


def test_force_exclude_skips_excluded_files_even_when_named(tmp_path):
    write(tmp_path / ".dflint.toml", 'extend-exclude = ["vendor"]\n')
    write(tmp_path / "vendor" / "Dockerfile", "FROM python\n")
    write(tmp_path / "Dockerfile", "FROM python:3.12\n")
    named = dflint("--format", "json", "Dockerfile", "vendor/Dockerfile", cwd=tmp_path)
    assert [f["path"] for f in json.loads(named.stdout)["files"]] == ["Dockerfile", "vendor/Dockerfile"]
    forced = dflint("--force-exclude", "--format", "json", "Dockerfile", "vendor/Dockerfile", cwd=tmp_path)
    assert [f["path"] for f in json.loads(forced.stdout)["files"]] == ["Dockerfile"] and forced.returncode == 0
    only = dflint("--force-exclude", "vendor/Dockerfile", cwd=tmp_path)
    assert only.returncode == 0 and only.stderr == "", only.stderr
    stdin = dflint("--force-exclude", "-", "--stdin-filename", "vendor/Dockerfile", cwd=tmp_path, stdin="FROM python\n")
    assert stdin.returncode == 0 and "DF001" not in stdin.stdout
    fixed = dflint("--force-exclude", "--fix", "-", "--stdin-filename", "vendor/Dockerfile", cwd=tmp_path,
                   stdin="FROM python\n")
    assert fixed.returncode == 0 and fixed.stdout == "FROM python\n"  # an editor's buffer comes back whole


def test_stdin_with_filename_for_config_matching(tmp_path):
    write(tmp_path / "svc" / ".dflint.toml", 'ignore = ["untagged-image"]\n')
    result = dflint("-", "--stdin-filename", "svc/Dockerfile", cwd=tmp_path, stdin="FROM python\n")
    assert result.returncode == 0, result.stdout + result.stderr
    result = dflint("-", "--stdin-filename", "other/Dockerfile", cwd=tmp_path, stdin="FROM python\n")
    assert result.returncode == 1 and result.stdout.startswith("other/Dockerfile:1:6: DF001")


def test_missing_file_is_exit_2_and_others_are_still_reported(project):
    result = dflint("does-not-exist/Dockerfile", "Dockerfile", cwd=project)
    assert result.returncode == 2
    assert "cannot read does-not-exist/Dockerfile" in result.stdout
    assert "Dockerfile:1:6: DF001" in result.stdout


def test_output_file_and_formats(project, tmp_path):
    for fmt in ("json", "sarif", "github", "checkstyle", "gitlab", "text"):
        out = tmp_path / f"report.{fmt}"
        result = dflint("--format", fmt, "--output", str(out), "Dockerfile", cwd=project)
        assert result.returncode == 1 and result.stdout == ""
        assert "DF001" in out.read_text()


def test_statistics_of_a_machine_format_go_to_stderr(project):
    result = dflint("--statistics", "--format", "json", ".", cwd=project)
    assert json.loads(result.stdout)["files"]  # the report itself stays valid JSON
    counts = {line.split()[1]: int(line.split()[0]) for line in result.stderr.splitlines()}
    assert counts and counts == {code: n for code, n in counts.items() if code.startswith("DF")}
    assert sum(counts.values()) == json.loads(result.stdout)["summary"]["problems"]


def test_statistics(project):
    result = dflint("--statistics", ".", cwd=project)
    assert any(line.split()[:3] == ["1", "DF001", "untagged-image"] for line in result.stdout.splitlines())


def test_rules_and_rule_commands():
    listing = dflint("rules")
    assert listing.returncode == 0 and "DF001" in listing.stdout and "untagged-image" in listing.stdout
    data = json.loads(dflint("rules", "--format", "json").stdout)
    by_code = {r["code"]: r for r in data["rules"]}
    assert by_code["DF001"]["aliases"] == ["DL3006"]
    assert set(by_code["DF001"]["docs"]) >= {"What it does", "Why is this bad?", "Example", "Use instead"}
    doc = dflint("rule", "DL3006")
    assert doc.returncode == 0 and doc.stdout.startswith("# DF001 untagged-image")
    missing = dflint("rule", "untaged-image")
    assert missing.returncode == 2 and "did you mean untagged-image?" in missing.stderr
    shared = dflint("rule", "DS002")  # an alias of two rules shows both
    assert shared.returncode == 0 and shared.stdout.startswith("DS002 is an alias of 2 rules: root-user (DF501)")
    assert "# DF501 root-user" in shared.stdout and "# DF502 no-user" in shared.stdout
    row = next(line for line in listing.stdout.splitlines() if line.startswith("DF003"))
    assert "DL3009" in row  # partial aliases are listed too: hadolint codes can be looked up


def test_colour_only_when_asked(project):
    plain = dflint("Dockerfile", cwd=project)
    assert "\x1b[" not in plain.stdout
    coloured = dflint("--color", "Dockerfile", cwd=project, env={"NO_COLOR": ""})
    assert "\x1b[" in coloured.stdout
    assert "\x1b[" not in dflint("--color", "--no-color", "Dockerfile", cwd=project).stdout


def test_version():
    result = dflint("--version")
    assert result.returncode == 0 and result.stdout.startswith("dflint ")


def test_files_are_never_changed_without_fix(project):
    before = {p: p.read_bytes() for p in project.rglob("*") if p.is_file()}
    dflint(".", cwd=project)
    assert before == {p: p.read_bytes() for p in project.rglob("*") if p.is_file()}


def test_a_fix_that_leaves_its_finding_is_not_applied_again_and_again(tmp_path):
    # root-user appends `USER app` after the last instruction, here an unterminated heredoc: the line
    # joins the heredoc's body and the finding stays. Applied once a round, it was written ten times.
    text = "FROM debian:12\nRUN useradd app\nUSER app\nUSER root\nRUN <<EOF\necho unterminated\n"
    path = write(tmp_path / "Dockerfile", text)
    for _ in range(2):
        result = dflint("--fix", "--unsafe-fixes", "--select", "DF501", "Dockerfile", cwd=tmp_path)
        assert result.returncode == 1 and "DF501 root-user" in result.stdout
        assert "fixable" not in result.stdout  # a fix that changes nothing is not offered either
        assert path.read_text() == text


def test_many_files_in_parallel_give_the_same_result(tmp_path):
    for index in range(24):
        write(tmp_path / f"s{index:02d}" / "Dockerfile", "FROM python\n" if index % 2 else "FROM python:3.12\n")
    serial = json.loads(dflint("--format", "json", "--jobs", "1", ".", cwd=tmp_path).stdout)
    parallel = json.loads(dflint("--format", "json", "--jobs", "2", ".", cwd=tmp_path).stdout)
    assert serial["files"] == parallel["files"] and len(serial["files"]) == 24


def test_the_command_exits_fast_but_runs_exit_handlers_and_flushes(tmp_path):
    # run() skips interpreter teardown with os._exit: exit handlers, output and exit code must survive.
    write(tmp_path / "Dockerfile", "FROM python\n")
    script = ("import atexit, sys\n"
              "atexit.register(lambda: sys.stderr.write('handler ran\\n'))\n"
              "sys.argv = ['dflint', '--select', 'DF001', 'Dockerfile']\n"
              "from dflint.cli import run\n"
              "run()\n")
    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True,
                          timeout=120, env={**os.environ, "NO_COLOR": "1"})
    assert done.returncode == 1
    assert "Dockerfile:1:6: DF001 untagged-image" in done.stdout
    assert done.stdout.rstrip().endswith("1 of 1 file.") or "Found 1 problem" in done.stdout
    assert done.stderr == "handler ran\n"


@pytest.mark.parametrize("columns", [60, 100])
def test_help_is_wrapped_to_the_terminal_width(columns):
    # The help formatter sizes itself without shutil; COLUMNS still rules, as in argparse.
    done = dflint("--help", env={"COLUMNS": str(columns)})
    assert done.returncode == 0
    lines = done.stdout.splitlines()
    # Only a usage token argparse cannot break ([--format {text,...}]) may stick out, as in argparse.
    assert [line for line in lines if len(line) > columns and not line.strip().startswith("[")] == []
    assert max(len(line) for line in lines if not line.strip().startswith("[")) > columns - 15


def test_the_collector_is_paused_for_start_up_only(project, monkeypatch, capsys):
    # main() pauses the cyclic collector from its first line until the rules are loaded (start-up makes
    # long-lived objects and no garbage); whatever runs after load_rules(), an editor session included,
    # runs with the collector on, and every command leaves it as it found it.
    import gc

    from dflint import cli

    seen = {}

    def probe(argv):
        seen["before"] = gc.isenabled()
        cli.load_rules()
        seen["after"] = gc.isenabled()
        return 0

    monkeypatch.setitem(cli.COMMANDS, "probe", probe)
    assert gc.isenabled()
    assert cli.main(["probe"]) == 0
    assert seen == {"before": False, "after": True}
    for argv in (["probe"], ["--format", "json", str(project / "Dockerfile")], ["rules"], ["rule", "DF001"],
                 ["ast", str(project / "Dockerfile")], ["--no-such-flag"]):
        cli.main(argv)
        assert gc.isenabled() and not gc.get_freeze_count(), argv
    gc.disable()  # a caller's own pause is left alone
    try:
        cli.main(["probe"])
        assert seen == {"before": False, "after": False} and not gc.isenabled()
    finally:
        gc.enable()
    capsys.readouterr()


FIXABLE = "FROM alpine:3.20\nMAINTAINER someone\nRUN apk add curl\nrun echo hi"  # no newline at the end


def test_fix_rewrites_the_file_and_reports_what_is_left(tmp_path):
    path = tmp_path / "Dockerfile"
    path.write_text(FIXABLE)
    result = dflint("--fix", "--select", "DF003,DF601,DF801", "Dockerfile", cwd=tmp_path)
    assert path.read_text() == "FROM alpine:3.20\nMAINTAINER someone\nRUN apk add --no-cache curl\nRUN echo hi"
    assert "DF601" in result.stdout and "DF003" not in result.stdout  # the unsafe fix is left for --unsafe-fixes
    assert result.returncode == 1
    assert [p.name for p in tmp_path.iterdir()] == ["Dockerfile"]  # no temporary file left behind


def test_fix_on_stdin_writes_the_fixed_file_to_stdout_and_the_report_to_stderr(tmp_path):
    result = dflint("--fix", "--select", "DF003,DF601", "-", cwd=tmp_path, stdin=FIXABLE)
    assert result.stdout == "FROM alpine:3.20\nMAINTAINER someone\nRUN apk add --no-cache curl\nrun echo hi"
    assert "DF601 maintainer-deprecated" in result.stderr
    clean = dflint("--fix", "-", cwd=tmp_path, stdin="FROM alpine:3.20\n")
    assert (clean.stdout, clean.returncode) == ("FROM alpine:3.20\n", 0)  # nothing to fix: the text as it came


def test_fixed_counts_the_problems_that_went_away_not_the_fixes(tmp_path):
    """One raised syntax pin serves two findings (a heredoc and ADD --checksum the pinned syntax
    lacks), and merged RUNs make a finding about the split moot: the count is of what the user
    sees go away, with the number of fixes when that differs."""
    text = ("# syntax=docker/dockerfile:1.2\nFROM debian:12-slim\nRUN <<EOT\necho hi > /etc/motd\nEOT\n"
            f"ADD --checksum=sha256:{'ab' * 32} https://example.com/t.tgz /tmp/t.tgz\nUSER 1000\n")
    path = tmp_path / "Dockerfile"
    path.write_text(text)
    before = json.loads(dflint("--format", "json", "Dockerfile", cwd=tmp_path).stdout)["summary"]
    result = json.loads(dflint("--fix", "--unsafe-fixes", "--format", "json", "Dockerfile", cwd=tmp_path).stdout)
    assert (result["summary"]["fixed"], result["summary"]["problems_fixed"]) == (1, 2)
    assert before["problems"] - result["summary"]["problems"] == 2
    path.write_text(text)
    assert "Fixed 2 problems with 1 fix." in dflint("--fix", "--unsafe-fixes", "Dockerfile", cwd=tmp_path).stdout

    path.write_text("FROM debian:12\nRUN apt-get update\nRUN apt-get install -y curl\n")
    merged = dflint("--fix", "--unsafe-fixes", "Dockerfile", cwd=tmp_path)
    assert "Fixed 4 problems with 3 fixes." in merged.stdout  # update-without-install had no fix of its own
    assert "All checks passed" in merged.stdout


def test_diff_shows_what_fix_would_do_and_changes_nothing(tmp_path):
    path = tmp_path / "Dockerfile"
    path.write_text(FIXABLE)
    result = dflint("--diff", "--unsafe-fixes", "Dockerfile", cwd=tmp_path)
    assert path.read_text() == FIXABLE
    assert result.returncode == 1
    assert result.stdout.startswith("--- a/Dockerfile\n+++ b/Dockerfile\n@@ -1,4 +1,4 @@\n FROM alpine:3.20\n")
    assert "-MAINTAINER someone\n" in result.stdout
    assert "+LABEL org.opencontainers.image.authors=\"someone\"\n" in result.stdout
    assert result.stdout.count("\\ No newline at end of file\n") == 2
    # MAINTAINER, apk, then the merged RUNs, which also take the lower-case `run` away
    assert result.stderr.startswith("Would fix 4 problems with 3 fixes in 1 file")

    # The diff is exactly what --fix writes: applied with git, it gives the same bytes.
    fixed = tmp_path / "fixed" / "Dockerfile"
    fixed.parent.mkdir()
    fixed.write_text(FIXABLE)
    dflint("--fix", "--unsafe-fixes", "Dockerfile", cwd=fixed.parent)
    (tmp_path / "change.diff").write_text(result.stdout)
    subprocess.run(["git", "apply", "change.diff"], cwd=tmp_path, check=True, capture_output=True)
    assert path.read_bytes() == fixed.read_bytes()


def test_diff_exit_codes_and_output_file(tmp_path):
    write(tmp_path / "Dockerfile", "FROM alpine:3.20\nCMD [\"sh\"]\n")
    clean = dflint("--diff", "Dockerfile", cwd=tmp_path)
    assert (clean.returncode, clean.stdout, clean.stderr) == (0, "", "No fixes to apply\n")
    write(tmp_path / "b" / "Dockerfile", "FROM alpine:3.20\nRUN apk add curl\n")
    result = dflint("--diff", "--output", "out.diff", ".", cwd=tmp_path)
    assert result.returncode == 1 and result.stdout == ""
    assert (tmp_path / "out.diff").read_text().startswith("--- a/b/Dockerfile\n")
    assert dflint("--diff", "--exit-zero", ".", cwd=tmp_path).returncode == 0
    assert dflint("--diff", "missing/Dockerfile", cwd=tmp_path).returncode == 2


@pytest.mark.parametrize("value, message", [("-3", "expected 0 (one per core) or more, got -3"),
                                            ("two", "expected a number of processes, got 'two'")])
def test_a_bad_job_count_is_a_usage_error(tmp_path, value, message):
    write(tmp_path / "Dockerfile", "FROM alpine:3.20\n")
    result = dflint("--jobs", value, "Dockerfile", cwd=tmp_path)
    assert result.returncode == 2 and message in result.stderr


def test_a_file_that_does_not_parse_fails_whatever_the_selection(tmp_path):
    # docker build rejects it: a selection, an ignore or a pragma leaving syntax-error out must not make it pass.
    bad = write(tmp_path / "Dockerfile", "FROM ubuntu:22.04\nRUNN echo hi\n")
    pragma = write(tmp_path / "b.Dockerfile", "# dflint: global ignore=syntax-error,DL3061\nFROM ubuntu:22.04\nRUNN x\n")
    for args in (["--select", "DF001"], ["--select", "DL3006"], ["--ignore", "DF000,DL3061"], []):
        result = dflint(*args, "--format", "json", str(bad), str(pragma))
        assert result.returncode == 1, (args, result.stderr)
        codes = [d["code"] for f in json.loads(result.stdout)["files"] for d in f["diagnostics"]]
        assert codes.count("DF000") == 2, (args, codes)
    unused = dflint("--select", "unused-suppression", str(pragma))
    assert "'syntax-error' cannot be suppressed" in unused.stdout


def test_an_empty_selection_is_a_usage_error(tmp_path):
    path = write(tmp_path / "Dockerfile", "FROM ubuntu:22.04\n")
    result = dflint("--select", "", str(path))
    assert result.returncode == 2 and "--select needs at least one rule selector" in result.stderr


def test_a_prefix_does_not_turn_on_opt_in_rules(tmp_path):
    path = write(tmp_path / "Dockerfile", "FROM ubuntu:22.04\nRUN echo hi\n")
    codes = lambda result: sorted({d["code"] for f in json.loads(result.stdout)["files"] for d in f["diagnostics"]})
    assert codes(dflint("--select", "DF5,DF1,DF7", "--format", "json", str(path))) == []
    assert codes(dflint("--select", "DF502,digest-pinning", "--format", "json", str(path))) == ["DF107", "DF502"]
    assert "DF706" in codes(dflint("--select", "ALL", "--format", "json", str(path)))


def test_stdin_filename_reads_stdin_without_paths_and_needs_the_dash_with_them(tmp_path):
    text = "FROM ubuntu\n"
    result = dflint("--stdin-filename", "svc/Dockerfile", stdin=text, cwd=tmp_path)
    assert result.returncode == 1 and result.stdout.startswith("svc/Dockerfile:1:6: DF001")
    write(tmp_path / "Dockerfile", text)
    result = dflint("--stdin-filename", "svc/Dockerfile", "Dockerfile", stdin=text, cwd=tmp_path)
    assert result.returncode == 2 and "add - to the paths" in result.stderr


def test_a_command_line_select_wins_over_the_configuration_ignore(tmp_path):
    write(tmp_path / ".dflint.toml", 'ignore = ["DF001"]\n')
    path = write(tmp_path / "Dockerfile", "FROM ubuntu\n")
    result = dflint("--select", "DF001", str(path), cwd=tmp_path)
    assert result.returncode == 1 and "DF001 untagged-image" in result.stdout


def test_check_error_true_fails_like_docker_build(tmp_path):
    # Rails 8's Dockerfile carries `# check=error=true`: `docker build` fails on FromAsCasing, so must dflint.
    write(tmp_path / "Dockerfile", "# syntax=docker/dockerfile:1\n# check=error=true\nFROM python:3.12-slim as base\n")
    result = dflint("--select", "DF104", "Dockerfile", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout.splitlines()[0] == (
        "Dockerfile:3:23: DF104 from-as-casing 'as' and 'FROM' are cased differently: write FROM ... AS "
        "(an error here: `error=true` in the `# check=` directive on line 2 makes `docker build` fail on it)")
    data = json.loads(dflint("--select", "DF104", "--format", "json", "Dockerfile", cwd=tmp_path).stdout)
    assert [d["severity"] for d in data["files"][0]["diagnostics"]] == ["error"]
    write(tmp_path / "Dockerfile", "# check=error=false\nFROM python:3.12-slim as base\n")
    assert dflint("--select", "DF104", "Dockerfile", cwd=tmp_path).returncode == 0


def test_check_experimental_runs_the_rule_unless_the_user_ignores_it(tmp_path):
    write(tmp_path / ".dflint.toml", 'select = ["DF001"]\n')
    write(tmp_path / "Dockerfile", "# check=experimental=all\n# The Go version\nARG GO=1.22\nFROM golang:${GO}\n")
    result = dflint("Dockerfile", cwd=tmp_path)
    assert "DF808 invalid-definition-description" in result.stdout
    assert dflint("--ignore", "InvalidDefinitionDescription", "Dockerfile", cwd=tmp_path).returncode == 0
    write(tmp_path / ".dflint.toml", 'select = ["DF001"]\nignore = ["DF808"]\n')
    result = dflint("Dockerfile", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (0, "All checks passed (1 file).\n")
    write(tmp_path / ".dflint.toml", 'select = ["DF001"]\n[per-file-ignores]\n"Dockerfile" = ["DF8"]\n')
    result = dflint("Dockerfile", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (0, "All checks passed (1 file).\n")


def test_invalid_image_reference_shows_an_undecodable_byte_as_xNN(tmp_path):
    (tmp_path / "Dockerfile").write_bytes(b"FROM ubuntu\xe9\n")
    result = dflint("--select", "DF106", "Dockerfile", cwd=tmp_path)
    assert result.stdout.splitlines()[0] == ("Dockerfile:1:6: DF106 invalid-image-reference invalid image reference: "
                                             "invalid reference format: 'ubuntu\\xe9'")


@pytest.mark.parametrize("table, key, value, least", [
    ("consecutive-run", "max-commands", "-5", 1), ("consecutive-run", "max-commands", "0", 1),
    ("useradd-high-uid", "max-uid", "-1", 0),
])
def test_an_option_below_its_minimum_is_a_configuration_error(tmp_path, table, key, value, least):
    write(tmp_path / ".dflint.toml", f'select = ["DF006"]\n\n[rules.{table}]\n{key} = {value}\n')
    write(tmp_path / "Dockerfile", "FROM alpine:3.20\nRUN a\nRUN b\n")
    result = dflint("Dockerfile", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().endswith(f".dflint.toml:4: option '{key}' of rule {table}: "
                                          f"expected integer of at least {least}, got {value}")
    assert result.stdout == ""


def test_an_option_at_its_minimum_is_accepted(tmp_path):
    write(tmp_path / ".dflint.toml", 'select = ["DF006"]\n\n[rules.consecutive-run]\nmax-commands = 1\n')
    write(tmp_path / "Dockerfile", "FROM alpine:3.20\nRUN a\nRUN b\n")
    result = dflint("Dockerfile", cwd=tmp_path)
    assert result.returncode == 1 and "DF006 consecutive-run" in result.stdout
