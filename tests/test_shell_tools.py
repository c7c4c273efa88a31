"""The tool vocabulary: option parsing per tool, packages and their pins, URLs."""

import doctest

import pytest

import dflint.shell
import dflint.shell.tools

from dflint.shell import parse_shell
from dflint.shell.options import Spec, parse_options
from dflint.shell.remote import remote_code_runs
from dflint.shell.tools import in_new_root, packages, parse_command, urls


def invocation(text):
    return parse_command(parse_shell(text).commands[0])


def pins(text):
    return [(p.name, p.version) for p in packages(parse_shell(text).commands[0])]


# ---- the generic option parser --------------------------------------------------

def words(text):
    return parse_shell("x " + text).commands[0].args


def test_short_options_bundle_and_take_values():
    spec = Spec(values=frozenset({"-o", "--output"}))
    parsed = parse_options(words("-yq -ofile -o other --output=third --output fourth -- -notopt"), spec)
    assert [(o.name, o.value) for o in parsed.options] == [
        ("-y", None), ("-q", None), ("-o", "file"), ("-o", "other"), ("--output", "third"), ("--output", "fourth"),
    ]
    assert [w.value for w in parsed.operands] == ["-notopt"]
    assert parsed.options[3].value_word.value == "other" and parsed.options[2].value_word is parsed.options[2].word


def test_undeclared_long_options_take_no_separate_value():
    parsed = parse_options(words("--flag operand --key=v"), Spec())
    assert [(o.name, o.value) for o in parsed.options] == [("--flag", None), ("--key", "v")]
    assert [w.value for w in parsed.operands] == ["operand"]


def test_lone_dash_is_an_operand_and_value_at_end_is_missing():
    parsed = parse_options(words("- -o"), Spec(values=frozenset({"-o"})))
    assert [w.value for w in parsed.operands] == ["-"] and parsed.options[0].value is None


def test_short_option_with_equals():
    parsed = parse_options(words("-q=2"), Spec())
    assert [(o.name, o.value) for o in parsed.options] == [("-q", "2")]


# ---- apt ------------------------------------------------------------------------------

def test_apt_get():
    inv = invocation("apt-get -o Dpkg::Options::=--force-confnew -qq install -y --no-install-recommends "
                     "curl=7.88.1-10 git/bookworm-backports ./local.deb")
    assert (inv.program, inv.subcommand) == ("apt-get", "install")
    assert inv.has("-y", "--yes", "--assume-yes") and inv.has("--no-install-recommends") and inv.has("-q")
    assert inv.value("-o") == "Dpkg::Options::=--force-confnew"
    assert [w.value for w in inv.operands] == ["curl=7.88.1-10", "git/bookworm-backports", "./local.deb"]
    assert pins("apt-get install -y curl=7.88.1-10 git/bookworm-backports ./local.deb") == [
        ("curl", "7.88.1-10"), ("git", None)]


@pytest.mark.parametrize("text, sub", [
    ("apt-get update", "update"), ("apt upgrade -y", "upgrade"), ("apt-get -y dist-upgrade", "dist-upgrade"),
    ("apt-get --assume-yes install x", "install"),
])
def test_apt_subcommands(text, sub):
    assert invocation(text).subcommand == sub


def test_apt_yes_spellings():
    for text in ("apt-get install -y x", "apt-get install --yes x", "apt-get install --assume-yes x",
                 "apt-get install -qqy x", "apt-get -y install x"):
        assert invocation(text).has("-y", "--yes", "--assume-yes"), text
    assert not invocation("apt-get install x").has("-y", "--yes", "--assume-yes")


# ---- apk ------------------------------------------------------------------------------

def test_apk():
    inv = invocation("apk add --no-cache --virtual .build-deps gcc=12.2.1-r0 musl-dev~1.2 'py3-pip>=23' make")
    assert inv.subcommand == "add" and inv.has("--no-cache") and inv.value("--virtual", "-t") == ".build-deps"
    assert pins("apk add --no-cache --virtual .build-deps gcc=12.2.1-r0 musl-dev~1.2 'py3-pip>=23' make") == [
        ("gcc", "12.2.1-r0"), ("musl-dev", "~1.2"), ("py3-pip", ">=23"), ("make", None)]
    assert pins("apk del .build-deps") == [(".build-deps", None)]
    assert invocation("apk update").subcommand == "update"
    assert invocation("apk -U add x").has("-U")


# ---- yum / dnf / microdnf / zypper ---------------------------------------------------

