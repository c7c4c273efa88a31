"""How dflint's rules cover the checks of hadolint and BuildKit, and what it leaves out on purpose.

Every hadolint code and every BuildKit check name is either an alias (or a
partial alias) of a dflint rule, or listed in :data:`NOT_IMPLEMENTED` with the
reason. ``dflint rules --format json`` shows both; a test keeps this complete.
"""

from __future__ import annotations

#: hadolint 2.15.1's DL codes, and the numbers in its ranges it does not (or no longer) use.
HADOLINT_CODES = (
    "DL1001",
    *(f"DL{n}" for n in range(3000, 3068)),
    *(f"DL{n}" for n in range(4000, 4007)),
)

#: BuildKit's build checks (frontend/dockerfile/linter/ruleset.go).
BUILDKIT_CHECKS = (
    "ConsistentInstructionCasing", "CopyIgnoredFile", "DuplicateStageName", "ExposeInvalidFormat",
    "ExposeProtoCasing", "FromAsCasing", "FromPlatformFlagConstDisallowed", "InvalidBaseImagePlatform",
    "InvalidDefaultArgInFrom", "InvalidDefinitionDescription", "JSONArgsRecommended", "LegacyKeyValueFormat",
    "MaintainerDeprecated", "MultipleInstructionsDisallowed", "NoEmptyContinuation", "RedundantTargetPlatform",
    "ReservedStageName", "SecretsUsedInArgOrEnv", "StageNameCasing", "UndefinedArgInFrom", "UndefinedVar",
    "WorkdirRelativePath",
)

NOT_IMPLEMENTED: dict[str, str] = {
    "DL4002": "not a hadolint rule: the number was never used",
    "InvalidBaseImagePlatform": "needs the platforms the base image was published for, which only its "
                                "registry knows: dflint reads the Dockerfile and never pulls images",
}


def coverage(rules) -> list[dict[str, object]]:
    """For each hadolint code and BuildKit check: the dflint rules answering to it, or why none does."""
    by_alias: dict[str, list[str]] = {}
    for rule in rules:
        for alias in (*rule.aliases, *rule.partial_aliases):
            by_alias.setdefault(alias, []).append(rule.code)
    rows: list[dict[str, object]] = []
    for source, names in (("hadolint", HADOLINT_CODES), ("buildkit", BUILDKIT_CHECKS)):
        for name in names:
            entry: dict[str, object] = {"source": source, "check": name, "rules": by_alias.get(name, [])}
            if name in NOT_IMPLEMENTED:
                entry["not_implemented"] = NOT_IMPLEMENTED[name]
            rows.append(entry)
    return rows
