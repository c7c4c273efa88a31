"""Which rules run: selectors (codes, prefixes, names, aliases) and the most-specific-wins rule.

A selector is ``ALL``, a rule code (``DF001``), a code prefix (``DF0``), a rule
name (``untagged-image``) or an alias (hadolint's ``DL3006``, BuildKit's
``UndefinedVar``). When a rule is matched by both a select and an ignore
selector, the more specific one decides (exact > longer prefix > shorter
prefix > ALL); on a tie, ignore wins. An opt-in rule (``default_enabled``
false) runs only when named exactly or by ``ALL``: a prefix (``--select DF5``)
narrows the default rules, it does not turn on policies. A rule that is
``always_enabled`` (syntax-error) runs whatever the selectors say.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Optional, Sequence

from .rule import Rule
from .suggest import closest

EXACT = 10_000
_PREFIX = re.compile(r"[A-Z]+[0-9]*")


class UnknownSelector(ValueError):
    def __init__(self, selector: str, suggestion: Optional[str]) -> None:
        hint = f" (did you mean {suggestion}?)" if suggestion else ""
        super().__init__(f"unknown rule selector {selector!r}{hint}")
        self.selector = selector
        self.suggestion = suggestion


class RuleSet:
    """All known rules, indexed by code, name and alias."""

    def __init__(self, rules: Iterable[type[Rule]]) -> None:
        self.rules: list[type[Rule]] = sorted(rules, key=lambda r: r.code)
        self.by_key: dict[str, list[type[Rule]]] = {}
        self.partial: dict[str, list[type[Rule]]] = {}
        for rule in self.rules:
            for key in (rule.code, rule.name, *rule.aliases):
                self.by_key.setdefault(key.lower(), []).append(rule)
            for key in rule.partial_aliases:
                self.by_key.setdefault(key.lower(), []).append(rule)
                self.partial.setdefault(key.lower(), []).append(rule)

    def get(self, key: str) -> Optional[type[Rule]]:
        """The rule whose code or name is ``key`` (aliases can be ambiguous, so not here)."""
        for rule in self.by_key.get(key.lower(), []):
            if key.lower() in (rule.code.lower(), rule.name):
                return rule
        return None

    def match(self, selector: str) -> tuple[list[type[Rule]], int]:
        """Rules a selector matches, and how specific it is; UnknownSelector if none."""
        key = selector.strip()
        if key.upper() == "ALL":
            return list(self.rules), 0
        exact = self.by_key.get(key.lower())
        if exact:
            return list(exact), EXACT
        if _PREFIX.fullmatch(key):
            prefixed = [r for r in self.rules if r.code.startswith(key)]
            if prefixed:
                return prefixed, len(key)
        options = [r.code for r in self.rules] + [r.name for r in self.rules]
        options += [alias for r in self.rules for alias in (*r.aliases, *r.partial_aliases)]
        suggestion = closest(key, options, case_sensitive=False)
        if suggestion is not None:  # spelled as the rule spells it: DF000, not df000 for 'DF06x'
            suggestion = next(option for option in options if option.lower() == suggestion.lower())
        raise UnknownSelector(selector, suggestion)

    def knows(self, selector: str) -> bool:
        """Whether ``selector`` names at least one rule (code, prefix, name or alias)."""
        try:
            return bool(self.match(selector)[0])
        except UnknownSelector:
            return False

    def validate(self, selectors: Iterable[str]) -> None:
        for selector in selectors:
            self.match(selector)


@dataclass(frozen=True)
class Selection:
    """Which rules run: --select (or the defaults), --extend-select, --ignore."""

    select: Optional[Sequence[str]] = None
    extend_select: Sequence[str] = ()
    ignore: Sequence[str] = ()

    def enabled(self, rules: RuleSet, extra_ignore: Sequence[str] = ()) -> list[type[Rule]]:
        """The rules to run, in code order."""
        chosen: dict[str, int] = {}
        if self.select is None:
            for rule in rules.rules:
                if getattr(rule, "default_enabled", True):
                    chosen[rule.code] = -1
        for selector in list(self.select or ()) + list(self.extend_select):
            matched, specificity = rules.match(selector)
            for rule in matched:
                if 0 < specificity < EXACT and not getattr(rule, "default_enabled", True):
                    continue  # a prefix does not turn on an opt-in rule
                chosen[rule.code] = max(chosen.get(rule.code, -1), specificity)
        ignored: dict[str, int] = {}
        for selector in list(self.ignore) + list(extra_ignore):
            if selector.lower() in rules.partial:
                continue  # drops some findings only: see ignored_aliases()
            matched, specificity = rules.match(selector)
            for rule in matched:
                ignored[rule.code] = max(ignored.get(rule.code, -1), specificity)
        return [
            rule for rule in rules.rules
            if rule.code in chosen and chosen[rule.code] > ignored.get(rule.code, -2)
            or getattr(rule, "always_enabled", False)
        ]

    def ignores(self, rules: RuleSet, rule: type[Rule], extra_ignore: Sequence[str] = ()) -> bool:
        """Whether an ignore selector (or one of ``extra_ignore``, the per-file ones) matches ``rule``,
        however broadly (``ALL``, a prefix, its code, name or an alias)."""
        for selector in (*self.ignore, *extra_ignore):
            if selector.lower() in rules.partial:
                continue
            if rule in rules.match(selector)[0]:
                return True
        return False

    def ignored_aliases(self, rules: RuleSet, extra_ignore: Sequence[str] = ()) -> frozenset[str]:
        """Partial aliases being ignored: findings carrying them are dropped."""
        return frozenset(s.lower() for s in (*self.ignore, *extra_ignore) if s.lower() in rules.partial)
