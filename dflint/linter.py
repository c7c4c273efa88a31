"""parse -> run rules -> select -> suppress -> stamp severity -> fix -> results.

The linter, not the rules, decides what is reported: it picks the enabled
rules for each file, turns findings into diagnostics with the configured
severity, drops suppressed ones, and applies fixes in capped rounds,
re-parsing in between. A rule that raises becomes one ``internal-error``
diagnostic for that rule and file; everything else still runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Callable, Iterable, Optional, Sequence

from . import ast
from .analysis import Analysis
from .diagnostic import Diagnostic, Severity
from .fix import Applicability, Fix, Followed, Shift, apply_edits, choose_fixes, write_atomically
from .gcpause import collector_paused
from .json_strings import json_arrays, json_string_interiors, keeps_json_arrays, keeps_json_strings
from .rule import Finding, Rule, RuleContext
from .selection import RuleSet
from .shell.tools import forget_commands
from .source import decode_bytes, encode_text, split_bom
from .suppression import EXPERIMENTAL_CHECKS, CheckOptions, PragmaIndex, check_options, collect, rule_keys, \
    suppressed_by

if TYPE_CHECKING:  # pragma: no cover
    from .config import Config


MAX_FIX_ROUNDS = 10
UNUSED_SUPPRESSION = "DF810"


def _fix_fits_json(fix: Fix, analysis: Analysis) -> bool:
    """Whether ``fix`` keeps the file's exec-form JSON right (see :mod:`.json_strings`)."""
    memo = analysis.memo("linter: JSON strings")
    found = memo.get(None)
    if found is None:
        found = memo[None] = (json_string_interiors(analysis.file), json_arrays(analysis.file))
    interiors, arrays = found
    text = analysis.file.text
    return not interiors or keeps_json_strings(fix, interiors, text) and keeps_json_arrays(fix, arrays, text,
                                                                                          analysis.file.escape)


def _log():
    import logging  # only when there is something to log: logging costs ~3 ms of every start-up

    return logging.getLogger(__name__)


class InternalError(Rule):
    """A rule crashed on a file.

    ## What it does
    Reports that a rule raised an exception while checking this file. The
    rule's other findings and every other rule's findings are still reported.

    ## Why is this bad?
    The file may have problems the crashed rule would have found. Please report
    the message (it names the rule and the exception) to the rule's authors.

    ## Example
    ```dockerfile
    ```

    ## Use instead
    ```dockerfile
    ```

    ## Fix safety
    This rule has no fix.
    """

    code = "DF999"
    name = "internal-error"
    summary = "A rule crashed while checking the file"
    severity = Severity.ERROR
    origin = "dflint"

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        return ()  # reported by the engine itself, never by checking a file


@dataclass
class FileResult:
    """What linting one file produced."""

    path: str
    diagnostics: list[Diagnostic] = field(default_factory=list)
    fixes_applied: int = 0
    error: Optional[str] = None  # could not read or write the file
    text: Optional[str] = None
    #: With ``--diff``: what the fixes would change, as a unified diff (the file is not written).
    diff: Optional[str] = None
    #: With fixes: how many of the first lint's findings the fixes made go away.
    problems_fixed: int = 0
    #: This file's part of the report, when the format renders files apart (see ``lint_paths``).
    rendered: Optional[str] = None

    @property
    def changed(self) -> bool:
        return self.fixes_applied > 0


