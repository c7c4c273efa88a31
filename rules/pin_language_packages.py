"""DF204 pin-language-packages: pip, npm, gem... packages installed without a version."""

from __future__ import annotations

import re
from typing import Iterator

from dflint.diagnostic import Severity
from dflint.model.layers import run_steps
from dflint.model.package_config import expanded_invocation, known_pins, run_nodes, variable_set
from dflint.rule import Finding, Option, Rule, RuleContext
from dflint.shell.package_managers import Pin, language_pins, pin_problem

#: Environment variables that make pip (uv) read a constraints file: its pins apply.
_CONSTRAINTS = {"pip": ("PIP_CONSTRAINT",), "uv-pip": ("UV_CONSTRAINT", "UV_OVERRIDE")}
#: A pip requirement's extras (``pywinrm[credssp]``), which PEP 508 writes before the version.
_EXTRAS = re.compile(r"\s*[A-Za-z0-9][A-Za-z0-9._-]*\s*(\[[^\]]*\])")


class PinLanguagePackages(Rule):
    """A package installed by name without a version is whatever its newest release is that day.

    ## What it does
    Reports packages named without a version by `pip install` (also `pip3`,
    `python -m pip`, `uv pip install`), `pipx install`, `uv tool install`,
    `npm install`/`i`/`add` (global or not), `yarn add`, `yarn global add`,
    `pnpm add`, `gem install` and `cargo install`. A version constraint is
    enough (`flask>=3`, `typescript@^5`, `gem install rails -v '~> 7.1'`)
    unless the `exact` option asks for one exact version; dist-tags that
    move (`@latest`, `@next`), `*`, and repository URLs without a ref
    (`git+https://host/x.git` rather than `...x.git@v1.2`, npm `#v1.2`) or
    at a ref that reads as a branch are always reported, editable ones
    (`pip install -e git+https://...`) included. As DF309 judges git
    clones, a ref with a digit (`@v1.2.3`, `@2024.05`, `#release-2.x`) or
    a commit hash (`@3f2a9c1`) is a pin; one without (`@main`, `#develop`,
    `#feature/x`) is a branch, which moves. npm's `#semver:^1.2` is a range.
    The suggested pin keeps pip's extras before the version, as PEP 508
    writes them (`pywinrm[credssp]==<version>`): a pin without them would
    no longer install the extra's dependencies. It keeps an environment
    marker too (`requests==<version>; python_version>'3.8'`): without it
    the package would be installed on every Python.

    Not reported: installs from manifests and lock files (`pip install -r
    requirements.txt`, `pip install .`, `pip install -e ./lib` (a local
    project), `npm install` and `npm ci` without
    package names, `yarn install`, `bundle install`), paths, local archives
    and plain URLs, and pip installs that read a constraints file
    (`-c constraints.txt`, `PIP_CONSTRAINT`; `UV_CONSTRAINT` for uv): the
    constraints pin what they list. `pip install --no-index` installs what
    the local wheels hold, so it is not reported either. By default pip's
    own toolchain (`pip`, `setuptools`, `wheel`, see the `ignore` option) is
    not reported: `pip install --upgrade pip` deliberately takes the newest
    installer. A package word with a variable is read with the ARG/ENV
    values in scope, or a plain value the RUN assigns once before the
    command; options and their values a variable holds (`-v 7.1.3`,
    `-c constraints.txt`) are read as options. A word whose value cannot
    be known is skipped, and so is an `-e` value with a variable in it
    (`-e "$PROJECT"` is most often a local path).

    Differences from hadolint (DL3013 pip, DL3016 npm, DL3028 gem, which
    this rule covers finding by finding): hadolint accepts `@latest` and
    repository URLs with an `@` anywhere (`git+ssh://git@host/x.git`),
    reports `--no-index` installs, `PIP_CONSTRAINT` installs,
    `pip`/`setuptools`/`wheel`, variables it cannot read and RUNs of Windows
    stages (cmd, PowerShell), which dflint does not read; it ignores the
    other packages of a `pip install -r requirements.txt extra-package`
    (dflint reports `extra-package`). It does not check yarn, pnpm, uv or
    cargo; it reads `pipx install` as a pip install (its DL3013 takes
    any program whose name starts with `pip`), and so do dflint's aliases.

    ## Why is this bad?
    Each build installs the newest release of the day: two builds of the
    same commit can differ, a rebuild can break with no change in the
    repository, and a cached layer hides the new version until the cache
    is cleared. A lock or requirements file pins the whole tree, which a
    version on the command line only does for one package.

    ## Example
    ```dockerfile
    FROM python:3.12-slim
    RUN pip install --no-cache-dir gunicorn
    RUN npm install -g pm2@latest
    ```

    ## Use instead
    ```dockerfile
    FROM python:3.12-slim
    RUN pip install --no-cache-dir gunicorn==22.0.0
    RUN npm install -g pm2@5.4.2
    ```

    ## Fix safety
    This rule has no fix: only you know which version the build expects.
    """

    code = "DF204"
    name = "pin-language-packages"
    summary = "Language package installed by name without a version"
    severity = Severity.INFO
    partial_aliases = ("DL3013", "DL3016", "DL3028")
    options = (
        Option("exact", bool, False, "Require one exact version (`==1.2.3`, `@1.2.3`); by default any version "
                                     "constraint is enough"),
        Option("ignore", list, ["pip", "setuptools", "wheel"], "Package names never reported"),
    )

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        ignore = set(ctx.options["ignore"])
        for node in run_nodes(ctx.model.stages):
            for step in run_steps(ctx.analysis, node):
                pins = language_pins(expanded_invocation(ctx.analysis, node, step))
                if not pins or any(variable_set(ctx.analysis, node, step, name)
                                   for name in _CONSTRAINTS.get(pins[0].manager, ())):
                    continue
                for pin in known_pins(ctx.analysis, node, step, pins):
                    problem = pin_problem(pin, ctx.options["exact"])
                    if problem is None or pin.name in ignore:
                        continue
                    yield ctx.finding(pin.word, f"{problem}: each build gets whatever is newest that day; "
                                                f"pin it (`{_hint(pin)}`) or install from a lock file",
                                      alias=pin.hadolint)


def _hint(pin: Pin) -> str:
    """The pin to write: pip's keeps the extras (``pywinrm[credssp]==<version>``), which a pin that
    drops them would no longer install, and the environment marker (``; python_version>'3.8'``),
    without which the package would be installed everywhere."""
    if pin.manager not in ("pip", "uv-pip", "uv-tool") or not pin.hint.startswith(pin.name):
        return pin.hint
    hint = pin.hint
    extras = _EXTRAS.match(pin.text)
    if extras is not None:
        hint = pin.name + extras.group(1).replace(" ", "") + hint[len(pin.name):]
    marker = pin.text.partition(";")[2].strip()
    written = pin.word.value.partition(";")[2].strip()
    if written and "$" not in written:
        marker = written  # as written: the value read again from an ARG loses the marker's quotes
    return f"{hint}; {marker}" if marker else hint
