"""Tests for the package-manager helpers: dflint.shell.package_managers, dflint.model.package_config."""

import doctest

import pytest

from dflint.analysis import Analysis
from dflint.api import parse
from dflint.model import package_config, shell_values
from dflint.model.layers import run_steps
from dflint.model.package_config import expand_word, go_module_context
from dflint.shell import package_managers, parse_shell
from dflint.shell.caches import CACHES, avoids, creates
from dflint.shell.package_managers import (classify_system, confirmation, go_query_problem, go_targets,
                                           index_refresh, installs_recommends, language_pins, package_changes,
                                           reads_index, reread, system_upgrade)
from dflint.shell.tools import parse_command


@pytest.mark.parametrize("module", [package_managers, package_config, shell_values])
def test_doctests(module):
    assert doctest.testmod(module).failed == 0


def read(text: str):
    return reread(parse_command(parse_shell(text).commands[0]))


@pytest.mark.parametrize("text, answer", [
    ("apt-get install x", "-y"), ("apt-get -q install x", "-y"), ("apt-get --force-yes install x", "-y"),
    ("apt-get -y install x", None), ("apt-get -qq install x", None), ("apt-get -q=2 install x", None),
    ("apt-get --quiet --quiet install x", None), ("apt-get -o quiet=2 install x", None),
    ("apt-get -o apt::get::assume-yes=1 install x", None), ("apt-get --simulate upgrade", None),
    ("apt-get update", None), ("aptitude install x", "-y"), ("aptitude -y install x", None),
    ("dnf install x", "-y"), ("dnf5 install x", "-y"), ("dnf --setopt=assumeyes=True install x", None),
    ("dnf module enable nodejs:20", "-y"), ("dnf module list", None), ("yum group list", None),
    ("zypper in x", "--non-interactive"), ("zypper --no-confirm in x", None), ("zypper refresh", None),
    ("pacman -S x", "--noconfirm"), ("pacman -Sy", None), ("pacman -Ss x", None), ("pacman -Rns x", "--noconfirm"),
    ("apk add x", None), ("pip uninstall x", "-y"), ("pip3 uninstall -y x", None), ("pip uninstall --yes x", None),
    ("python3 -m pip uninstall x", "-y"), ("uv pip uninstall x", None), ("pip install x", None),
    ("conda install x", None), ("micromamba remove x", None),
])
def test_confirmation(text, answer):
    prompt = confirmation(read(text))
    assert (prompt.answer if prompt else None) == answer


@pytest.mark.parametrize("text, reported", [
    ("apt-get install -y x", True), ("apt-get install --no-install-recommends x", False),
    ("apt-get install --install-recommends=off x", False), ("apt-get install --install-recommends x", True),
    ("apt-get -o APT::Install-Recommends=no install x", False), ("aptitude install -R x", False),
    ("apt-get remove x", False),
])
def test_installs_recommends(text, reported):
    assert (installs_recommends(read(text)) is not None) == reported


@pytest.mark.parametrize("manager, value, kind", [
    ("apt", "curl", "none"), ("apt", "curl=7.88.1-10", "exact"), ("apt", "curl=7.*", "range"),
    ("apt", "curl/bookworm", "floating"), ("apk", "curl=8.9.1-r0", "exact"), ("apk", "curl~8.9", "range"),
    ("apk", "curl>8", "range"), ("apk", "curl@edge", "floating"), ("rpm", "httpd-2.4.6", "exact"),
    ("rpm", "httpd-2.4.6-99.el7.x86_64", "exact"), ("rpm", "nodejs-1:18.16.0-1.module_el8", "exact"),
    ("rpm", "java-11-openjdk", "none"), ("rpm", "gcc-c++", "none"), ("rpm", "python3.11", "none"),
    ("rpm", "java-1.8.0-openjdk", "none"), ("rpm", "java-1.8.0-openjdk-devel", "none"),
    ("rpm", "java-1.8.0-openjdk-1:1.8.0.412.b08-1.el7_9.x86_64", "exact"), ("rpm", "dotnet-sdk-8.0", "none"),
    ("rpm", "dotnet-sdk-8.0-8.0.100-1.el9", "exact"), ("rpm", "gcc-toolset-13", "none"),
    ("rpm", "cuda-toolkit-12-2", "none"), ("rpm", "curl-7.76.1", "exact"), ("rpm", "git-2.43.5.noarch", "exact"),
    ("rpm", "nginx-1:1.20.1-14.el9", "exact"), ("rpm", "make-4.3", "exact"),
    ("rpm", "httpd-2.4*", "range"), ("rpm", "curl >= 8", "range"), ("zypper", "curl=8.0", "exact"),
    ("zypper", "curl>=8", "range"), ("zypper", "curl", "none"),
])
def test_classify_system(manager, value, kind):
    assert classify_system(manager, value)[2] == kind