class Linter:
    """Runs a :class:`RuleSet` over files with a configuration."""

    def __init__(self, rules: RuleSet) -> None:
        self.rules = rules
        self._instances: dict[str, Rule] = {}

    def _instance(self, rule: type[Rule]) -> Rule:
        instance = self._instances.get(rule.code)
        if instance is None:
            instance = self._instances[rule.code] = rule()
        return instance

    # -- one pass ------------------------------------------------------------------
    def check(self, text: str, path: str, config: "Config") -> tuple[ast.File, list[Diagnostic]]:
        """Lint ``text`` once: the parsed file and its diagnostics, sorted."""
        # A file's tree, model and scripts are hundreds of thousands of objects
        # on big files, all alive until the file is done and none of them in a
        # reference cycle; whatever garbage a file leaves is collected by the
        # first collection after it.
        with collector_paused():
            try:
                return self._check(text, path, config)
            finally:
                # Before the collector resumes: its first collection would otherwise walk every
                # command the memo keeps alive, just before they are freed.
                forget_commands()

    def _check(self, text: str, path: str, config: "Config") -> tuple[ast.File, list[Diagnostic]]:
        from .api import parse

        file = parse(text, path)
        analysis = Analysis(path, file)
        enabled = config.enabled_rules(self.rules, path)
        checks = check_options(file) if file.directives else None
        if checks is not None and checks.experimental:
            enabled = self._with_experimental(enabled, checks, config, path)
        pragmas = collect(file)
        dropped = config.ignored_aliases(self.rules, path)
        diagnostics: list[Diagnostic] = []
        for rule in enabled:
            diagnostics += self._run(rule, analysis, config, frozenset() if rule.always_enabled else dropped)
        diagnostics = self._unsuppressed(diagnostics, pragmas)
        if checks is not None and checks.error and checks.problem is None:  # BuildKit refuses the whole value
            diagnostics = self._build_errors(diagnostics, checks, analysis)
        unused = self.rules.get(UNUSED_SUPPRESSION)
        if unused is not None and unused in enabled and pragmas:
            # Rules a pragma names but the selection left out run too, only to see what they would report.
            named = {key.lower() for pragma in pragmas for key in pragma.selectors}
            for rule in self.rules.rules:
                if rule not in enabled and named & rule_keys(rule.code, rule.name, rule.aliases + rule.partial_aliases):
                    self._unsuppressed(self._run(rule, analysis, config, frozenset()), pragmas)
            diagnostics += self._unused_pragmas(unused, pragmas, path, config)
        diagnostics.sort(key=Diagnostic.sort_key)
        return file, diagnostics

    def _with_experimental(self, enabled: list[type[Rule]], checks: CheckOptions, config: "Config",
                           path: str) -> list[type[Rule]]:
        """``enabled`` with the rules standing for the experimental BuildKit checks the file's
        ``# check=experimental=`` turns on, unless an ignore (configuration, command line, per-file)
        matches them: the user's word beats the file's."""
        from .selection import Selection

        wanted = [rule for rule in self.rules.rules if rule not in enabled
                  and any(checks.enables(alias) for alias in rule.aliases if alias in EXPERIMENTAL_CHECKS)]
        if not wanted:
            return enabled
        relative = config.relative(path)
        extra = tuple(sel for glob, selectors in config.per_file_ignores if glob.match(relative) for sel in selectors)
        selection = Selection(config.select, config.extend_select, config.ignore)
        added = [rule for rule in wanted if not selection.ignores(self.rules, rule, extra)]
        return sorted([*enabled, *added], key=lambda rule: rule.code) if added else enabled

    def _build_errors(self, diagnostics: list[Diagnostic], checks: CheckOptions,
                      analysis: Analysis) -> list[Diagnostic]:
        """With ``# check=error=true``, the findings of BuildKit checks the build runs on this file are
        errors whatever the configured severity: ``docker build`` fails on them.

        BuildKit runs the checks it makes while dispatching instructions only on the stages the
        build's target needs (all of them for ``docker build --check``): such a finding in a stage
        the default build does not reach keeps its severity, and its note says which builds fail.
        """
        line = checks.directive.span.start.line
        note = (f" (an error here: `{checks.error_written}` in the `# check=` directive on line {line} "
                "makes `docker build` fail on it)")
        reached = None  # computed at the first finding of a check run while dispatching
        result = []
        for diagnostic in diagnostics:
            rule = self.rules.get(diagnostic.code)
            names = [name for name in _buildkit_checks(rule, diagnostic)
                     if checks.runs(name) and _buildkit_reports(name, diagnostic, analysis)]
            if names:
                if reached is None and any(name in DISPATCH_CHECKS for name in names):
                    reached = _default_build_stages(analysis)
                stage = _stage_at(analysis, diagnostic.span.start.offset) if reached else None
                if stage is not None and stage.index not in reached and all(n in DISPATCH_CHECKS for n in names):
                    target = (f"`docker build --target {stage.name}`" if stage.name
                              else "a build whose `--target` needs this stage")
                    diagnostic = replace(diagnostic, message=diagnostic.message + (
                        f" (with `{checks.error_written}` in the `# check=` directive on line {line}, {target} "
                        "or `docker build --check` fails on it; the default build does not run this stage)"))
                else:
                    diagnostic = replace(diagnostic, severity=max(diagnostic.severity, Severity.ERROR),
                                         message=diagnostic.message + note)
            result.append(diagnostic)
        return result

    def _run(self, rule: type[Rule], analysis: Analysis, config: "Config", dropped: frozenset[str]) -> list[Diagnostic]:
        ctx = RuleContext(analysis, self._instance(rule), config.options_for(rule))
        findings: list[Finding] = []
        diagnostics: list[Diagnostic] = []
        try:
            for finding in ctx.rule.check(ctx) or ():
                findings.append(finding)
        except Exception as exc:  # a broken rule must not hide the others' findings
            _log().debug("rule %s crashed on %s", rule.code, analysis.path, exc_info=True)
            diagnostics.append(self._internal_error(rule, exc, analysis.path, analysis.file))
        for finding in findings:
            if finding.alias is None or finding.alias.lower() not in dropped:
                if finding.fix is not None and not _fix_fits_json(finding.fix, analysis):
                    finding = replace(finding, fix=None)
                diagnostics.append(self._diagnostic(rule, finding, analysis.path, config))
        return diagnostics

    def _diagnostic(self, rule: type[Rule], finding: Finding, path: str, config: "Config") -> Diagnostic:
        return Diagnostic(
            path=path,
            code=rule.code,
            name=rule.name,
            severity=config.severity_for(rule),
            message=finding.message,
            span=finding.span,
            fix=finding.fix,
            docs_url=rule.docs_url(),
            related=finding.related,
            alias=finding.alias,
        )

    def _internal_error(self, rule: type[Rule], exc: Exception, path: str, file: ast.File) -> Diagnostic:
        import traceback

        frame = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
        where = f" at {frame.filename.rsplit('/', 1)[-1]}:{frame.lineno}" if frame else ""
        start = file.children[0].span.start if file.children else ast.Position(0, 1, 1)
        return Diagnostic(
            path=path,
            code=InternalError.code,
            name=InternalError.name,
            severity=Severity.ERROR,
            message=f"rule {rule.code} ({rule.name}) crashed: {type(exc).__name__}: {exc}{where}",
            span=ast.Span(start, start),
        )

    def _unsuppressed(self, diagnostics: list[Diagnostic], pragmas: list) -> list[Diagnostic]:
        if not pragmas:
            return diagnostics
        index = PragmaIndex(pragmas)
        kept = []
        for diagnostic in diagnostics:
            rule = self.rules.get(diagnostic.code)
            keys = rule_keys(diagnostic.code, diagnostic.name, rule.aliases if rule else ())
            if diagnostic.alias:
                keys.add(diagnostic.alias.lower())
            checks = _buildkit_checks(rule, diagnostic)
            if diagnostic.code == InternalError.code or rule is not None and rule.always_enabled \
                    or suppressed_by(diagnostic, keys, index, checks) is None:
                kept.append(diagnostic)
        return kept

    def _unused_pragmas(self, unused: type[Rule], pragmas: list, path: str, config: "Config") -> list[Diagnostic]:
        """Each pragma selector that suppressed nothing (every rule it names has run)."""
        found = []
        for pragma in pragmas:
            for selector in pragma.selectors:
                if selector in pragma.used:
                    continue
                known = selector == "all" or bool(self.rules.by_key.get(selector.lower()))
                spelled = pragma.spelled(selector)
                if pragma.exact:
                    message = _unused_check_skip(pragma, selector)
                    if message is not None:
                        found.append(self._diagnostic(unused, Finding(pragma.node.span, message), path, config))
                        continue
                if not known and pragma.source != "dflint":
                    continue  # hadolint/BuildKit pragmas may name their own checks (ShellCheck's SC...)
                if not known:
                    message = f"'{spelled}' names no rule dflint knows, so it suppresses nothing"
                elif selector != "all" and all(rule.always_enabled for rule in self.rules.by_key[selector.lower()]):
                    message = f"'{spelled}' cannot be suppressed: a file the build rejects must not pass the check"
                elif pragma.scope is not None and pragma.scope[0] == pragma.scope[1]:
                    message = f"'{spelled}' suppresses nothing: no instruction follows this pragma"
                else:
                    message = f"'{spelled}' suppresses nothing here"
                found.append(self._diagnostic(unused, Finding(pragma.node.span, message), path, config))
        return found

    # -- a file, with fixes ----------------------------------------------------------
    def lint_text(
        self, text: str, path: str, config: "Config", fix: bool = False, unsafe_fixes: bool = False
    ) -> FileResult:
        """Lint ``text``; with ``fix``, apply fixes in rounds and return the fixed text."""
        # Paused until the parsed trees are freed (only the diagnostics are kept): the collector's
        # first collection after a pause walks every object made during it that is still alive.
        with collector_paused():
            return self._lint_text(text, path, config, fix, unsafe_fixes)

    def _lint_text(self, text: str, path: str, config: "Config", fix: bool, unsafe_fixes: bool) -> FileResult:
        applied = problems_fixed = 0
        _, diagnostics = self.check(text, path, config)
        if fix:
            followed = Followed(diagnostics)
            allowed = {Applicability.SAFE} | ({Applicability.UNSAFE} if unsafe_fixes else set())
            stuck: set[tuple[str, str, int]] = set()  # (rule, fix, where its finding starts in the text)
            for _ in range(MAX_FIX_ROUNDS):
                offered = {id(d.fix): d for d in diagnostics
                           if d.fix and d.fix.applicability in allowed and _fix_place(d) not in stuck}
                chosen = choose_fixes(d.fix for d in diagnostics if d.fix and id(d.fix) in offered)
                if not chosen:
                    break
                edits = [edit for f in chosen for edit in f.edits]
                candidate = apply_edits(text, edits)
                file, new_diagnostics = self.check(candidate, path, config)
                if _parser_errors(new_diagnostics) > _parser_errors(diagnostics):
                    _log().warning("%s: fixes would break the syntax; not applied", path)
                    break
                shift = Shift(edits)
                unresolved = _unresolved([offered[id(f)] for f in chosen], shift, new_diagnostics)
                if unresolved:  # such a fix would be applied again every round: drop it, redo the round
                    stuck |= unresolved
                    continue
                stuck = {_moved(place, shift) for place in stuck} - {None}  # type: ignore[misc]
                text, diagnostics = candidate, new_diagnostics
                followed.move(shift)
                applied += len(chosen)
            if stuck:  # not offered as fixable: applying them changes nothing they report
                diagnostics = [replace(d, fix=None) if d.fix and _fix_place(d) in stuck else d
                               for d in diagnostics]
            problems_fixed = followed.gone(diagnostics) if applied else 0
        return FileResult(path, diagnostics, applied, None, text, problems_fixed=problems_fixed)

    def lint_path(self, path: str, config: "Config", fix: bool = False, unsafe_fixes: bool = False,
                  diff: bool = False) -> FileResult:
        """Lint the file at ``path``; with ``fix``, rewrite it fixed, or with ``diff`` too, only say how."""
        try:
            with open(path, "rb") as handle:
                read = handle.read()
            bom, text = split_bom(decode_bytes(read))
        except OSError as exc:
            return FileResult(path, error=f"cannot read {path}: {exc.strerror or exc}")
        result = self.lint_text(text, path, config, fix=fix or diff, unsafe_fixes=unsafe_fixes)
        if diff:
            if result.changed and result.text is not None:
                from .diffs import unified_diff

                result.diff = unified_diff(path, bom + text, bom + result.text)
        elif result.changed and result.text is not None:
            try:
                write_atomically(path, encode_text(bom + result.text), read)
            except OSError as exc:  # nothing was written: report the file as it is, nothing fixed
                result = self.lint_text(text, path, config)
                result.error = f"cannot write {path}: {exc.strerror or exc}"
        result.text = None  # not kept: thousands of files may be linted
        return result


