"""The shell model of RUN: each command a RUN executes, with argv and exact spans.

>>> from dflint.shell import parse_shell
>>> script = parse_shell("apt-get update && apt-get install -y curl")
>>> [c.name for c in script.commands]
['apt-get', 'apt-get']
>>> script.find("apt-get", "install")[0].argv[3].value
'curl'

:func:`parse_shell` parses any script text; :func:`scripts_for` gives the
scripts a RUN instruction executes (its command line, heredoc scripts), with
spans in the Dockerfile; :mod:`dflint.shell.tools` reads the options of common
tools (package managers, curl, chmod...).
"""

from .model import CONTEXTS, Assignment, Command, HereDocument, Redirect, Script, ShellError, Word
from .parser import parse_shell
from .positions import (
    PositionMap,
    SegmentPositions,
    TextPositions,
    heredoc_positions,
    run_positions,
    run_shell_input,
)
from .scripts import DEFAULT_SHELL, is_posix_shell, scripts_for

__all__ = [
    "parse_shell", "scripts_for", "Script", "Command", "Word", "Assignment", "Redirect",
    "HereDocument", "ShellError", "CONTEXTS", "PositionMap", "TextPositions", "SegmentPositions",
    "run_positions", "heredoc_positions", "run_shell_input", "is_posix_shell", "DEFAULT_SHELL",
]