@pytest.mark.parametrize("text, kinds", [
    ("pip install a b==1.0 'c>=2' d==1.* e===1.0 f[x]==2", ["none", "exact", "range", "range", "exact", "exact"]),
    ("pip install -r r.txt . ./x /w.whl https://h/x.tar.gz a", ["none"]),
    ("pip install git+https://h/x.git git+https://h/y.git@v1 git+ssh://git@h/z.git", ["floating", "exact", "floating"]),
    ("pip install -c c.txt a", []), ("pip install --no-index a", []),
    ("npm i a@1.2.3 b@^1 c@latest @s/d @s/e@2.0.0 u/r u/r#v1 ./x x.tgz f@npm:g@1.0.0",
     ["exact", "range", "floating", "none", "exact", "floating", "exact", "exact"]),
    ("npm install", []), ("npm ci", []), ("yarn add a@1.0.0", ["exact"]), ("yarn global add a", ["none"]),
    ("pnpm add -D a", ["none"]), ("pnpm install", []),
    ("gem install a b:1.0 -v '~> 2'", ["range", "exact"]), ("gem install a --version=1.2.3", ["exact"]),
    ("cargo install a b@1.2.3 c@^1", ["none", "exact", "range"]), ("cargo install --path .", []),
    ("uv tool install a@latest b==1.0", ["floating", "exact"]), ("pipx install a", ["none"]),
    ("uv pip install --python 3.12 a", ["none"]),
    ("pip install -e git+https://h/o/x.git#egg=x -e . -e ./y -e /z --editable=git+https://h/o/w.git@v2#egg=w",
     ["floating", "exact"]),
    ("pip install git+https://h/o/x.git@main git+https://h/o/y.git@3f2a9c1 git+ssh://git@h/o/z.git@develop#egg=z",
     ["floating", "exact", "floating"]),
    ("npm i u/r#main u/r#abcdef1 git+https://h/o/r.git#semver:^1.2 github:u/r#release-2.x",
     ["floating", "exact", "range", "exact"]),
])
def test_language_pins(text, kinds):
    assert [p.kind for p in language_pins(read(text))] == kinds


@pytest.mark.parametrize("ref, branch", [
    ("main", True), ("develop", True), ("feature/x", True), ("HEAD", True), ("v1.2.3", False),
    ("2024.05", False), ("release-2.x", False), ("3f2a9c1", False), ("deadbeef", False), ("abcdefa", False),
])
def test_branch_like(ref, branch):
    assert package_managers.branch_like(ref) == branch


@pytest.mark.parametrize("query, problem", [
    ("v1.2.3", False), ("v0.0.0-20240101000000-abcdef123456", False), ("4f1c2d3b", False), ("2023.1.7", False),
    ("latest", True), ("upgrade", True), ("master", True), ("v1", True), ("v1.2", True), ("<v2", True),
    ("none", False),
])
def test_go_query_problem(query, problem):
    assert (go_query_problem(query) is not None) == problem


def test_go_targets_leave_out_local_packages():
    text = "go install ./cmd/... main.go cmd/app std golang.org/x/tools/gopls@latest example.com/m"
    assert [(t.path, t.query) for t in go_targets(read(text))] == [
        ("golang.org/x/tools/gopls", "latest"), ("example.com/m", None)]
    assert [t.path for t in go_targets(read("go run example.com/gen@v1.0.0 arg.io/x"))] == ["example.com/gen"]


@pytest.mark.parametrize("text, family, reads", [
    ("apt-get update", "apt", False), ("apt-get install x", "apt", True), ("apt-cache policy x", "apt", True),
    ("apk add x", "apk", True), ("yum install x", "rpm", True), ("yum clean all", "rpm", False),
    ("zypper in x", "zypper", True), ("zypper clean", "zypper", False), ("pacman -S x", "pacman", True),
])
def test_reads_index(text, family, reads):
    assert reads_index(read(text), family) == reads


