"""DF710 cmd-repeats-entrypoint: an exec-form CMD that starts with the program the ENTRYPOINT already runs."""

from __future__ import annotations

import json
import re
import shlex
from typing import Iterator, Optional

from dflint.diagnostic import Severity
from dflint.model.history import image_commands
from dflint.rule import Finding, Rule, RuleContext
from dflint.shell.pipefail import shell_name


class CmdRepeatsEntrypoint(Rule):
    """The CMD names the ENTRYPOINT's program again: it runs as that program's first argument.

    ## What it does
    Reports an exec-form `CMD` whose first element is the program of the
    exec-form `ENTRYPOINT` in effect (`ENTRYPOINT ["python"]` with
    `CMD ["python", "app.py"]`), or is a whole command line starting with
    it (`CMD ["python app.py"]`, one argument, which is also what DF402's
    fix makes of single-quoted JSON), compared by file name, so `/usr/bin/python3`
    and `python3` are the same program (on Windows also without case and
    `.exe`). The image's configuration is followed as BuildKit builds it,
    through the stages a stage is built `FROM` (see DF709 for how an
    ENTRYPOINT clears an earlier stage's CMD). The finding points at the
    CMD's first element and names the ENTRYPOINT.

    An ENTRYPOINT that is a shell ending in `-c` with no script (`["/bin/sh",
    "-c"]`, `["bash", "-lc"]`) takes the CMD's first element as its script:
    a one-string CMD (`CMD ["sh ./start.sh"]`, `CMD ["bash"]`) is what it
    expects and is not reported. A CMD of several elements that starts with
    that shell is: `["bash", "run.sh"]` runs the script `bash` alone, a
    shell reading the empty standard input, with `run.sh` as its unused `$0`;
    the message gives the CMD as one string instead (`["bash run.sh"]`).

    Shell-form commands are left to DF401 (json-args-recommended) and DF709
    (shell-entrypoint-ignores-cmd), and an ENTRYPOINT of the base image
    cannot be seen here. hadolint and BuildKit have no such check.

    ## Why is this bad?
    The container runs the ENTRYPOINT followed by the CMD: here
    `python python app.py`, which asks Python to run a script named
    `python` and fails at start-up (`can't open file '/app/python'`), or,
    for a program that takes subcommands, runs the wrong one. A command line
    in one element is worse: exec form splits nothing, so
    `ENTRYPOINT ["java", "-jar", "/app.jar"]` with `CMD ["java -jar
    /app.jar"]` hands the application the single argument
    `java -jar /app.jar`.

    ## Example
    ```dockerfile
    FROM python:3.12-slim
    COPY . /app
    WORKDIR /app
    ENTRYPOINT ["python"]
    CMD ["python", "app.py"]
    ```

    ## Use instead
    ```dockerfile
    FROM python:3.12-slim
    COPY . /app
    WORKDIR /app
    ENTRYPOINT ["python"]
    CMD ["app.py"]
    ```

    ## Fix safety
    There is no fix: the program may be meant to leave the CMD, or the
    ENTRYPOINT may be the line to drop; only you can tell.
    """

    code = "DF710"
    name = "cmd-repeats-entrypoint"
    summary = "An exec-form CMD that starts with the program the ENTRYPOINT already runs"
    severity = Severity.WARNING

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        model = ctx.model
        for stage, entrypoint, cmd in image_commands(model):
            if entrypoint is None or cmd is None:
                continue
            if not (entrypoint.exec_form and entrypoint.args and cmd.exec_form and cmd.args):
                continue
            windows = model.is_windows(stage)
            program = _program(entrypoint.args[0].value, windows)
            first = cmd.args[0].value
            line = _command_line(first, windows)  # ["java -jar /app.jar"]: the words it holds
            if program is None or program != _program(line[0] if line else first, windows):
                continue
            started = shlex.join([arg.value for arg in entrypoint.args + cmd.args])
            if _shell_c([arg.value for arg in entrypoint.args]):  # ["sh", "-c"]: the CMD's first element is the script
                if line or len(cmd.args) == 1:
                    continue  # ["sh ./start.sh"], ["bash"]: a script, as such an ENTRYPOINT expects
                yield ctx.finding(
                    cmd.args[0],
                    f"`{first}` is the shell the ENTRYPOINT on line {entrypoint.line} already runs with `-c`: "
                    f"the container starts as `{started}`, which runs `{first}` alone as the script, the other "
                    "elements becoming its unused `$0`, `$1`...; give the CMD as one string, the script "
                    f"(`CMD {_json_array([shlex.join(arg.value for arg in cmd.args)])}`)",
                    related=[("the ENTRYPOINT", entrypoint)])
                continue
            if line:
                yield ctx.finding(
                    cmd.args[0],
                    f"`{first}` is one argument that starts with `{line[0]}`, the program the ENTRYPOINT on "
                    f"line {entrypoint.line} already runs: the container starts as `{started}`, the program "
                    "getting this whole command line as a single argument; keep only the arguments the "
                    "ENTRYPOINT lacks in the CMD, one per element, or drop it",
                    related=[("the ENTRYPOINT", entrypoint)])
                continue
            yield ctx.finding(
                cmd.args[0],
                f"`{first}` is the program the ENTRYPOINT on line {entrypoint.line} already runs: "
                f"the container starts as `{started}`, with the program as its own first argument; "
                "drop it from the CMD",
                related=[("the ENTRYPOINT", entrypoint)])


def _program(value: str, windows: bool) -> Optional[str]:
    """The file name a command's first element runs, for comparison; None for an empty or variable one,
    or one holding a whole command line (`["npm start"]`: DF708's business)."""
    value = value.strip()
    if not value or "$" in value:
        return None
    if any(c.isspace() for c in value) and not (windows and _ABSOLUTE_WINDOWS.match(value)):
        return None  # a blank is only part of a path in an absolute Windows one (C:\Program Files\...)
    name = re.split(r"[\\/]" if windows else "/", value)[-1]
    if windows:
        name = name.lower()
        name = name[:-4] if name.endswith(".exe") else name
    return name if name and not any(c.isspace() for c in name) else None


def _shell_c(values: list[str]) -> bool:
    """``["/bin/sh", "-c"]``, ``["bash", "-lc"]``, ``["env", "bash", "-e", "-o", "pipefail", "-c"]``: a POSIX
    shell whose options end in ``-c`` with no script after them, so the CMD's first element is the script."""
    if shell_name(values) is None:
        return False
    index = next(i for i, value in enumerate(values) if shell_name([value]))  # behind env
    if shell_name([values[index]]) == "busybox" and index + 1 < len(values):
        index += 1  # busybox sh -c
    seen_c = takes_value = False
    for value in values[index + 1:]:
        if takes_value:
            takes_value = False
        elif len(value) > 1 and value[0] in "-+" and not value.startswith("--"):
            seen_c = seen_c or "c" in value[1:]
            takes_value = value[-1] == "o"  # -o pipefail
        elif not value.startswith("--"):
            return False  # a script, or a script file
    return seen_c


def _json_array(values: list[str]) -> str:
    return "[" + ", ".join(json.dumps(value, ensure_ascii=False) for value in values) + "]"


_ABSOLUTE_WINDOWS = re.compile(r"(?:[A-Za-z]:)?[\\/]")


def _command_line(value: str, windows: bool) -> list[str]:
    """The blank-separated words of an element that holds a whole command line (`"java -jar /app.jar"`);
    [] for one word, and for an absolute Windows path, which may hold blanks."""
    value = value.strip()
    if not any(c.isspace() for c in value) or windows and _ABSOLUTE_WINDOWS.match(value):
        return []
    return value.split()