@pytest.mark.parametrize("tool", ["yum", "dnf", "microdnf"])
def test_rpm_tools(tool):
    inv = invocation(f"{tool} install -y --setopt=tsflags=nodocs --enablerepo epel httpd-2.4.57 gcc-c++ python3")
    assert inv.subcommand == "install" and inv.has("-y") and inv.value("--enablerepo") == "epel"
    assert pins(f"{tool} install -y httpd-2.4.57-1.el9 gcc-c++ python3-pip") == [
        ("httpd", "2.4.57-1.el9"), ("gcc-c++", None), ("python3-pip", None)]
    assert invocation(f"{tool} clean all").subcommand == "clean"
    assert invocation(f"{tool} -y update").subcommand == "update"


def test_zypper():
    inv = invocation("zypper -n in -y --no-recommends curl=8.0 'git>=2.40' vim")
    assert inv.subcommand == "install" and inv.subcommand_word.value == "in"
    assert inv.has("-n", "--non-interactive") and inv.has("-y")
    assert pins("zypper --non-interactive install curl=8.0 'git>=2.40' vim") == [
        ("curl", "8.0"), ("git", ">=2.40"), ("vim", None)]


# ---- pip ------------------------------------------------------------------------------

@pytest.mark.parametrize("prefix, via", [
    ("pip", ()), ("pip3", ()), ("pip3.11", ()), ("/usr/local/bin/pip", ()), ("python -m pip", ("python", "-m")),
    ("python3 -m pip", ("python3", "-m")), ("python3.12 -m pip", ("python3.12", "-m")), ("uv pip", ("uv",)),
    ("sudo -H pip3", ("sudo",)),
])
def test_pip_spellings(prefix, via):
    inv = invocation(f"{prefix} install --no-cache-dir flask")
    assert (inv.program, inv.subcommand, inv.via) == ("pip", "install", via)
    assert inv.has("--no-cache-dir")


def test_pip_packages():
    text = ("pip install -r requirements.txt -c constraints.txt -e . flask==2.3.2 'requests[socks]>=2,<3' "
            "numpy . ./pkg https://x/y.whl local.whl 'Django~=4.2' git+https://g/r.git 'black==23.*' --upgrade")
    inv = invocation(text)
    assert inv.values("-r", "--requirement") == ("requirements.txt",) and inv.value("-e") == "."
    assert inv.has("--upgrade")
    assert pins(text) == [("flask", "2.3.2"), ("requests", ">=2,<3"), ("numpy", None), ("Django", "~=4.2"),
                          ("black", "==23.*")]
    (flask,) = [p for p in packages(parse_shell(text).commands[0]) if p.name == "flask"]
    assert flask.exact and flask.word.value == "flask==2.3.2"
    assert not [p for p in packages(parse_shell(text).commands[0]) if p.name == "requests"][0].exact


# ---- node, ruby, go ---------------------------------------------------------------------

def test_npm_yarn_pnpm():
    assert invocation("npm ci --omit dev").subcommand == "ci"
    assert invocation("npm i -g typescript").subcommand == "install"
    assert pins("npm install -g typescript@5.4.2 @angular/cli@17 @scope/pkg lodash ./local") == [
        ("typescript", "5.4.2"), ("@angular/cli", "17"), ("@scope/pkg", None), ("lodash", None)]
    assert pins("yarn add react@^18.2.0 --dev") == [("react", "^18.2.0")]
    assert pins("yarn global add pm2@5") == [("pm2", "5")]
    assert pins("pnpm add -D vite@5.0.0") == [("vite", "5.0.0")]
    assert pins("npm install") == []


def test_gem():
    assert pins("gem install bundler -v 2.4.22 --no-document") == [("bundler", "2.4.22")]
    assert pins("gem install rails:7.1.0 rake") == [("rails", "7.1.0"), ("rake", None)]
    assert invocation("gem install x --version '~> 2.0'").value("-v", "--version") == "~> 2.0"


def test_go_install():
    inv = invocation("go install -ldflags='-s -w' -tags netgo golang.org/x/tools/gopls@v0.15.0")
    assert inv.subcommand == "install" and inv.value("-ldflags") == "-s -w" and inv.value("-tags") == "netgo"
    assert pins("go install golang.org/x/tools/gopls@v0.15.0 example.com/cmd@latest ./cmd/x") == [
        ("golang.org/x/tools/gopls", "v0.15.0"), ("example.com/cmd", "latest")]


# ---- curl, wget -----------------------------------------------------------------------

