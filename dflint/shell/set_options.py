"""The shell options (``errexit``, ``pipefail``...) a shell's command line or a ``set`` turns on or off.

One reading of option words, the way bash, dash and ash read them:

* a word of letters after ``-`` turns options on, after ``+`` off
  (``-eux``, ``+x``); each ``o`` in it takes the next word as an option name
  (``-o pipefail``, ``-euo pipefail``, ``-oe pipefail``), each ``O`` a shopt
  name (``-O extglob``), which is no ``set -o`` option;
* ``-c`` is one more letter: options go on after it (``bash -c -e 'false'``
  runs with errexit), the command string is the first word that is no option;
* bash's long options come first on its command line: ``--login``,
  ``--noprofile``, ``--norc``, ``--posix``..., and ``--rcfile FILE``,
  ``--init-file FILE`` with their file (``set`` has no long options);
* ``--`` and ``-`` end the options, and so does the first other word (the
  command string, a script's path, ``set``'s positional parameters).

What ``set`` changes holds in the shell that runs it and in nothing else:
:func:`forked` tells the ``set`` commands that surely run in a child process
(a pipeline's members, a background job), whatever their words say.

>>> read_options(["--login", "-e", "-o", "pipefail", "-c"])
{'errexit': True, 'pipefail': True}
>>> shell_options(["/usr/bin/env", "bash", "-O", "extglob", "-exc"])
{'errexit': True, 'xtrace': True}
>>> read_options(["-e", "--", "-x"])
{'errexit': True}
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

from .scripts import interpreter

if TYPE_CHECKING:
    from .model import Command

__all__ = ["read_options", "shell_options", "forked", "LETTERS", "LASTPIPE_SHELLS"]

#: The options the letters of ``set`` (and of a shell's command line) stand for.
LETTERS = {"a": "allexport", "b": "notify", "e": "errexit", "f": "noglob", "h": "hashall", "k": "keyword",
           "m": "monitor", "n": "noexec", "p": "privileged", "t": "onecmd", "u": "nounset", "v": "verbose",
           "x": "xtrace", "B": "braceexpand", "C": "noclobber", "E": "errtrace", "H": "histexpand",
           "P": "physical", "T": "functrace"}
#: bash's long options that take the next word as their value.
_LONG_WITH_VALUE = frozenset({"--rcfile", "--init-file"})
#: Shells that run the last command of a pipeline in the shell itself (bash does after
#: ``shopt -s lastpipe``); dash, ash and bash run every member in a subshell.
LASTPIPE_SHELLS = frozenset({"zsh", "ksh", "mksh", "pdksh"})


def read_options(words: Sequence[str]) -> dict[str, bool]:
    """The options ``words`` (a shell's arguments after its name, or ``set``'s arguments) turn on
    (True) or off (False), by name, the last word winning: ``["-e", "+o", "errexit"]`` gives
    ``{"errexit": False}``. Options not named are left out."""
    states: dict[str, bool] = {}
    i = 0
    while i < len(words):
        word = words[i]
        i += 1
        if word.startswith("--"):
            if word == "--":
                break
            if word == "--verbose":
                states["verbose"] = True
            i += word in _LONG_WITH_VALUE
            continue
        if len(word) < 2 or word[0] not in "-+" or not word[1:].isalpha():
            break  # `-`, the command string, a script, positional parameters
        on = word[0] == "-"
        for letter in word[1:]:
            if letter in "oO":
                if i < len(words) and letter == "o":
                    states[words[i]] = on
                i += 1
            elif letter in LETTERS:
                states[LETTERS[letter]] = on
    return states


def shell_options(argv: Sequence[str]) -> dict[str, bool]:
    """The options of an interpreter command line (a SHELL instruction's value, a shebang's words,
    ``bash -o pipefail -c``), read after the shell's name: ``/usr/bin/env bash -e`` and
    ``/bin/busybox sh -e`` turn errexit on."""
    words = list(argv)
    program = interpreter(words)
    start = next((i for i, w in enumerate(words) if interpreter([w]) == program), 0) + 1
    return read_options(words[start:])


def forked(command: "Command", lastpipe: bool = False) -> bool:
    """``command`` surely runs in a child process of the shell that reads it, so that a ``set`` there
    changes nothing for the commands after it: a member of a pipeline of several commands (dash and
    bash run each in a subshell: ``set -e | cat``, ``cat x | set -e``; with ``lastpipe``, zsh's and
    ksh's way, or bash's after ``shopt -s lastpipe``, all but the last), or a command run in the
    background (``set -e &``). Its contexts (``( ... )``, ``$( ... )``, ``sh -c``) are the caller's
    to read: which of them fork depends on where the caller stands."""
    if command.next_operator == "&":
        return True
    if command.pipeline_length < 2:
        return False
    return not lastpipe or command.pipeline_index < command.pipeline_length - 1
