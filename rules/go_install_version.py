"""DF205 go-install-version: `go install`/`go get` of a module without a fixed version."""

from __future__ import annotations

from typing import Iterator, Optional

from dflint.diagnostic import Severity
from dflint.model.layers import run_steps
from dflint.model.package_config import expand_word, go_module_context, run_nodes
from dflint.rule import Finding, Rule, RuleContext
from dflint.shell.package_managers import GoTarget, go_query_problem, go_target, go_targets


class GoInstallVersion(Rule):
    r"""`go install tool@latest` builds whatever was released last: pin `@vX.Y.Z`.

    ## What it does
    Reports a remote package (its path starts with a domain:
    `golang.org/x/tools/gopls`) fetched by `go install`, `go get` or `go run`
    with a version query that moves: `@latest`, `@upgrade`, `@patch`, a
    branch (`@master`, `@main`), a version prefix (`@v1`, `@v1.2`) or a
    comparison (`@<v2`). `@latest` is reported: it is the newest release of
    the day, chosen again on every uncached build, exactly what a pin is
    meant to prevent. A full version (`@v1.57.2`), a commit hash or a tag
    name is a pin.

    Without any `@version`: `go get` is reported (it takes the newest
    release and writes it to go.mod); `go install` is reported unless it may
    run inside a Go module (a `go.mod` or a source tree was copied into its
    directory or above, or the RUN changed directory first), where it builds
    the version go.mod requires; `go run` is never reported without a
    version (inside a module go.mod decides, outside it Go refuses to run).
    Local packages (`.`, `./cmd/app`), `.go` files and packages without a
    domain (`cmd/app`, the standard library) are not checked. A package
    word with a variable is read with the ARG/ENV values in scope, and
    skipped when its value cannot be known (`@${VERSION}` from an ARG is a
    pin).

    Differences from hadolint (DL3062): hadolint reports `go run main.go`,
    `go run cmd/app`, version-less `go run` of remote modules, every
    version-less `go install`, also in a module, and RUNs of Windows stages
    (cmd, PowerShell), which dflint does not read; it accepts branches,
    prefixes and ranges.

    ## Why is this bad?
    `@latest` and its kin make the build depend on the day it runs: a new
    release of a linter or code generator changes the image, or breaks it,
    with no change in the repository, and a cached layer hides the new
    version until the cache is cleared. Outside a module, a version-less
    `go install pkg` fails on Go 1.16 and later, and takes the newest commit
    on older Go.

    ## Example
    ```dockerfile
    FROM golang:1.22
    RUN go install golang.org/x/tools/gopls@latest \
        && go install github.com/go-delve/delve/cmd/dlv
    ```

    ## Use instead
    ```dockerfile
    FROM golang:1.22
    RUN go install golang.org/x/tools/gopls@v0.15.3 \
        && go install github.com/go-delve/delve/cmd/dlv@v1.22.1
    ```

    ## Fix safety
    This rule has no fix: only you know which version the build expects.
    """

    code = "DF205"
    name = "go-install-version"
    summary = "go install or go get without a fixed module version"
    severity = Severity.WARNING
    aliases = ("DL3062",)

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for node in run_nodes(ctx.model.stages):
            for step in run_steps(ctx.analysis, node):
                for target in go_targets(step.invocation):
                    if target.word.has_expansion:
                        values = expand_word(ctx.analysis, node, step, target.word)
                        if values is None or len(values) != 1:
                            continue
                        target = go_target(target.word, values[0], target.verb)
                        if target is None:
                            continue
                    problem = _problem(ctx, node, step, target)
                    if problem is not None:
                        yield ctx.finding(target.word, f"`go {target.verb} {target.path}`: {problem}; "
                                                       f"pin a version: `{target.path}@vX.Y.Z`")


def _problem(ctx: RuleContext, node, step, target: GoTarget) -> Optional[str]:
    if target.query is not None:
        return go_query_problem(target.query)
    if target.verb == "get":
        return "without `@version` it takes the newest release (and writes it to go.mod)"
    if target.verb == "install" and not go_module_context(ctx.analysis, node, step):
        return ("without `@version` and outside a module, Go 1.16+ refuses it and older Go builds the newest "
                "commit")
    return None
