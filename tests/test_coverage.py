"""Every hadolint code and BuildKit check maps to a dflint rule, or is listed as not implemented."""

import json
import subprocess
import sys

from dflint.coverage import BUILDKIT_CHECKS, HADOLINT_CODES, NOT_IMPLEMENTED, coverage
from dflint.registry import installed

RULES = installed()[0].rules


def test_every_check_is_covered_or_explained():
    for row in coverage(RULES):
        assert row["rules"] or row.get("not_implemented"), f"{row['source']} {row['check']} is not covered"


def test_not_implemented_entries_are_really_not_implemented():
    aliases = {a for rule in RULES for a in (*rule.aliases, *rule.partial_aliases)}
    assert not (set(NOT_IMPLEMENTED) & aliases)
    assert set(NOT_IMPLEMENTED) <= set(HADOLINT_CODES) | set(BUILDKIT_CHECKS)


def test_aliases_name_real_checks():
    known = set(HADOLINT_CODES) | set(BUILDKIT_CHECKS)
    for rule in RULES:
        for alias in (*rule.aliases, *rule.partial_aliases):
            if alias.startswith("DL") or alias[0].isupper() and not alias.startswith(("CKV", "DS")):
                assert alias in known, f"{rule.code}: unknown alias {alias}"


def test_the_json_listing_shows_the_mapping():
    out = subprocess.run([sys.executable, "-m", "dflint", "rules", "--format", "json"], capture_output=True,
                         text=True, timeout=60, check=True).stdout
    data = json.loads(out)
    rows = {(r["source"], r["check"]): r for r in data["coverage"]}
    assert rows[("hadolint", "DL3006")]["rules"] == ["DF001"]
    assert "DF003" in rows[("hadolint", "DL3009")]["rules"]
    assert rows[("buildkit", "InvalidBaseImagePlatform")]["not_implemented"]
