"""DF806 undefined-var: a variable used where nothing defines it."""

from __future__ import annotations

import re
from typing import Iterator

from dflint import ast
from dflint.diagnostic import Severity
from dflint.model.expanded import expanded_words
from dflint.rule import Finding, Rule, RuleContext
from dflint.suggest import closest

_REFERENCE = r"\$(?:\{%s(?=[}:#%%/+?-])|%s(?![A-Za-z0-9_]))"
#: A reference that gives nothing for an unset name: ``$NAME``, ``${NAME}``, ``${NAME#pattern}``... (not ``:-``).
_PLAIN_REFERENCE = r"\$(?:\{%s(?=[}#%%/])|%s(?![A-Za-z0-9_]))"
#: BuildKit gives every stage a PATH, ``scratch`` included (its default for the platform).
_PREDEFINED = frozenset(("PATH",))


class UndefinedVar(Rule):
    """A `$VARIABLE` that no ARG or ENV defines expands to nothing.

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
    what an unset name gives. Predefined ARGs such as
    `TARGETARCH` must be declared with `ARG` inside the stage to be used.

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
    This rule has no fix.
    """

    code = "DF806"
    name = "undefined-var"
    summary = "Variable used where nothing defines it"
    severity = Severity.WARNING
    aliases = ("UndefinedVar",)

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for node in ctx.instructions:
            if isinstance(node, (ast.FromInstruction, ast.InvalidInstruction)) or ctx.model.stage_of(node) is None:
                continue
            scope = ctx.model.scope_at(node)
            for word in expanded_words(node):
                expansion = ctx.model.expand(node, word.text)
                for name in sorted(expansion.used):
                    if scope.get(name) is not None or name in _PREDEFINED:
                        continue
                    if not re.search(_PLAIN_REFERENCE % (re.escape(name), re.escape(name)), word.text):
                        continue  # only ${NAME:-default}-style references, which say what an unset NAME gives
                    suggestion = closest(name, scope.names())
                    if scope.base_image_env and suggestion is None:
                        continue  # may well come from the base image's ENV
                    found = re.search(_REFERENCE % (re.escape(name), re.escape(name)), word.text)
                    span = word.span_of(found.start(), found.end()) if found else word.span
                    hint = f" (did you mean ${suggestion}?)" if suggestion else ""
                    yield ctx.finding(span, f"${name} is not defined here, so it expands to nothing{hint}")
