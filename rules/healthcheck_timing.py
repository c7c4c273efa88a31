"""DF707 healthcheck-timing: HEALTHCHECK options that build but do not do what they seem to."""

from __future__ import annotations

from typing import Iterator, Optional

from dflint import ast
from dflint.diagnostic import Severity
from dflint.rule import Finding, Rule, RuleContext
from dflint.syntax.validate_go import parse_duration, parse_int

_SECOND = 1_000_000_000
_MILLISECOND = 1_000_000
#: Docker's defaults, used when an option is absent or 0.
_DEFAULTS = {"interval": "30s", "timeout": "30s", "start-interval": "5s"}


class HealthcheckTiming(Rule):
    """HEALTHCHECK timings that `docker build` accepts but that do not mean what they say.

    ## What it does
    Reports, on a HEALTHCHECK (or an ONBUILD HEALTHCHECK trigger):

    * `--retries=0`: Docker reads 0 as "use the default", 3 retries, not as
      "unhealthy at the first failure";
    * `--interval=0s`, `--timeout=0s` or `--start-interval=0s`: 0 also means
      the default (30s, 30s and 5s), not "no wait" or "no timeout";
    * an `--interval` shorter than one second: the check command is started
      several times a second for the whole life of the container;
    * `--start-interval` without a `--start-period` (or with a zero one): the
      start interval only applies during the start period, so it does
      nothing.

    Values `docker build` rejects (bad durations, negative retries, below
    1ms) are syntax errors (DF000). A `--timeout` longer than the
    `--interval` is not reported: Docker runs checks one after another, and
    the interval counts from the end of the previous check.

    ## Why is this bad?
    These options look like they tighten or disable something, while the
    container runs with Docker's defaults instead, or burns CPU on a check
    that runs non-stop. The mistake shows only when a container should have
    been marked unhealthy and was not.

    ## Example
    ```dockerfile
    FROM nginx:1.27
    HEALTHCHECK --interval=500ms --retries=0 CMD curl -fsS http://localhost/ || exit 1
    ```

    ## Use instead
    ```dockerfile
    FROM nginx:1.27
    HEALTHCHECK --interval=10s --retries=1 CMD curl -fsS http://localhost/ || exit 1
    ```

    ## Fix safety
    There is no fix: the intended timing is yours to choose.
    """

    code = "DF707"
    name = "healthcheck-timing"
    summary = "HEALTHCHECK timing option that does not do what it seems to"
    severity = Severity.WARNING

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for node in ctx.file.walk():
            if not isinstance(node, ast.HealthcheckInstruction) or node.kind is None \
                    or node.kind.value.upper() != "CMD":
                continue
            retries = node.flag("retries")
            if retries is not None and retries.value and parse_int(retries.value, 10, 32, signed=True) == 0:
                yield ctx.finding(retries, "--retries=0 means Docker's default of 3 retries, not zero: use "
                                  "--retries=1 to report unhealthy at the first failure, or drop the option")
            for name, default in _DEFAULTS.items():
                flag = node.flag(name)
                if flag is not None and _nanos(flag) == 0:
                    yield ctx.finding(flag, f"--{name}={flag.value} means Docker's default of {default}: write the "
                                      f"duration you want, or drop the option")
            interval = node.flag("interval")
            nanos = _nanos(interval)
            if interval is not None and nanos is not None and _MILLISECOND <= nanos < _SECOND:  # < 1ms: DF000
                yield ctx.finding(interval, f"--interval={interval.value} starts the check command more than "
                                  "once a second for the container's whole life: use an interval of seconds")
            start_interval, period = node.flag("start-interval"), node.flag("start-period")
            if start_interval is not None and _nanos(start_interval) and not _nanos(period):
                yield ctx.finding(start_interval, "--start-interval only applies during the start period, and "
                                  "there is none: add --start-period=<duration> or drop --start-interval")


def _nanos(flag: Optional[ast.Flag]) -> Optional[int]:
    """The flag's duration in nanoseconds; None when absent or not a duration (a syntax error)."""
    if flag is None or not flag.value:
        return None
    value = parse_duration(flag.value)
    return value if isinstance(value, int) else None
