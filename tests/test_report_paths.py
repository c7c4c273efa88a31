"""Paths in the CI formats (sarif, github, gitlab) are relative to the repository root.

A job that runs ``cd services/api && dflint .`` (``working-directory:``, a
monorepo job) must still report ``services/api/Dockerfile``, or GitHub cannot
place the alert or annotation and GitLab cannot show the issue in the diff.
The root is the platform's checkout directory (GITHUB_WORKSPACE, CI_PROJECT_DIR)
when the file lies under it, else the nearest directory holding ``.git``, else
none (paths relative to the working directory, as before). Most tests run the
real command from a subdirectory of a temporary git-like tree.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from dflint.diagnostic import Diagnostic, Severity
from dflint.linter import FileResult
from dflint.reporters import Summary, get_reporter, repo_root
from dflint.reporters.repo_root import RepositoryPaths
from dflint.selection import RuleSet
from dflint.source import LineIndex

try:  # tests/ is not a package; pytest puts it on sys.path
    from . import test_reporters
except ImportError:
    import test_reporters  # type: ignore[no-redef]



class _VersionOnly:
    """Stands in for the schema validator where the official schema is not beside the repository
    (a fresh clone in CI): the path checks of these tests still run; schema validity itself is
    test_reporters' test, which is skipped there."""

    def validate(self, document: dict) -> None:
        assert document["version"] == "2.1.0" and document["runs"]


@pytest.fixture(scope="module")
def sarif_validator():
    if not test_reporters.SARIF_SCHEMA.is_file():
        return _VersionOnly()
    schema = json.loads(test_reporters.SARIF_SCHEMA.read_text(encoding="utf-8"))
    import jsonschema

    return jsonschema.validators.validator_for(schema)(schema)


PLATFORM_VARIABLES = ("GITHUB_WORKSPACE", "CI_PROJECT_DIR")
CI_FORMATS = ("sarif", "github", "gitlab")


def dflint(*args, cwd, env=None, stdin=None):
    environment = {k: v for k, v in os.environ.items() if k not in PLATFORM_VARIABLES}
    environment.update({"NO_COLOR": "1", **(env or {})})
    return subprocess.run([sys.executable, "-m", "dflint", *args], cwd=cwd, input=stdin,
                          capture_output=True, text=True, timeout=120, env=environment)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


