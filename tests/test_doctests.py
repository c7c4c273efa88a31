"""Every example in a dflint module's docstrings still runs as written (they are documentation users read)."""

import doctest
import importlib
import pkgutil

import pytest

import dflint

MODULES = sorted(info.name for info in pkgutil.walk_packages(dflint.__path__, "dflint.")
                 if not info.name.endswith("__main__"))


def test_modules_found():
    assert "dflint.shell.pipefail" in MODULES and "dflint.model.layers" in MODULES


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), report=True)
    assert result.failed == 0