def _unused_check_skip(pragma, selector: str) -> Optional[str]:
    """Why a name in a ``# check=skip=`` skips nothing, when the reason is how BuildKit reads it."""
    from .coverage import BUILDKIT_CHECKS

    if selector == "all":
        if pragma.skip_all:
            return None
        return ("'all' skips nothing here: BuildKit skips every check only for `skip=all` alone; "
                "in a list it reads 'all' as the name of a check")
    if selector.lower() == "all":
        return f"'{selector}' skips nothing: BuildKit reads check names case-sensitively; write `skip=all`"
    spelled = next((name for name in BUILDKIT_CHECKS if name.lower() == selector.lower()), None)
    if spelled is not None and spelled != selector:
        return (f"'{selector}' skips nothing: BuildKit reads check names case-sensitively; "
                f"write {spelled}")
    if pragma.only is not None and spelled in EXPERIMENTAL_CHECKS:
        return (f"'{selector}' skips nothing: BuildKit runs an experimental check wherever `experimental=` "
                "turns it on, whatever skip= says")
    if pragma.only is not None and spelled is not None and spelled not in pragma.only:
        return (f"'{selector}' skips nothing here: BuildKit runs {spelled} over the whole file, not for "
                "one instruction; skip it in the `# check=` directive on the first line")
    return None