def make_repo(top: Path, git: bool = True) -> Path:
    """A repository as CI checks it out: a root Dockerfile and one in a service's directory."""
    if git:
        (top / ".git").mkdir(parents=True)
        (top / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    write(top / ".dflint.toml", 'select = ["DF001"]\n')  # one rule: short, predictable reports
    write(top / "Dockerfile", "FROM python\n")
    write(top / "services" / "api" / "Dockerfile", "FROM node\n")
    return top


@pytest.fixture(autouse=True)
def config(tmp_path):
    """DF001 only, for files outside the repositories too."""
    write(tmp_path / ".dflint.toml", 'select = ["DF001"]\n')


@pytest.fixture
def repo(tmp_path):
    return make_repo(tmp_path / "repo")


@pytest.fixture
def api(repo):
    return repo / "services" / "api"


# -- parsing the three CI formats ------------------------------------------------------
def sarif_locations(text: str) -> list[dict]:
    run = json.loads(text)["runs"][0]
    return [r["locations"][0]["physicalLocation"]["artifactLocation"] for r in run["results"]]


def sarif_root(text: str) -> str:
    return json.loads(text)["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"]


def github_files(text: str) -> list[str]:
    return [line.split("file=", 1)[1].split(",", 1)[0] for line in text.splitlines() if "file=" in line]


def gitlab_paths(text: str) -> list[str]:
    return [issue["location"]["path"] for issue in json.loads(text)]


def gitlab_fingerprints(text: str) -> dict[str, str]:
    return {issue["location"]["path"]: issue["fingerprint"] for issue in json.loads(text)}


def uri(directory: Path) -> str:
    return directory.as_uri() + "/"


# -- from a subdirectory: the repository's paths ------------------------------------------
def test_sarif_from_a_subdirectory_has_repository_uris_and_validates(api, repo, sarif_validator):
    result = dflint("--format", "sarif", ".", cwd=api)
    assert result.returncode == 1, result.stderr
    sarif_validator.validate(json.loads(result.stdout))
    assert sarif_locations(result.stdout) == [{"uri": "services/api/Dockerfile", "uriBaseId": "%SRCROOT%"}]
    assert sarif_root(result.stdout) == uri(repo)


def test_github_annotations_from_a_subdirectory_use_repository_paths(api):
    result = dflint("--format", "github", ".", cwd=api)
    assert result.returncode == 1, result.stderr
    assert github_files(result.stdout) == ["services/api/Dockerfile"]
    assert result.stdout.startswith("::warning file=services/api/Dockerfile,line=1,")


def test_gitlab_paths_from_a_subdirectory_are_repository_paths(api):
    result = dflint("--format", "gitlab", ".", cwd=api)
    assert result.returncode == 1, result.stderr
    assert gitlab_paths(result.stdout) == ["services/api/Dockerfile"]


def test_paths_given_from_outside_the_repository_are_repository_paths(repo, tmp_path):
    # `dflint /abs/checkout/Dockerfile` from elsewhere: the file's own repository decides.
    for fmt, read in (("github", github_files), ("gitlab", gitlab_paths)):
        result = dflint("--format", fmt, str(repo / "services" / "api" / "Dockerfile"), cwd=tmp_path)
        assert read(result.stdout) == ["services/api/Dockerfile"], fmt
    result = dflint("--format", "sarif", "repo", cwd=tmp_path)
    assert sarif_root(result.stdout) == uri(repo)
    assert [loc["uri"] for loc in sarif_locations(result.stdout)] == ["Dockerfile", "services/api/Dockerfile"]


def test_human_and_editor_formats_keep_the_paths_as_given(api):
    text = dflint(".", cwd=api).stdout
    assert text.startswith("./Dockerfile:1:6: DF001")
    data = json.loads(dflint("--format", "json", ".", cwd=api).stdout)
    assert [f["path"] for f in data["files"]] == ["./Dockerfile"]
    checkstyle = dflint("--format", "checkstyle", ".", cwd=api).stdout
    assert '<file name="./Dockerfile">' in checkstyle


# -- GitLab fingerprints --------------------------------------------------------------------
def test_gitlab_fingerprints_do_not_depend_on_where_dflint_runs(repo, api, tmp_path):
    from_root = gitlab_fingerprints(dflint("--format", "gitlab", ".", cwd=repo).stdout)
    assert sorted(from_root) == ["Dockerfile", "services/api/Dockerfile"]
    from_subdirectory = gitlab_fingerprints(dflint("--format", "gitlab", ".", cwd=api).stdout)
    assert from_subdirectory == {"services/api/Dockerfile": from_root["services/api/Dockerfile"]}
    named = gitlab_fingerprints(dflint("--format", "gitlab", "Dockerfile", "../../Dockerfile", cwd=api).stdout)
    assert named == from_root
    # Another pipeline clones the project elsewhere (another runner, another CI_PROJECT_DIR).
    clone = tmp_path / "builds" / "0" / "group" / "project"
    shutil.copytree(repo, clone)
    elsewhere = dflint("--format", "gitlab", ".", cwd=clone / "services",
                       env={"CI_PROJECT_DIR": str(clone)}).stdout
    assert gitlab_fingerprints(elsewhere) == {"services/api/Dockerfile": from_root["services/api/Dockerfile"]}


# -- the platform's variable ------------------------------------------------------------------
def test_the_platform_variable_is_the_root_without_a_git_directory(tmp_path):
    # actions/checkout downloads a tarball when git is missing: no .git, only GITHUB_WORKSPACE.
    workspace = make_repo(tmp_path / "work" / "project", git=False)
    api = workspace / "services" / "api"
    github = dflint("--format", "github", ".", cwd=api, env={"GITHUB_WORKSPACE": str(workspace)})
    assert github_files(github.stdout) == ["services/api/Dockerfile"]
    sarif = dflint("--format", "sarif", ".", cwd=api, env={"GITHUB_WORKSPACE": str(workspace)})
    assert sarif_root(sarif.stdout) == uri(workspace)
    assert sarif_locations(sarif.stdout) == [{"uri": "services/api/Dockerfile", "uriBaseId": "%SRCROOT%"}]
    gitlab = dflint("--format", "gitlab", ".", cwd=api, env={"CI_PROJECT_DIR": str(workspace)})
    assert gitlab_paths(gitlab.stdout) == ["services/api/Dockerfile"]


def test_each_format_reads_only_its_own_platform_variable(tmp_path):
    workspace = make_repo(tmp_path / "project", git=False)
    api = workspace / "services" / "api"
    github = dflint("--format", "github", ".", cwd=api, env={"CI_PROJECT_DIR": str(workspace)})
    assert github_files(github.stdout) == ["Dockerfile"]  # no .git, no GITHUB_WORKSPACE: as before
    gitlab = dflint("--format", "gitlab", ".", cwd=api, env={"GITHUB_WORKSPACE": str(workspace)})
    assert gitlab_paths(gitlab.stdout) == ["Dockerfile"]


def test_the_platform_variable_wins_over_a_nested_repository(repo, api):
    # A submodule or a vendored clone inside the checkout: paths stay the checkout's, so an issue in
    # services/api/Dockerfile is never shown on the top-level Dockerfile.
    (api / ".git").write_text("gitdir: ../../.git/modules/api\n")
    without = dflint("--format", "github", ".", cwd=api)
    assert github_files(without.stdout) == ["Dockerfile"]  # locally: the nearest repository, the submodule
    for name, fmt, read in (("GITHUB_WORKSPACE", "github", github_files), ("GITHUB_WORKSPACE", "sarif", None),
                            ("CI_PROJECT_DIR", "gitlab", gitlab_paths)):
        result = dflint("--format", fmt, ".", cwd=api, env={name: str(repo)})
        found = [loc["uri"] for loc in sarif_locations(result.stdout)] if read is None else read(result.stdout)
        assert found == ["services/api/Dockerfile"], fmt


def test_a_checkout_into_a_subdirectory_of_the_workspace_is_the_root(tmp_path):
    # actions/checkout with `path: app`: the workspace holds no .git, its subdirectory does.
    workspace = tmp_path / "work"
    app = make_repo(workspace / "app")
    write(workspace / "tools" / "Dockerfile", "FROM alpine\n")  # in no repository: the workspace's path
    result = dflint("--format", "github", "app", "tools", cwd=workspace, env={"GITHUB_WORKSPACE": str(workspace)})
    assert github_files(result.stdout) == ["Dockerfile", "services/api/Dockerfile", "tools/Dockerfile"]
    sarif = dflint("--format", "sarif", ".", cwd=app / "services", env={"GITHUB_WORKSPACE": str(workspace)})
    assert sarif_root(sarif.stdout) == uri(app)


def test_files_outside_the_platform_directory_fall_back_to_git(repo, api, tmp_path):
    elsewhere = tmp_path / "ci-workspace"
    elsewhere.mkdir()
    result = dflint("--format", "github", ".", cwd=api, env={"GITHUB_WORKSPACE": str(elsewhere)})
    assert github_files(result.stdout) == ["services/api/Dockerfile"]


def test_a_relative_or_symlinked_platform_variable_still_matches(tmp_path):
    repo = make_repo(tmp_path / "project", git=False)  # only the variable can find the root
    api = repo / "services" / "api"
    link = tmp_path / "link"
    link.symlink_to(repo, target_is_directory=True)
    for value in (str(link), "../.."):
        result = dflint("--format", "gitlab", ".", cwd=api, env={"CI_PROJECT_DIR": value})
        assert gitlab_paths(result.stdout) == ["services/api/Dockerfile"], value


# -- no repository: as before ---------------------------------------------------------------------
def test_without_git_or_variable_paths_stay_relative_to_the_working_directory(tmp_path, sarif_validator):
    plain = make_repo(tmp_path / "plain", git=False)
    api = plain / "services" / "api"
    write(tmp_path / "other" / "Dockerfile", "FROM debian\n")
    github = dflint("--format", "github", ".", "../../../other/Dockerfile", cwd=api)
    assert github_files(github.stdout) == ["../../../other/Dockerfile", "Dockerfile"]
    gitlab = dflint("--format", "gitlab", ".", cwd=api)
    assert gitlab_paths(gitlab.stdout) == ["Dockerfile"]
    sarif = dflint("--format", "sarif", ".", "../../../other/Dockerfile", cwd=api)
    sarif_validator.validate(json.loads(sarif.stdout))
    assert sarif_root(sarif.stdout) == uri(api)
    assert sarif_locations(sarif.stdout) == [
        {"uri": (tmp_path / "other" / "Dockerfile").as_uri()},  # outside the root: absolute, no base
        {"uri": "Dockerfile", "uriBaseId": "%SRCROOT%"},
    ]


# -- standard input -----------------------------------------------------------------------------------
def test_stdin_without_a_name_is_dash(api, sarif_validator):
    for fmt, read in (("github", github_files), ("gitlab", gitlab_paths)):
        result = dflint("--format", fmt, "-", cwd=api, stdin="FROM node\n")
        assert result.returncode == 1, result.stderr
        assert read(result.stdout) == ["-"], fmt
    sarif = dflint("--format", "sarif", "-", cwd=api, stdin="FROM node\n")
    sarif_validator.validate(json.loads(sarif.stdout))
    assert sarif_locations(sarif.stdout) == [{"uri": "-", "uriBaseId": "%SRCROOT%"}]


def test_stdin_filename_is_mapped_like_a_file(api, repo, sarif_validator):
    for cwd, name in ((api, "Dockerfile"), (repo, "services/api/Dockerfile"), (api, str(api / "Dockerfile"))):
        github = dflint("--format", "github", "-", "--stdin-filename", name, cwd=cwd, stdin="FROM node\n")
        assert github_files(github.stdout) == ["services/api/Dockerfile"], (cwd, name)
        gitlab = dflint("--format", "gitlab", "-", "--stdin-filename", name, cwd=cwd, stdin="FROM node\n")
        assert gitlab_paths(gitlab.stdout) == ["services/api/Dockerfile"], (cwd, name)
    sarif = dflint("--format", "sarif", "-", "--stdin-filename", "Dockerfile", cwd=api, stdin="FROM node\n")
    sarif_validator.validate(json.loads(sarif.stdout))
    assert sarif_locations(sarif.stdout) == [{"uri": "services/api/Dockerfile", "uriBaseId": "%SRCROOT%"}]
    # A name for a file that does not exist, in a directory that does not either.
    ghost = dflint("--format", "gitlab", "-", "--stdin-filename", "new/dir/Dockerfile", cwd=api, stdin="FROM node\n")
    assert gitlab_paths(ghost.stdout) == ["services/api/new/dir/Dockerfile"]


# -- odd repositories and names ----------------------------------------------------------------------
def test_a_git_file_marks_a_worktree_root(tmp_path):
    worktree = make_repo(tmp_path / "wt", git=False)
    (worktree / ".git").write_text("gitdir: /elsewhere/.git/worktrees/wt\n")
    result = dflint("--format", "github", ".", cwd=worktree / "services" / "api")
    assert github_files(result.stdout) == ["services/api/Dockerfile"]


@pytest.mark.skipif(sys.platform == "win32" or sys.platform == "darwin",
                    reason="needs a file system that takes any bytes in a name")
def test_names_that_are_not_utf8(api, sarif_validator):
    name = os.fsdecode(b"Dockerfile.caf\xe9")
    (api / name).write_text("FROM node\n")
    for fmt in CI_FORMATS:
        result = dflint("--format", fmt, ".", cwd=api)
        assert result.returncode == 1, (fmt, result.stderr)
        assert "services/api/Dockerfile" in result.stdout, fmt
    sarif = dflint("--format", "sarif", ".", cwd=api)
    sarif_validator.validate(json.loads(sarif.stdout))
    assert {"uri": "services/api/Dockerfile.caf%E9", "uriBaseId": "%SRCROOT%"} in sarif_locations(sarif.stdout)


def test_symlinked_directory_into_the_repository(repo, tmp_path):
    (tmp_path / "shortcut").symlink_to(repo / "services", target_is_directory=True)
    result = dflint("--format", "gitlab", "shortcut/api/Dockerfile", cwd=tmp_path)
    assert gitlab_paths(result.stdout) == ["services/api/Dockerfile"]


# -- through the API ----------------------------------------------------------------------------------
RULES = RuleSet([])


def diagnostic(path: str) -> Diagnostic:
    text = "FROM node\n"
    return Diagnostic(path, "DF001", "untagged-image", Severity.WARNING, "no tag",
                      LineIndex(text).span(5, 9))


def render(name: str, paths: list[str], cwd: Path, environ: dict) -> str:
    stream = io.StringIO()
    reporter = get_reporter(name)(stream, rules=RULES, root=str(cwd), environ=environ)
    results = [FileResult(p, [diagnostic(p)]) for p in paths]
    reporter.report(results, Summary(len(results), 0, Severity.INFO, 1))
    return stream.getvalue()


def test_api_environ_is_read_from_the_reporter_not_the_process(repo, api, monkeypatch):
    monkeypatch.setenv("GITHUB_WORKSPACE", str(api))  # would make paths "Dockerfile"
    assert github_files(render("github", ["Dockerfile"], api, {})) == ["services/api/Dockerfile"]
    assert github_files(render("github", ["Dockerfile"], api, dict(os.environ))) == ["Dockerfile"]


def test_api_sarif_over_two_repositories(tmp_path, sarif_validator):
    first, second = make_repo(tmp_path / "one"), make_repo(tmp_path / "two")
    paths = ["one/Dockerfile", "one/services/api/Dockerfile", "two/Dockerfile"]
    text = render("sarif", paths, tmp_path, {})
    sarif_validator.validate(json.loads(text))
    assert sarif_root(text) == uri(first)  # the repository most files are in
    assert sarif_locations(text) == [
        {"uri": "Dockerfile", "uriBaseId": "%SRCROOT%"},
        {"uri": "services/api/Dockerfile", "uriBaseId": "%SRCROOT%"},
        {"uri": (second / "Dockerfile").as_uri()},
    ]
    # The other formats need no common root: each file gets its own repository's path.
    assert github_files(render("github", paths, tmp_path, {})) == ["Dockerfile", "services/api/Dockerfile",
                                                                      "Dockerfile"]


def test_api_sarif_of_a_clean_run_names_the_repository(api, repo, sarif_validator):
    stream = io.StringIO()
    get_reporter("sarif")(stream, rules=RULES, root=str(api), environ={}).report([], Summary(0, 0, Severity.INFO, 0))
    sarif_validator.validate(json.loads(stream.getvalue()))
    assert sarif_root(stream.getvalue()) == uri(repo)


@pytest.mark.parametrize("odd", [
    "-", "", ".", "/", "a\x00b/Dockerfile", "C:\\work\\repo\\Dockerfile", "\\\\server\\share\\Dockerfile",
    os.fsdecode(b"caf\xe9/Dockerfile"), "\udcff", "x/" * 300 + "Dockerfile", "../../../../../../../../Dockerfile",
    "services/api/", "./services/./api/../api/Dockerfile",
])
def test_odd_paths_never_raise(repo, odd):
    for variable in (None, "GITHUB_WORKSPACE"):
        paths = RepositoryPaths(str(repo), variable, {"GITHUB_WORKSPACE": str(repo)})
        assert isinstance(paths.path(odd), str)
    for fmt in CI_FORMATS:
        render(fmt, [odd], repo, {}).encode("utf-8")


def test_api_paths_use_forward_slashes_and_normalise(repo):
    paths = RepositoryPaths(str(repo / "services"), None, {})
    assert paths.path("./api/../api/Dockerfile") == "services/api/Dockerfile"
    assert paths.path(str(repo / "Dockerfile")) == "Dockerfile"
    assert paths.path("-") == "-"


def test_lookups_are_cached_per_directory(repo, monkeypatch):
    calls = []
    real = repo_root._has_git
    monkeypatch.setattr(repo_root, "_has_git", lambda directory: calls.append(directory) or real(directory))
    paths = RepositoryPaths(str(repo), "GITHUB_WORKSPACE", {})
    deep = repo / "a" / "b" / "c"
    names = [str(deep / f"{i}.Dockerfile") for i in range(500)] + [str(deep.parent / "Dockerfile")]
    assert {paths.path(name) for name in names[:500]} == {f"a/b/c/{i}.Dockerfile" for i in range(500)}
    assert paths.path(names[-1]) == "a/b/Dockerfile"
    assert len(calls) == len(set(calls)) == 4  # c, b, a, repo: once each