@pytest.mark.parametrize("text, family", [
    ("apt-get update", "apt"), ("apt update", "apt"), ("apk update", "apk"), ("dnf makecache", "rpm"),
    ("yum check-update", "rpm"), ("zypper ref", "zypper"), ("pacman -Sy", "pacman"), ("pacman -Syu", None),
    ("yum update", None), ("apt-cache update", None),
])
def test_index_refresh(text, family):
    assert index_refresh(read(text)) == family


@pytest.mark.parametrize("text, upgrade", [
    ("apt-get upgrade -y", True), ("apt-get install --only-upgrade x", False), ("apk upgrade", True),
    ("apk upgrade openssl", False), ("yum update -y", True), ("yum update openssl", False),
    ("zypper dup", True), ("pacman -Syu", True), ("pacman -Sy", False), ("pacman -Syu --noconfirm git", False),
    ("pacman -Syu --print", False), ("pacman -Syu --ignore linux", True), ("pacman -Syu -s git", False),
])
def test_system_upgrade(text, upgrade):
    assert (system_upgrade(read(text)) is not None) == upgrade


def analysis(text: str) -> Analysis:
    return Analysis("Dockerfile", parse(text))


def test_exec_form_runs_one_command_with_file_spans():
    a = analysis('FROM debian:12\nRUN ["apt-get", "install", "curl"]\n')
    [step] = run_steps(a, a.file.instructions[1])
    assert step.invocation.program == "apt-get" and step.invocation.subcommand == "install"
    assert [(w.value, w.span.start.column) for w in step.command.argv] == [
        ("apt-get", 6), ("install", 17), ("curl", 28)]


def test_exec_form_steps_are_built_once_per_file_on_its_line_index():
    # Built per call with a fresh line index of the whole file, they made big files quadratic.
    a = analysis('FROM debian:12\nRUN ["apt-get", "install", "curl"]\n')
    node = a.file.instructions[1]
    steps = run_steps(a, node)
    assert run_steps(a, node) is steps
    assert steps[0].command.positions._index is a.line_index


def test_the_linter_forgets_parsed_commands_after_each_file():
    from dflint.config import default_config
    from dflint.linter import Linter
    from dflint.registry import installed
    from dflint.shell import tools

    rules = installed()[0]
    Linter(rules).check("FROM debian:12\nRUN apt-get update && apt-get install -y curl\n", "Dockerfile",
                        default_config(rules))
    assert tools._MEMO == {}  # a file's commands (and what they hold) do not outlive its lint


def test_expand_word():
    a = analysis('FROM debian:12\nARG PKGS="a b"\nARG UNSET\nRUN apt-get install $PKGS $UNSET "$PKGS" $(x)\n'
                 'RUN LOCAL=c; apt-get install $PKGS $LOCAL\n')
    node = a.file.instructions[3]
    step = run_steps(a, node)[0]
    words = step.command.argv[2:]
    assert [expand_word(a, node, step, w) for w in words] == [["a", "b"], None, ["a b"], None]
    node = a.file.instructions[4]
    step = run_steps(a, node)[-1]
    assert [expand_word(a, node, step, w) for w in step.command.argv[2:]] == [["a", "b"], ["c"]]


def _last_word(script: str, env: str = ""):
    """expand_word of the last word of the apt-get command of ``RUN script``."""
    a = analysis(f"FROM debian:12\n{env}RUN {script}\n")
    node = a.file.instructions[-1]
    step = [s for s in run_steps(a, node) if s.invocation and s.invocation.program == "apt-get"][-1]
    return expand_word(a, node, step, step.command.argv[-1])