#: BuildKit checks run while dispatching a stage's instructions (dockerfile2llb's dispatch and what it
#: calls): a build runs them only on the stages its target needs. The others run on every stage when
#: the file is parsed (FromAsCasing, StageNameCasing, ...) or while every stage's FROM is read
#: (UndefinedArgInFrom, RedundantTargetPlatform, FromPlatformFlagConstDisallowed).
DISPATCH_CHECKS = frozenset({
    "LegacyKeyValueFormat", "SecretsUsedInArgOrEnv", "WorkdirRelativePath", "JSONArgsRecommended",
    "MultipleInstructionsDisallowed", "UndefinedVar", "CopyIgnoredFile", "ExposeProtoCasing", "ExposeInvalidFormat",
    "InvalidBaseImagePlatform",
})


def _buildkit_checks(rule: Optional[type[Rule]], diagnostic: Diagnostic) -> frozenset[str]:
    """The BuildKit checks a finding stands for, as BuildKit spells them."""
    from .coverage import BUILDKIT_CHECKS

    names = [*(rule.aliases if rule is not None else ()), *([diagnostic.alias] if diagnostic.alias else [])]
    return frozenset(name for name in names if name in BUILDKIT_CHECKS)


def _buildkit_reports(check: str, diagnostic: Diagnostic, analysis: Analysis) -> bool:
    """Whether BuildKit's ``check`` reports what ``diagnostic`` reports, for the checks a rule stands
    for only in part. SecretsUsedInArgOrEnv runs in dispatchArg and dispatchEnv on a stage's ARG and
    ENV keys; never on a global ARG (buildMetaArgs checks nothing), nor on a value: DF504's finding of
    a global ARG, of a secret value under a name BuildKit passes (`ENV DATABASE_URL=postgres://u:pw@db`),
    of a name only dflint reads as a secret's (`NPM_PAT`), or of an ONBUILD trigger no stage of the file
    is built FROM does not fail the build."""
    if check != "SecretsUsedInArgOrEnv":
        return True
    from .model.secrets import buildkit_secret_key

    offset = diagnostic.span.start.offset
    node = next((n for n in analysis.file.instructions if n.span.start.offset <= offset < n.span.end.offset), None)
    stage = _stage_at(analysis, offset)
    if node is None or stage is None:
        return False  # before the first FROM: a global ARG
    if isinstance(node, ast.OnbuildInstruction) \
            and not any(other.parent == stage.index for other in analysis.model.stages):
        return False  # a trigger is dispatched, and checked, only in a stage built FROM its stage
    effective = node.effective
    if not isinstance(effective, (ast.ArgInstruction, ast.EnvInstruction)):
        return True
    pairs = [pair for pair in effective.pairs if _holds(pair, offset)] or list(effective.pairs)
    return any(buildkit_secret_key(pair.key.value) for pair in pairs)