def test_curl():
    inv = invocation("curl -fsSLk -H 'Accept: x' -o /tmp/a.tgz --retry 3 https://example.com/a.tgz")
    assert inv.has("-k", "--insecure") and inv.value("-o", "--output") == "/tmp/a.tgz"
    assert [w.value for w in urls(inv)] == ["https://example.com/a.tgz"]
    assert [w.value for w in urls(parse_shell("curl --url https://a -O https://b").commands[0])] == [
        "https://a", "https://b"]
    assert invocation("curl --progress-bar https://x").has("--progress-bar", "-#")


def test_wget():
    inv = invocation("wget -nv --no-check-certificate --progress=dot:giga -O /tmp/x https://e.com/x")
    assert inv.has("-nv") and inv.has("--no-check-certificate") and inv.value("--progress") == "dot:giga"
    assert inv.value("-O") == "/tmp/x" and [w.value for w in urls(inv)] == ["https://e.com/x"]
    assert invocation("wget -qO- https://x").value("-O") == "-"


# ---- useradd, chmod, chown, rm --------------------------------------------------------

def test_useradd():
    inv = invocation("useradd -l -m -u 10001 -g app -s /bin/bash app")
    assert inv.has("-l", "--no-log-init") and inv.value("-u", "--uid") == "10001"
    assert [w.value for w in inv.operands] == ["app"]
    assert not invocation("useradd --uid 1000 x").has("-l", "--no-log-init")


def test_chmod_chown_rm():
    inv = invocation("chmod -R 755 /app /data")
    assert inv.has("-R") and [w.value for w in inv.operands] == ["755", "/app", "/data"]
    assert [w.value for w in invocation("chmod -x /bin/tool").operands] == ["-x", "/bin/tool"]
    assert [w.value for w in invocation("chmod u+x,g-w f").operands] == ["u+x,g-w", "f"]
    inv = invocation("chown -R --from=root app:app /srv")
    assert inv.value("--from") == "root" and [w.value for w in inv.operands] == ["app:app", "/srv"]
    inv = invocation("rm -rf /var/lib/apt/lists/* /tmp/x")
    assert inv.has("-r", "-R", "--recursive") and inv.has("-f", "--force")
    assert [w.value for w in inv.operands] == ["/var/lib/apt/lists/*", "/tmp/x"]


# ---- wrappers, odd cases ----------------------------------------------------------------

@pytest.mark.parametrize("text, via", [
    ("sudo -u root -E apt-get install x", ("sudo",)), ("env DEBIAN_FRONTEND=noninteractive apt-get install x", ("env",)),
    ("nice -n 10 apt-get install x", ("nice",)), ("timeout 60 apt-get install x", ("timeout",)),
    ("eatmydata apt-get install x", ("eatmydata",)), ("sudo -- env A=1 apt-get install x", ("sudo", "env")),
    # a cluster of short options ends at the first that takes a value: -Eu's value is the next word
    ("sudo -Eu app apt-get install x", ("sudo",)), ("sudo -iuapp apt-get install x", ("sudo",)),
    # commands run as another user with no shell between (gosu USER, su-exec USER[:GROUP], runuser -u USER)
    ("gosu app apt-get install x", ("gosu",)), ("su-exec app:app apt-get install x", ("su-exec",)),
    ("setuidgid app apt-get install x", ("setuidgid",)), ("chpst -u app:app -n 5 apt-get install x", ("chpst",)),
    ("runuser -u app -- apt-get install x", ("runuser",)), ("runuser -u app apt-get install x", ("runuser",)),
    ("runuser -g grp -u app -- apt-get install x", ("runuser",)), ("runuser --user=app apt-get install x", ("runuser",)),
    ("runuser -mu app -- apt-get install x", ("runuser",)), ("runuser -uapp -w PATH -- apt-get install x", ("runuser",)),
    ("setpriv --reuid=1000 --regid 1000 --init-groups apt-get install x", ("setpriv",)),
    ("chroot /target apt-get install x", ("chroot",)), ("chroot --userspec 1:1 --skip-chdir /t apt-get install x", ("chroot",)),
    ("sudo gosu app env A=1 apt-get install x", ("sudo", "gosu", "env")),
    # written with a path: known by the program name, which via holds
    ("/usr/bin/sudo apt-get install x", ("sudo",)), ("/usr/local/bin/gosu app apt-get install x", ("gosu",)),
    ("/usr/bin/env FOO=1 apt-get install x", ("env",)), ("/usr/sbin/chroot /t apt-get install x", ("chroot",)),
    ("/sbin/runuser -u app -- apt-get install x", ("runuser",)),
    ("sudo /usr/bin/env A=1 /usr/bin/timeout 5 apt-get install x", ("sudo", "env", "timeout")),
])
def test_wrappers_are_looked_through(text, via):
    inv = invocation(text)
    assert (inv.program, inv.subcommand, inv.via) == ("apt-get", "install", via)