@pytest.mark.parametrize("script, expected", [
    # a plain value assigned once, before the command, whenever the command runs
    ("L=c; apt-get install $L", ["c"]),
    ('L="-y  --no-install-recommends" && apt-get update && apt-get install $L', ["-y", "--no-install-recommends"]),
    ('L="-y --no-install-recommends"; apt-get install "$L"', ["-y --no-install-recommends"]),
    ("L=c; apt-get install ${L}", ["c"]),
    ("export L=c; apt-get install $L", ["c"]),
    ("L=c; if true; then apt-get install $L; fi", ["c"]),
    ("x && L=c && y | apt-get install $L", ["c"]),
    ('while IFS= read -r x; do :; done </dev/null; L="a b"; apt-get install $L', ["a", "b"]),
    ("IFS=,; L=a,b; apt-get install \"$L\"", ["a,b"]),
    # not known: set twice, conditionally, for another command, in a subshell; globs; other forms
    ("L=c; L=d; apt-get install $L", None),
    ("x && L=c; apt-get install $L", None),
    ("x || L=c && apt-get install $L", None),
    ("if x; then L=c; fi; apt-get install $L", None),
    ("(L=c); apt-get install $L", None),
    ("L=c apt-get install $L", None),
    ("apt-get install $L; L=c", None),
    ("L='*'; apt-get install $L", None),
    ("L=$HOME; apt-get install $L", None),
    ("L=c; sh -c 'apt-get install $L'", None),
    ("L=c; apt-get install ${L:-d}", None),
    ("L=c; unset L; apt-get install $L", None),
    ("IFS=,; L=a,b; apt-get install $L", None),
    ("for L in a b; do :; done; apt-get install $L", None),
])
def test_expand_word_assigned_in_the_run(script, expected):
    assert _last_word(script) == expected


@pytest.mark.parametrize("script, env, expected", [
    # NAME=value in front of the command (or given to env/sudo) is for its environment: its own
    # words expand before, with the value known before it (ARG/ENV, a plain value set earlier)
    ("L=-y apt-get install $L", "ENV L=c\n", ["c"]),
    ("L=a; L=-y apt-get install $L", "", ["a"]),
    ("L=a; L=-y env L=-q apt-get install $L", "", ["a"]),
    ("L=a; sudo L=-y apt-get install $L", "", ["a"]),
    ('L=a; L="$L -y" apt-get install $L', "", ["a"]),
    ("L=-y apt-get install $L", "", None),  # unset in the RUN, and the base image may set it
    ("L=-y apt-get install $L", "ARG L\n", None),
    # another command's, or a second plain assignment, still make the value unknown
    ("L=a; L=b; L=-y apt-get install $L", "", None),
    ("L=a; L=b true; apt-get install $L", "", None),
])
def test_expand_word_leaves_out_the_commands_own_assignments(script, env, expected):
    assert _last_word(script, env) == expected


def test_expand_word_splits_at_ifs_whitespace_only():
    assert _last_word("apt-get install $L", 'ENV L="a\\tb c"\n') == ["a\\tb", "c"]  # a backslash and t
    assert _last_word("apt-get install $L", 'ENV IFS=,\nENV L="a b"\n') is None
    assert shell_values.field_split(" a\tb\nc\x0bd \xa0e ") == ["a", "b", "c\x0bd", "\xa0e"]


def _expanded(script: str, env: str = ""):
    a = analysis(f"FROM debian:12\n{env}RUN {script}\n")
    node = a.file.instructions[-1]
    step = [s for s in run_steps(a, node) if s.invocation and s.invocation.program == "apt-get"][-1]
    return a, node, step, package_config.expanded_invocation(a, node, step)


@pytest.mark.parametrize("env, script, yes, recommends", [
    ('ENV APT_OPTS="-y --no-install-recommends"\n', "apt-get install $APT_OPTS curl", False, False),
    ('ARG APT_OPTS=--no-install-recommends\n', "apt-get install $APT_OPTS curl", True, False),
    ("", "O=-y; apt-get install $O curl", False, True),
    ("", "O='-y --no-install-recommends'; sudo apt-get $O install curl", False, False),
    # one argument: not read as the options it lists (apt-get rejects it)
    ('ENV APT_OPTS="-y --no-install-recommends"\n', 'apt-get install "$APT_OPTS" curl', True, True),
    ("ARG APT_OPTS\n", "apt-get install $APT_OPTS curl", True, True),
])
def test_expanded_invocation_reads_options_a_variable_holds(env, script, yes, recommends):
    a, node, step, invocation = _expanded(script, env)
    assert (confirmation(invocation) is not None) is yes
    assert (installs_recommends(invocation) is not None) is recommends
    hidden = "\"$APT_OPTS\"" in script or env.startswith("ARG APT_OPTS\n")
    assert package_config.hidden_options(a, node, step) is hidden