def _holds(pair: ast.KeyValue, offset: int) -> bool:
    end = (pair.value or pair.key).span.end.offset
    return pair.key.span.start.offset <= offset <= end


def _default_build_stages(analysis: Analysis) -> Optional[set[int]]:
    """The stages a ``docker build`` without ``--target`` dispatches (the last stage and those it
    needs), or None when the file cannot tell: a stage reference through a variable (a FROM whose
    base a --build-arg may change, a mount's ``from=``), or an ONBUILD trigger naming another stage."""
    model = analysis.model
    stages = model.reachable()  # a FROM's base read with the ARG defaults, as a build without --build-arg
    for stage in stages:
        for node in stage.instructions:
            if isinstance(node, ast.OnbuildInstruction) and ("--from" in node.text or "from=" in node.text):
                return None
        for dep in stage.dependencies:
            if dep.stage is None and dep.image is not None and "$" in dep.image.text:
                return None
    return {stage.index for stage in stages}


def _stage_at(analysis: Analysis, offset: int):
    """The stage holding ``offset``, or None before the first FROM."""
    from bisect import bisect_right

    memo = analysis.memo("linter: stage starts")
    starts = memo.get(None)
    if starts is None:
        starts = memo[None] = [stage.from_instruction.span.start.offset for stage in analysis.model.stages]
    found = bisect_right(starts, offset) - 1
    return analysis.model.stages[found] if found >= 0 else None


