"""Every module of dflint and its rules compiles without a warning.

An invalid escape sequence in a docstring (a backslash in a rule's docs
without ``r\"\"\"``) is only a DeprecationWarning today, shown once when the
.pyc is written and never again, and a SyntaxError in a later Python.
"""

import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SOURCES = sorted([*ROOT.joinpath("dflint").rglob("*.py"), *ROOT.joinpath("rules").glob("*.py")])


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_module_compiles_without_warnings(path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        compile(path.read_text(encoding="utf-8"), str(path), "exec")