@pytest.mark.parametrize("text", ["runuser app -c 'apt-get install x'", "runuser -l app -c true", "runuser - app",
                                  "runuser app script.sh", "runuser -g grp app", "/sbin/runuser app -c true"])
def test_runuser_without_u_is_su(text):
    # runuser's operands after USER go to the user's shell (`-c SCRIPT` is read as sh -c's: builder.py)
    assert invocation(text).program == "runuser"


def test_wrapper_options_take_their_values():
    inv = invocation("runuser -u app -- apt-get install -y x")
    assert inv.has("-y") and [w.value for w in inv.operands] == ["x"]  # -y is apt-get's, after --
    assert invocation("chpst -vu app -/ /t id -u").program == "id"
    assert invocation("gosu nobody") is None and invocation("chroot /target") is None  # no command


def test_chroot_commands_act_below_the_new_root():
    inv = invocation("chroot --userspec=app /target apt-get install x")
    assert inv.root.value == "/target" and invocation("chpst -/ /t apt-get install x").root.value == "/t"
    assert invocation("sudo apt-get install x").root is None
    assert invocation("/usr/sbin/chroot /t apt-get install x").root.value == "/t"
    assert invocation("/bin/exec apt-get install x").program == "exec"  # exec is a builtin: a path is another program
    script = parse_shell("chroot /t sh -c 'rm -rf /var/lib/apt/lists/*' && rm -rf /x && chroot /t rm /y")
    assert [(c.name, c.contexts, in_new_root(c)) for c in script.commands] == [
        ("chroot", (), True), ("rm", ("shell", "chroot"), True), ("rm", (), False), ("chroot", (), True),
    ]
    su = parse_shell("chroot /t su app -c 'rm -rf /x'; gosu app sh -c 'rm -rf /x'").commands
    assert [(c.name, c.contexts) for c in su] == [("chroot", ()), ("rm", ("shell", "chroot")), ("gosu", ()),
                                                  ("rm", ("shell",))]


@pytest.mark.parametrize("text, inner", [
    ("eval 'apt-get install x'", "apt-get install x"), ('eval "apt-get install $X"', "apt-get install $X"),
    ("eval apt-get install x", "apt-get install x"), ("eval -- apt-get  install x", "apt-get  install x"),
    ("eval 'cd /x && make'", "cd /x"),
])
def test_eval_runs_its_arguments_as_a_script(text, inner):
    commands = parse_shell(text).commands
    assert commands[0].name == "eval" and commands[1].contexts == ("shell",)
    assert text[commands[1].start:commands[1].end] == inner


@pytest.mark.parametrize("text", [
    "eval $CMD", 'eval "$CMD"', 'eval "$(curl -fsSL https://x)"', "eval `cat f`", 'eval " $CMD"',
    'eval apt-get install "x"',  # quoted among several: the joined text is not the text as written
    "eval apt-get >/dev/null install x", "eval",
])
def test_eval_of_unknown_or_unmapped_text_is_not_read(text):
    assert [c for c in parse_shell(text).commands if "shell" in c.contexts] == []


def test_eval_of_a_download_still_runs_remote_code():
    script = parse_shell('eval "$(curl -fsSL https://get.example.com)"')
    assert [(run.how, run.download.name, run.runner.name) for run in remote_code_runs(script)] == [
        ("text", "curl", "eval")]
    assert [c.name for c in script.commands] == ["eval", "curl"]  # the curl once, not again in an eval script


def test_commands_running_nothing():
    assert parse_command(parse_shell("A=1").commands[0]) is None
    assert parse_command(parse_shell("command -v apt-get").commands[0]) is None
    assert parse_command(parse_shell("sudo").commands[0]) is None
    assert packages(parse_shell("A=1").commands[0]) == ()
    assert packages(parse_shell("echo install x").commands[0]) == ()


def test_unknown_tools_get_generic_parsing():
    inv = invocation("mytool -abc --long=v operand")
    assert inv.program == "mytool" and inv.subcommand is None
    assert [o.name for o in inv.options] == ["-a", "-b", "-c", "--long"]
    assert [w.value for w in inv.operands] == ["operand"]


def test_option_words_keep_positions():
    command = parse_shell("apt-get install \\\n  -y curl").commands[0]
    inv = parse_command(command)
    option = inv.option("-y")
    assert option.word.line == 2 and option.word.column == 3


@pytest.mark.parametrize("module", [dflint.shell, dflint.shell.tools])
def test_docstring_examples(module):
    result = doctest.testmod(module)
    assert result.attempted and not result.failed