def _parser_errors(diagnostics: Iterable[Diagnostic]) -> int:
    return sum(1 for d in diagnostics if d.name == "syntax-error")


def _fix_place(diagnostic: Diagnostic) -> tuple[str, str, int]:
    assert diagnostic.fix is not None
    return diagnostic.code, diagnostic.fix.message, diagnostic.span.start.offset


def _moved(place: tuple[str, str, int], shift: Shift) -> Optional[tuple[str, str, int]]:
    """``place`` in the text after the edits of ``shift``; None when an edit covers it."""
    code, message, offset = place
    moved = shift.moved(offset)
    return None if moved is None else (code, message, moved)


def _unresolved(applied: Sequence[Diagnostic], shift: Shift,
                after: Sequence[Diagnostic]) -> set[tuple[str, str, int]]:
    """Where (before the edits) the applied fixes' findings are that are still there after them,
    at the same place, offering the same fix.

    A fix whose edit does not remove its finding (it landed inside an
    unterminated heredoc, say) would otherwise be applied once a round.
    """
    remaining = {_fix_place(d) for d in after if d.fix}
    return {_fix_place(d) for d in applied if _moved(_fix_place(d), shift) in remaining}


def lint_paths(linter: Linter, jobs: Sequence[tuple[str, "Config"]], fix: bool, unsafe_fixes: bool,
               workers: int = 1, diff: bool = False,
               render: "Optional[Callable[[FileResult], str]]" = None) -> list[FileResult]:
    """Lint many files, on several processes when that pays off.

    ``render``, when given, turns each result into its part of the report
    (``FileResult.rendered``) where the file was linted: on a worker, in
    parallel, and the parent only joins the parts.

    The collector is paused for the whole batch (workers inherit that): the
    results pile up until the report, and every collection would walk them
    all again, 7-8% of a batch's CPU. Linting leaves no cyclic garbage
    (tests/test_no_cyclic_garbage.py): what a collection would find after
    the batch is only what the caller left.
    """
    with collector_paused():
        if workers <= 1 or len(jobs) < 8:
            return [rendered(linter.lint_path(path, config, fix, unsafe_fixes, diff), render)
                    for path, config in jobs]
        from .parallel import run_parallel

        return run_parallel(linter, jobs, fix, unsafe_fixes, workers, diff, render)


def rendered(result: FileResult, render: "Optional[Callable[[FileResult], str]]") -> FileResult:
    """``result``, with its part of the report when there is a ``render``."""
    if render is not None:
        result.rendered = render(result)
    return result
