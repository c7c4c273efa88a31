"""Every rule's YAML cases (tests/rules/cases/<CODE>.yaml), run through the shipped harness."""

from pathlib import Path

import pytest

from dflint.testing import case_params, check_case

CASES = Path(__file__).parent / "rules" / "cases"


@pytest.mark.parametrize("case", case_params(CASES))
def test_rule_case(case):
    check_case(case)
