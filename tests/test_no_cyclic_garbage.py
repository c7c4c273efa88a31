"""Linting leaves no reference cycles behind.

The linter keeps the cyclic collector paused while it works (a file's tree,
model and scripts are hundreds of thousands of objects on big files, and
collections in the middle only walk them again). That is sound only while a
file leaves no cycles: whatever is in one stays in memory until a collection
runs, and that collection walks all of it. A parent link in the layer model's
path index once put every RUN's shell model in a cycle: 314,652 objects for 600
files, freed by one half-second collection at the end of a one-core run.
"""

from __future__ import annotations

import gc
from pathlib import Path

from dflint.config import Overrides, default_config
from dflint.linter import Linter
from dflint.registry import installed
from dflint.testing import load_cases

ROOT = Path(__file__).parent.parent
CASES = sorted({case.dockerfile for path in sorted((ROOT / "tests" / "rules" / "cases").glob("*.yaml"))
                for case in load_cases(path)})
FILES = sorted(path.read_text(encoding="utf-8", errors="surrogateescape")
               for path in [*(ROOT / "examples").rglob("*Dockerfile*"),
                            *(ROOT / "tests" / "fixtures" / "realworld").rglob("*")]
               if path.is_file())
RULES, _ = installed()
CONFIG = default_config(RULES).merged_with(Overrides(select=["ALL"]), RULES)


def _cyclic_garbage(linter: Linter, texts: list[str], fix: bool) -> int:
    """The objects a collection finds unreachable after linting ``texts`` with the collector paused."""
    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        for number, text in enumerate(texts):
            linter.lint_text(text, f"Dockerfile.{number}", CONFIG, fix=fix, unsafe_fixes=fix)
        return gc.collect()
    finally:
        if was_enabled:
            gc.enable()


def test_linting_and_fixing_leave_no_cycles():
    texts = CASES + FILES
    assert len(texts) > 500
    linter = Linter(RULES)
    # Lark loads on the first script the shell fast path cannot read; importing it imports pickle, which
    # replaces its own exception classes by _pickle's and leaves the old ones in a cycle: once per process.
    import dflint.shell.grammar  # noqa: F401
    _cyclic_garbage(linter, texts[::20], fix=True)  # the first lints may build one-off structures
    assert _cyclic_garbage(linter, texts, fix=True) == 0
