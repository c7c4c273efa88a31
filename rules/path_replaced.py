"""DF712 path-replaced: an ENV PATH that leaves out the old PATH and every system directory."""

from __future__ import annotations

from typing import Iterator, Optional

from dflint import ast
from dflint.diagnostic import Severity
from dflint.fix import Applicability
from dflint.model.history import image_command, image_stages
from dflint.rule import Finding, Rule, RuleContext

# A PATH holding one of these was written out in full on purpose.
_SYSTEM_DIRECTORIES = frozenset({"/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"})


class PathReplaced(Rule):
    """`ENV PATH=/opt/venv/bin` without `:$PATH`: later commands are not found.

    ## What it does
    Reports an `ENV` that sets `PATH` to a value that neither uses the
    PATH it replaces (`$PATH`, `${PATH}`) nor names a system directory
    (`/usr/local/sbin`, `/usr/local/bin`, `/usr/sbin`, `/usr/bin`, `/sbin`,
    `/bin`), after expanding the ARG and ENV variables it uses; an empty
    PATH too. It is reported when something after it looks commands up in
    that PATH: a RUN of its stage or of a stage built `FROM` it, or the
    shell of the image's shell-form CMD or ENTRYPOINT. The finding points
    at the value and names that instruction.

    Not reported: a value whose variables cannot be resolved here (they
    may hold the system directories), a PATH nothing after it uses that
    way (an exec-form ENTRYPOINT of a distroless image may well run a
    program from the new PATH), Windows stages (their PATH is another
    list), stages built on `scratch` (there are no system directories to
    lose), and ONBUILD triggers.

    hadolint and BuildKit have no such check.

    ## Why is this bad?
    PATH is where the shell looks for every command named without a
    directory. Replaced by `/opt/venv/bin`, it loses `/usr/bin` and `/bin`:
    from this instruction on, every RUN that calls `apt-get`, `mkdir` or
    `chmod`, and the container's own command, fails with "not found"
    unless the program happens to be in the new directory. The intent is
    almost always to put the directory in front of the existing PATH.

    ## Example
    ```dockerfile
    FROM python:3.12-slim
    RUN python -m venv /opt/venv
    ENV PATH=/opt/venv/bin
    RUN pip install --no-cache-dir flask && mkdir -p /app
    ```

    ## Use instead
    ```dockerfile
    FROM python:3.12-slim
    RUN python -m venv /opt/venv
    ENV PATH=/opt/venv/bin:$PATH
    RUN pip install --no-cache-dir flask && mkdir -p /app
    ```

    ## Fix safety
    The fix appends `:$PATH` to the value (after a closing single quote,
    inside a double-quoted value); an empty PATH gets none. It is unsafe: commands that were not
    found become found, which changes what later instructions and the
    container run, though only towards what was meant.
    """

    code = "DF712"
    name = "path-replaced"
    summary = "An ENV PATH that leaves out the old PATH and every system directory"
    severity = Severity.WARNING
    fixable = True

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        model = ctx.model
        for stage in model.stages:
            if model.is_windows(stage) or model.lineage(stage)[0].base.is_scratch:
                continue  # Windows: another list; scratch: no system directories to lose
            for node in stage.instructions:
                if not isinstance(node, ast.EnvInstruction):
                    continue
                for pair in node.pairs:
                    if pair.key.value != "PATH" or pair.value is None:
                        continue
                    expansion = model.expand(node, pair.value.value)
                    if expansion.error or expansion.unresolved or "PATH" in expansion.used:
                        continue
                    directories = [d.rstrip("/") or "/" for d in expansion.value.split(":") if d]
                    if _SYSTEM_DIRECTORIES.intersection(directories):
                        continue
                    user = _first_lookup(model, stage, node)
                    if user is None:
                        continue  # nothing after it looks a command up in PATH (a distroless image's exec form)
                    where = f"the RUN on line {user.line} and every later one find" \
                        if isinstance(user, ast.RunInstruction) else \
                        f"the shell of the {user.name} on line {user.line} finds"
                    if not expansion.value:
                        yield ctx.finding(pair.value, f"PATH is set to an empty value: {where} no command "
                                          "named without its directory")
                        continue
                    insert = _insertion(pair.value)
                    suggested = "" if insert is None else \
                        f": `PATH={_with_old_path(pair.value, insert)}`"
                    yield ctx.finding(
                        pair.value,
                        f"PATH is set to {expansion.value}, without the PATH it replaces or any system directory: "
                        f"{where} no command outside it (`apt-get`, `mkdir`...); append the old "
                        f"value{suggested}",
                        None if insert is None else ctx.fix(
                            "Append :$PATH", ctx.edit(insert, insert, ":$PATH"), applicability=Applicability.UNSAFE))


def _first_lookup(model, stage, env: ast.Instruction) -> Optional[ast.Instruction]:
    """The first instruction after ``env`` that looks commands up in PATH: a RUN of its stage or of a
    stage built FROM it, else a shell-form CMD or ENTRYPOINT the image runs. None when there is none
    (an exec-form command may well be in the new PATH)."""
    later = [member for member in model.stages if stage in model.lineage(member)]
    for member in later:
        instructions = member.instructions
        after = instructions[instructions.index(env) + 1:] if member is stage else instructions
        run = next((node for node in after if isinstance(node, ast.RunInstruction)), None)
        if run is not None:
            return run
    for member in later:
        if member.index not in image_stages(model):
            continue
        entrypoint, cmd = image_command(model, member)
        main = entrypoint if entrypoint is not None and entrypoint.args else cmd
        if main is not None and main.shell_text is not None and main.span.start.offset > env.span.start.offset:
            return main
    return None


def _insertion(value: ast.Argument) -> Optional[int]:
    """Where ``:$PATH`` goes in the file: the end of the value, inside its double quotes; None after an escape."""
    raw = value.text
    end = value.span.end.offset
    if len(raw) > 1 and raw.startswith('"') and raw.endswith('"'):
        return end - 1  # inside the double quotes, where $PATH still expands
    if raw.endswith("\\"):
        return None  # appending would change what the escape escapes
    return end


def _with_old_path(value: ast.Argument, insert: int) -> str:
    cut = insert - value.span.start.offset
    return value.text[:cut] + ":$PATH" + value.text[cut:]
