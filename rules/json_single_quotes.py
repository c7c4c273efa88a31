"""DF402 json-single-quotes: arguments meant as a JSON array that BuildKit reads in shell form."""

from __future__ import annotations

from typing import Iterator, Optional

from dflint import ast
from dflint.diagnostic import Severity
from dflint.fix import Fix
from dflint.model.near_json import NearJson, Problem, read_near_json, repaired, replacements
from dflint.rule import Finding, Rule, RuleContext
from dflint.shell import parse_shell

_WHAT = {
    "single-quotes": "single quotes", "unquoted": "an element that is not a double-quoted string",
    "bad-string": "a string with an invalid escape", "trailing-comma": "a trailing comma",
    "empty-element": "an empty element", "trailing-text": "text after the closing `]`",
    "missing-comma": "no comma between two elements", "unclosed": "no closing `]`",
}
_ADVICE = {
    "single-quotes": "use double quotes", "unquoted": "quote every element with double quotes",
    "bad-string": 'escape backslashes as `\\\\` (JSON strings)', "trailing-comma": "remove the trailing comma",
    "empty-element": "remove the empty element", "trailing-text": "remove the text after `]`",
    "missing-comma": "separate the elements with commas", "unclosed": "close the array with `]`",
}


class JsonSingleQuotes(Rule):
    r"""Arguments written as a JSON array that is not valid JSON silently run in shell form.

    ## What it does
    Reports `RUN`, `CMD`, `ENTRYPOINT`, `HEALTHCHECK CMD`, `COPY`, `ADD` and
    `VOLUME` arguments (`ONBUILD` triggers included) that are a bracketed,
    comma-separated list meant as the exec (JSON) form but are not valid
    JSON of strings: single quotes (`CMD ['node', 'app.js']`), a trailing
    comma, bare words (`[node, app.js]`, `VOLUME [/data]`), an empty
    element, a missing comma (`["a" "b"]`), a missing `]`, an invalid
    escape (`"C:\app"`), or text after the closing bracket
    (`CMD ["a"] # comment`). The finding points at the first offending
    element.

    `RUN [ 'x' ]` with spaces inside the brackets and a single element is
    not reported: it is the shell's test command. Valid JSON with elements
    that are not strings (`["sleep", 5]`) and a `SHELL` that is not JSON
    are syntax errors already (DF000).

    ## Why is this bad?
    BuildKit takes the exec form only when the arguments are a valid JSON
    array of strings; anything else silently falls back to the shell form.
    `CMD ['node', 'app.js']` then runs `/bin/sh -c "['node', 'app.js']"`,
    which fails at start-up with `[node,: not found`; `COPY ["a", "b",] /x`
    copies paths named `["a",` and `"b",]`; `VOLUME ['/data']` declares a
    volume at a path with brackets and quotes in it. (Older BuildKit,
    v0.12 for one, ignored text after the closing bracket; current
    versions do not.)

    ## Example
    ```dockerfile
    FROM node:22-slim
    COPY . /app
    CMD ['node', '/app/server.js']
    ```

    ## Use instead
    ```dockerfile
    FROM node:22-slim
    COPY . /app
    CMD ["node", "/app/server.js"]
    ```

    ## Fix safety
    When the only problems are single quotes (around strings without
    backslashes) and a trailing comma, the fix writes double quotes and
    drops the comma, and checks that the result is a JSON array of strings.
    It is safe: the text as written cannot work (the shell form runs a
    command named like `[node,` and the COPY sources do not exist), and the
    new text is what it plainly means. Other problems have no fix.
    """

    code = "DF402"
    name = "json-single-quotes"
    summary = "Arguments meant as a JSON array that are not valid JSON (read in shell form)"
    severity = Severity.ERROR
    fixable = True

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for node in ctx.file.walk():
            origin = _arguments_origin(node)
            if origin is None:
                continue
            text = node.original[origin:]
            found = read_near_json(text)
            if found is None or (isinstance(node, ast.RunInstruction) and _shell_test(found)):
                continue
            first = found.problems[0]
            yield ctx.finding(
                node.span_of(origin + first.start, origin + first.end),
                f"{node.name} arguments look like a JSON array but have {_all_problems(found)}: "
                f"BuildKit then {_consequence(node)}; {_ADVICE[first.kind]}",
                _fix(ctx, node, origin, found))


def _arguments_origin(node: ast.Instruction) -> Optional[int]:
    """Where the arguments BuildKit may read as JSON start in ``node.original``."""
    if node.exec_form or isinstance(node, (ast.ShellInstruction, ast.OnbuildInstruction)) or node.heredocs:
        return None
    if isinstance(node, ast.HealthcheckInstruction):
        args = node.command_args
    elif isinstance(node, (ast.RunInstruction, ast.CmdInstruction, ast.EntrypointInstruction, ast.CopyInstruction,
                           ast.AddInstruction, ast.VolumeInstruction)):
        args = node.args
    else:
        return None
    if not args or args[0].origin < 0 or not args[0].value.startswith("["):
        return None
    return args[0].origin


def _shell_test(found: NearJson) -> bool:
    """``[ 'x' ]``: one element, spaces inside the brackets: the shell's ``[`` command."""
    return not found.commas and found.text[found.open + 1:found.open + 2] in (" ", "\t")


def _all_problems(found: NearJson) -> str:
    """What is wrong, first the first problem: ``single quotes (3 elements) and a trailing comma``."""
    counts: dict[str, int] = {}
    for problem in found.problems:
        counts[problem.kind] = counts.get(problem.kind, 0) + 1
    first = found.problems[0]
    if first.kind == "unquoted" and counts["unquoted"] > 1:
        shown = ", ".join(f"`{found.text[p.start:p.end]}`" for p in found.problems if p.kind == "unquoted")
        parts = [f"elements that are not double-quoted strings ({shown})"]
    else:
        parts = [_what(found, first) + (f" ({counts[first.kind]} elements)" if counts[first.kind] > 1 else "")]
    parts += [_WHAT[kind] + (f" ({count} times)" if count > 1 else "")
              for kind, count in counts.items() if kind != first.kind]
    return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"


def _what(found: NearJson, problem: Problem) -> str:
    shown = found.text[problem.start:problem.end]
    if problem.kind == "unquoted":
        return f"an element that is not a double-quoted string (`{shown}`)"
    return _WHAT[problem.kind]


def _consequence(node: ast.Instruction) -> str:
    if isinstance(node, (ast.CopyInstruction, ast.AddInstruction)):
        return "reads them as space-separated paths, brackets and quotes included"
    if isinstance(node, ast.VolumeInstruction):
        return "declares volumes at paths with the brackets and quotes in them"
    return "runs them in shell form, as a command named like `" + _first_word(node) + "`"


def _first_word(node: ast.Instruction) -> str:
    """The command the shell form runs: ``['node',`` is ``[node,``."""
    args = node.command_args if isinstance(node, ast.HealthcheckInstruction) else node.args
    commands = parse_shell(args[0].value).commands if args else ()
    return commands[0].argv[0].value if commands and commands[0].argv else "["


def _fix(ctx: RuleContext, node: ast.Instruction, origin: int, found: NearJson) -> Optional[Fix]:
    result = repaired(found)
    if result is None:
        return None
    edits = []
    for start, end, content in replacements(found):
        span = node.span_of(origin + start, origin + end)
        if span.start.line != span.end.line or span.end.offset - span.start.offset != end - start:
            return None  # an element across a line continuation: leave it to the author
        edits.append(ctx.edit(span.start.offset, span.end.offset, content))
    return ctx.fix(f"Write the JSON array {result}", *edits)