def test_expanded_invocation_keeps_spans_and_finds_pins_again():
    a, node, step, invocation = _expanded("apt-get install -y $O curl $P",
                                          'ARG O="-t bookworm-backports -o Acquire::Retries=3"\nARG P="git=1 vim"\n')
    written = {w.value: w for w in step.command.argv}
    assert invocation.value("-t") == "bookworm-backports" and invocation.command is not step.command
    assert [w.value for w in invocation.operands] == ["curl", "git=1", "vim"]
    assert invocation.operands[1].span == written["$P"].span
    pins = package_config.known_pins(a, node, step, package_managers.system_pins(invocation))
    assert [(p.word is written.get(p.word.value, written["$P"]), p.text, p.kind) for p in pins] == [
        (True, "curl", "none"), (True, "git=1", "exact"), (True, "vim", "none")]
    _, _, step, plain = _expanded("apt-get install -y curl $(x)")  # nothing known to read in place
    assert plain is reread(step.invocation)


@pytest.mark.parametrize("text, context", [
    ("FROM golang\nRUN go install x.io/y\n", False),
    ("FROM golang\nWORKDIR /src\nCOPY go.mod ./\nRUN go install x.io/y\n", True),
    ("FROM golang\nWORKDIR /src/sub\nCOPY go.mod /src/\nRUN go install x.io/y\n", True),
    ("FROM golang\nWORKDIR /tools\nCOPY go.mod /src/\nRUN go install x.io/y\n", False),
    ("FROM golang\nCOPY . .\nRUN go install x.io/y\n", True),
    ("FROM golang\nRUN cd /x && go install x.io/y\n", True),
    ("FROM golang\nRUN go mod init tools && go install x.io/y\n", True),
])
def test_go_module_context(text, context):
    a = analysis(text)
    node = a.file.instructions[-1]
    step = run_steps(a, node)[-1]
    assert go_module_context(a, node, step) == context


@pytest.mark.parametrize("text, changes", [
    ("apt-get install -y --no-install-recommends gcc=4:12.2.0-3 libpq-dev/bookworm",
     [("apt", "gcc", True), ("apt", "libpq-dev", True)]),
    ("sudo apt-get purge -y --auto-remove gcc 'g++-*'", [("apt", "gcc", False), ("apt", "g++-*", False)]),
    ("aptitude remove -y make", [("apt", "make", False)]),
    ("apk add --no-cache --virtual .build-deps gcc musl-dev", [("apk", "gcc", True), ("apk", "musl-dev", True)]),
    ("apk del .build-deps gcc", [("apk", ".build-deps", False), ("apk", "gcc", False)]),
    ("yum install -y gcc-8.5.0", [("rpm", "gcc", True)]),
    ("dnf erase -y gcc", [("rpm", "gcc", False)]), ("dnf5 remove -y gcc", [("rpm", "gcc", False)]),
    ("microdnf remove gcc", [("rpm", "gcc", False)]), ("zypper rm -y gcc", [("zypper", "gcc", False)]),
    ("python3 -m pip install --no-cache-dir Foo_Bar.baz==1.0", [("pip", "foo-bar-baz", True)]),
    ("pip uninstall -y foo-bar.baz", [("pip", "foo-bar-baz", False)]),
    # nothing by name: variables, requirement files, local paths, other directories, other verbs
    ("apt-get remove -y $BUILD_DEPS", []), ("pip install -r requirements.txt .", []),
    ("pip install --target /opt/lib requests", []), ("apt-get autoremove -y", []), ("apk update", []),
    ("npm uninstall -g pm2", []), ("dnf groupinstall -y 'Development Tools'", []),
])
def test_package_changes(text, changes):
    assert [(c.family, c.name, c.installs) for c in package_changes(read(text))] == changes



@pytest.mark.parametrize("text, sync, pkg", [
    ("pacman -U --noconfirm https://example.com/a-1-1-any.pkg.tar.zst", False, True),
    ("pacman -U --noconfirm file:///tmp/a-1-1-any.pkg.tar.zst ./b.pkg.tar.zst", False, True),
    ("pacman -U --noconfirm /tmp/a-1-1-any.pkg.tar.zst", False, False),
    ('pacman -U --noconfirm "$URL"', False, False),
    ("pacman -Syu --noconfirm", True, True),
    ("pacman --root /mnt -Syu --noconfirm", False, True),  # the databases move below the root, the cache stays
    ("pacman -b /db -Sy", False, False),
    ("pacman --sysroot /mnt -Syu --noconfirm", False, False),  # a chroot: both move
])
def test_pacman_caches(text, sync, pkg):
    invocation = read(text)
    filled = {c.key for c in CACHES if creates(c, invocation) and not avoids(c, invocation, lambda _: (False, None))}
    assert ("pacman-sync" in filled, "pacman-pkg" in filled) == (sync, pkg)
