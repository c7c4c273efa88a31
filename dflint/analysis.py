"""Everything rules share about one file, computed once and only when asked for."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

from . import ast
from .source import LineIndex

if TYPE_CHECKING:  # pragma: no cover
    from .model import BuildModel

#: The shell BuildKit uses for shell-form RUN until a SHELL instruction says otherwise.
DEFAULT_SHELL = ("/bin/sh", "-c")
WINDOWS_SHELL = ("cmd", "/S", "/C")


class Analysis:
    """The parsed file plus lazily built views: line index, build model, shell scripts."""

    def __init__(self, path: str, file: ast.File) -> None:
        self.path = path
        self.file = file
        self._line_index: Optional[LineIndex] = None
        self._model: Optional["BuildModel"] = None
        self._scripts: dict[ast.Instruction, Any] = {}
        self._shells: Optional[dict[ast.Instruction, tuple[str, ...]]] = None
        self._memos: dict[str, dict[Any, Any]] = {}

    @property
    def line_index(self) -> LineIndex:
        if self._line_index is None:
            self._line_index = LineIndex(self.file.text)
        return self._line_index

    @property
    def model(self) -> "BuildModel":
        if self._model is None:
            from .model import BuildModel

            self._model = BuildModel(self.file)
        return self._model

    def shell_for(self, node: ast.Instruction) -> tuple[str, ...]:
        """The shell that runs ``node``'s scripts: the SHELL in effect (a stage starts with its
        parent stage's shell), or an exec-form RUN's own (``["bash", "-o", "pipefail", "-c"]``
        of ``RUN ["bash", "-o", "pipefail", "-c", "..."]``)."""
        if self._shells is None:
            self._shells = self._compute_shells()
        shell = self._shells.get(node, DEFAULT_SHELL)
        run = node.effective
        if isinstance(run, ast.RunInstruction) and run.exec_form:
            from .shell.scripts import exec_form_shell

            found = exec_form_shell(run)
            return found[0] if found is not None else shell
        return shell

    def _compute_shells(self) -> dict[ast.Instruction, tuple[str, ...]]:
        shells: dict[ast.Instruction, tuple[str, ...]] = {}
        final: list[tuple[str, ...]] = []
        model = self.model
        for stage in model.stages:
            if stage.parent is not None:
                shell = final[stage.parent]
            else:
                shell = WINDOWS_SHELL if model.is_windows(stage) else DEFAULT_SHELL
            for node in stage.instructions:
                shells[node] = shell
                if isinstance(node, ast.OnbuildInstruction) and node.trigger is not None:
                    shells[node.trigger] = shell
                if isinstance(node, ast.ShellInstruction) and node.exec_form and node.args:
                    shell = tuple(arg.value for arg in node.args)
            final.append(shell)
        return shells

    def memo(self, name: str) -> dict[Any, Any]:
        """The table ``name`` of facts derived from this file (the layer model's steps, ...), made on
        first use: it lives as long as the analysis, and a lookup costs one dict access (a weak-keyed
        table per module cost a new weak reference on every lookup)."""
        table = self._memos.get(name)
        if table is None:
            table = self._memos[name] = {}
        return table

    def commands(self, node: ast.Instruction) -> list[Any]:
        """The shell scripts ``node`` runs (see :func:`dflint.shell.scripts_for`), cached. An exec-form
        RUN with no shell gives its one command (:func:`~dflint.shell.scripts.exec_form_command`), in a
        stage whose SHELL is a POSIX shell: in a Windows one, the paths and tools the rules know are
        not those of the command."""
        scripts = self._scripts.get(node)
        if scripts is None:
            from .shell.scripts import exec_form_command, exec_form_run, is_posix_shell, scripts_for

            shell = self.shell_for(node)
            scripts = scripts_for(node, shell=shell)
            run = exec_form_run(node) if not scripts else None
            if run is not None and is_posix_shell(shell):
                scripts = (exec_form_command(run, self.file.text, self.line_index),)
            self._scripts[node] = scripts
        return scripts
