"""Every rule's YAML cases (tests/rules/cases/<CODE>.yaml), run through the shipped harness."""

from dataclasses import replace
from pathlib import Path

import pytest

from dflint.testing import case_params, check_case

CASES = Path(__file__).parent / "rules" / "cases"


@pytest.mark.parametrize("case", case_params(CASES))
def test_rule_case(case):
    check_case(case)


FIXED = [param for param in case_params(CASES) if param.values[0].fixed is not None]


@pytest.mark.parametrize("case", FIXED)
def test_a_fix_writes_the_line_endings_of_a_crlf_file(case):
    """A fix keeps a Windows file's CRLF line endings: no bare LF in a line it writes."""

    crlf = replace(case, dockerfile=case.dockerfile.replace("\n", "\r\n"), fixed=case.fixed.replace("\n", "\r\n"))
    check_case(crlf)
