"""DF806 undefined-var: a variable used where nothing defines it."""

from __future__ import annotations

import re
from typing import Iterator, Optional

from dflint import ast
from dflint.diagnostic import Severity
from dflint.fix import Applicability, Fix
from dflint.model.expanded import ExpandedWord, expanded_words
from dflint.model.image_env import image_may_set
from dflint.rule import Finding, Rule, RuleContext
from dflint.suggest import closest

_REFERENCE = r"\$(?:\{%s(?=[}:#%%/+?-])|%s(?![A-Za-z0-9_]))"
#: A reference that gives nothing for an unset name: ``$NAME``, ``${NAME}``, ``${NAME#pattern}``... (not ``:-``).
_PLAIN_REFERENCE = r"\$(?:\{%s(?=[}#%%/])|%s(?![A-Za-z0-9_]))"
#: BuildKit gives every stage a PATH, ``scratch`` included (its default for the platform).
_PREDEFINED = frozenset(("PATH",))


class UndefinedVar(Rule):
    r"""A `$VARIABLE` that no ARG or ENV defines expands to nothing.

    ## What it does
    Reports variables in instructions Docker expands (ENV, ARG, LABEL, COPY,
    ADD, WORKDIR, USER, EXPOSE, VOLUME, STOPSIGNAL and their flags; FROM is
    the business of `undefined-arg-in-from`) that no ARG or ENV in scope
    defines, with a did-you-mean. Like BuildKit's `UndefinedVar`, with one
    difference: BuildKit also knows the base image's environment, which a
    linter cannot see. In a stage built on an image, an unknown name may come
    from that image (`$PATH`, `$JAVA_HOME`), so dflint only reports it when it
    is close to a name that is defined here (a typo, as BuildKit suggests
    it). In stages on `scratch` every undefined name is reported but `PATH`,
    which BuildKit sets in every stage. A name only used with a default (`${UID:-1000}`,
    `${X:+--flag}`, `${X:?message}`) is not reported: the default says
    what an unset name gives. An ARG declared before the first `FROM`, and
    a platform ARG such as `TARGETARCH`, must be declared again with `ARG`
    inside the stage to be used there: such a name is reported in any stage
    that has not, with two exceptions for a stage built on an image that
    may set the same name in its environment (not `scratch`, nor a bare
    system image such as `debian`, `ubuntu` or `alpine`, which set none):
    a name that widely used images set (`PYTHON_VERSION`, `JAVA_HOME`,
    `GOPATH`, `LANG`, `HOME`...: `ARG PYTHON_VERSION=3.12` then `FROM
    python:3.12-slim` gives the image's value), and a name a `FROM` of the
    stage's lineage uses in the image's tag when it is named like a version
    (ends in `VERSION`, or is one of those names: `ARG NODE_VERSION` then
    `FROM node:${NODE_VERSION}-slim`). A name used for the image's
    repository or whole reference (`ARG BASE_IMAGE` then `FROM
    ${BASE_IMAGE}`) is reported: no image sets that.

    The body of a COPY or ADD here-document whose delimiter is not quoted
    (`COPY <<EOF /etc/app.conf`) is checked too: BuildKit expands it,
    always with the `\` escape and leaving quotes as they are, so
    `'$NAME'` is expanded and `\$NAME` is not. The message then says how to
    keep the reference in the file instead (`\$NAME`, or `<<'EOF'`). A
    quoted delimiter (`<<"EOF"`, `<<'EOF'`) makes the body literal, and a
    RUN here-document is read by the shell, not BuildKit: neither is
    checked.

    ## Why is this bad?
    BuildKit substitutes the empty string: `COPY app /opt/$APP_VERISON/`
    silently copies to `/opt/`.

    ## Example
    ```dockerfile
    FROM alpine:3.20
    ARG APP_VERSION=1.4.2
    WORKDIR /opt/app-$APP_VERISON
    ```

    ## Use instead
    ```dockerfile
    FROM alpine:3.20
    ARG APP_VERSION=1.4.2
    WORKDIR /opt/app-$APP_VERSION
    ```

    ## Fix safety
    For a global or platform ARG the stage has not declared, the fix adds
    `ARG NAME` before the first instruction that uses it, which gives the
    stage the global value (or the platform's). It goes above the comments
    written since the previous instruction, so that a suppression comment
    (`# dflint: ignore=`, `# hadolint ignore=`, `# check=skip=`) keeps
    covering that instruction and a description comment does not become the
    ARG's (BuildKit reads the comments above an ARG as its description). It
    is unsafe: it changes what the build does, although to what its author
    meant. Other names have no fix.
    """

    code = "DF806"
    name = "undefined-var"
    summary = "Variable used where nothing defines it"
    severity = Severity.WARNING
    fixable = True
    aliases = ("UndefinedVar",)

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        model = ctx.model
        declared: dict[int, set[str]] = {}  # per stage, the global ARGs a fix already declares
        for node in ctx.instructions:
            stage = model.stage_of(node)
            if isinstance(node, (ast.FromInstruction, ast.InvalidInstruction)) or stage is None:
                continue
            scope = model.scope_at(node)
            for word in expanded_words(node):
                expansion = word.expand(model)
                escape = word.escape or model.escape
                for name in sorted(expansion.used):
                    if scope.get(name) is not None or name in _PREDEFINED:
                        continue
                    if _search(_PLAIN_REFERENCE, name, word.text, escape) is None:
                        continue  # only ${NAME:-default}-style references, which say what an unset NAME gives
                    found = _search(_REFERENCE, name, word.text, escape)
                    span = word.span_of(found.start(), _reference_end(word.text, found)) if found else word.span
                    keep = _keep_advice(word, name)
                    if model.global_scope.get(name) is not None and name not in model.args_in_from(stage) \
                            and not image_may_set(model, stage, name):
                        # Declared for FROM lines (or by the platform): the file shows what the stage lacks.
                        fixed = declared.setdefault(stage.index, set())
                        fix = None if name in fixed else _declare_fix(ctx, node, name)
                        fixed.add(name)
                        yield ctx.finding(span, _global_message(name, model.global_scope.get(name).kind) + keep, fix)
                        continue
                    suggestion = closest(name, scope.names())
                    if scope.base_image_env and suggestion is None:
                        continue  # may well come from the base image's ENV
                    hint = f" (did you mean ${suggestion}?)" if suggestion else ""
                    yield ctx.finding(span, f"${name} is not defined here, so it expands to nothing{hint}{keep}")


def _search(pattern: str, name: str, text: str, escape: str) -> Optional[re.Match]:
    """The first reference to ``name`` in ``text`` that the escape character does not make literal
    (``\\$NAME`` is not one, ``\\\\$NAME`` is)."""
    for found in re.finditer(pattern % (re.escape(name), re.escape(name)), text):
        start = found.start()
        while start > 0 and text[start - 1] == escape:
            start -= 1
        if (found.start() - start) % 2 == 0:
            return found
    return None


def _keep_advice(word: ExpandedWord, name: str) -> str:
    """For a COPY/ADD here-document's body: how to keep the reference in the file instead."""
    if word.heredoc is None:
        return ""
    return (f"; BuildKit expands the body of here-document {word.heredoc.name} as its delimiter is not quoted: "
            f"to write ${name} into the file, escape it (\\${name}) or quote the delimiter (<<'{word.heredoc.name}')")


def _reference_end(text: str, found: re.Match) -> int:
    """Where the reference ``found`` ends: after the closing brace of a plain ``${NAME}``."""
    return found.end() + 1 if text.startswith("${", found.start()) and text.startswith("}", found.end()) \
        else found.end()


def _global_message(name: str, kind: str) -> str:
    if kind == "platform":
        return (f"${name} expands to nothing here: a stage sees the platform ARG {name} only after `ARG {name}`; "
                f"declare it in the stage before this instruction")
    return (f"${name} expands to nothing here: ARG {name} is declared before FROM, which only FROM lines see; "
            f"declare `ARG {name}` in the stage before this instruction")


def _declare_fix(ctx: RuleContext, node: ast.Instruction, name: str) -> Optional[Fix]:
    edit = ctx.insertion_before(node, f"ARG {name}")
    return ctx.fix(f"Add `ARG {name}` before the instruction", edit, applicability=Applicability.UNSAFE) \
        if edit else None
