"""The commands behind the CLI: lint paths, list rules, show a rule's documentation."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field
from typing import Optional, Sequence, TextIO

from .config import ConfigError, ConfigResolver, Overrides
from .diagnostic import Severity
from .selection import UnknownSelector

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


class UsageError(ValueError):
    """Bad command-line input (exit 2)."""


@dataclass
class LintRequest:
    """A lint run as the command line asks for it."""

    paths: Sequence[str]
    format: str = "text"
    output: Optional[str] = None
    overrides: Overrides = field(default_factory=Overrides)
    config: Optional[str] = None
    stdin_filename: Optional[str] = None
    fix: bool = False
    unsafe_fixes: bool = False
    #: Print what the fixes would change as a unified diff, and write nothing.
    diff: bool = False
    color: Optional[bool] = None
    statistics: bool = False
    jobs: int = 0
    #: Findings never make the exit code 1 (report-only CI steps); errors still give 2.
    exit_zero: bool = False
    #: Skip excluded files even when named explicitly (pre-commit names every changed file).
    force_exclude: bool = False


def _use_color(request: LintRequest, stream: TextIO) -> bool:
    if request.color is not None:
        return request.color
    if os.environ.get("NO_COLOR"):
        return False
    return hasattr(stream, "isatty") and stream.isatty()


def lint(request: LintRequest, stdout: TextIO, stderr: TextIO) -> int:
    """Lints what ``request`` names and reports it; the exit code.

    The collector stays paused throughout, as in :func:`linter.lint_paths`:
    results and the report built from them would otherwise be walked by
    every collection while they grow.
    """
    from .gcpause import collector_paused

    with collector_paused():
        return _lint(request, stdout, stderr)


def _lint(request: LintRequest, stdout: TextIO, stderr: TextIO) -> int:
    from .discovery import discover
    from .linter import FileResult, Linter, lint_paths
    from .registry import installed
    from .reporters import Summary, get_reporter

    rules, plugins = installed()
    for error in plugins.errors:
        print(f"dflint: error: {error}", file=stderr)
    try:
        reporter_class = get_reporter(request.format)
        resolver = ConfigResolver(rules, request.overrides, request.config, plugins.default_config)
        linter = Linter(rules)
        results: list[FileResult] = []
        paths = list(request.paths) or ["."]
        if paths == ["-"]:
            name = request.stdin_filename or "-"
            config = resolver.for_path(name if name != "-" else "Dockerfile")
            text = sys.stdin.buffer.read()
            from .source import decode_bytes, split_bom

            bom, original = split_bom(decode_bytes(text))
            if request.force_exclude and name != "-" and config.excluded(name):
                result = None
            else:
                result = linter.lint_text(original, name, config, fix=request.fix or request.diff,
                                          unsafe_fixes=request.unsafe_fixes)
                results.append(result)
            if request.diff and result is not None and result.changed and result.text is not None:
                from .diffs import unified_diff

                result.diff = unified_diff(name, bom + original, bom + result.text)
            elif request.fix:  # --fix on stdin: the file, fixed or not, goes to stdout and the report to stderr
                stdout.write(bom + (result.text if result is not None and result.text is not None else original))
                stdout = stderr
        else:
            if "-" in paths:
                raise UsageError("'-' (standard input) cannot be mixed with paths")
            unreadable: list[FileResult] = []  # named paths that cannot be stat'ed, directories that cannot be listed
            for path in paths:
                try:
                    os.stat(path)
                except OSError as exc:  # missing, or in a directory we may not search: the OS says which
                    unreadable.append(FileResult(path, error=f"cannot read {path}: {exc.strerror or exc}"))
            missing = {r.path for r in unreadable}

            def unlistable(directory: str, exc: OSError) -> None:
                unreadable.append(FileResult(directory, error=f"cannot read directory {directory}: "
                                                              f"{exc.strerror or exc}"))

            files = list(discover([p for p in paths if p not in missing],
                                  lambda p: resolver.for_path(p).excluded(p), request.force_exclude, unlistable))
            if request.output and os.path.exists(request.output):
                _refuse_output_over_input(request.output, files)
            named = [p for p in paths if p not in missing and not os.path.isdir(p)]
            if not files and not unreadable and not (request.force_exclude and named):
                # most likely run from the wrong directory (a named file left out by --force-exclude is not)
                print(f"dflint: warning: no Dockerfile found in {', '.join(paths)}", file=stderr)
            jobs = [(path, resolver.for_path(path)) for path in files]
            workers = request.jobs or (os.cpu_count() or 1)
            render = None if request.diff else reporter_class.file_renderer()
            results = lint_paths(linter, jobs, request.fix, request.unsafe_fixes, workers, request.diff, render)
            results.extend(unreadable)
            results.sort(key=lambda r: r.path)
    except (ConfigError, UnknownSelector, UsageError) as exc:
        print(f"dflint: error: {exc}", file=stderr)
        return EXIT_ERROR
    # A plugin that did not load: the others' findings are reported, but the run must not pass a gate
    # that was meant to apply rules it never ran.
    plugin_error = bool(plugins.errors)
    if request.diff:
        return _report_diff(request, results, stdout, stderr, plugin_error)
    fail_levels = [resolver.for_path(r.path if r.path != "-" else "Dockerfile").fail_level for r in results]
    failing = any(
        d.severity >= level for r, level in zip(results, fail_levels) for d in r.diagnostics
    )
    io_error = any(r.error for r in results) or plugin_error
    exit_code = EXIT_ERROR if io_error else (EXIT_FINDINGS if failing and not request.exit_zero else EXIT_OK)
    summary = Summary(
        files=len(results),
        fixed=sum(r.fixes_applied for r in results),
        problems_fixed=sum(r.problems_fixed for r in results),
        fail_level=min(fail_levels) if fail_levels else Severity.INFO,
        exit_code=exit_code,
    )
    stream: TextIO = stdout
    handle = None
    if request.output:
        try:
            handle = open(request.output, "w", encoding="utf-8", newline="\n")
        except OSError as exc:
            print(f"dflint: error: cannot write {request.output}: {exc.strerror or exc}", file=stderr)
            return EXIT_ERROR
        stream = handle
    try:
        reporter = reporter_class(stream, rules=rules, color=_use_color(request, stream),
                                  statistics=request.statistics, root=os.getcwd())
        reporter.report(results, summary)
    finally:
        if handle is not None:
            handle.close()
    if request.statistics and request.format != "text":  # the report is for a machine: counts for the log
        from .reporters.base import sorted_diagnostics
        from .reporters.text import write_statistics

        write_statistics(stderr.write, sorted_diagnostics(results))
    return exit_code


def _refuse_output_over_input(output: str, files: list[str]) -> None:
    """``--output`` naming a file to lint (`-o Dockerfile Dockerfile`) would replace it with the report."""
    from .discovery import file_identity

    target = file_identity(output)
    for path in files:
        if file_identity(path) == target:
            raise UsageError(f"--output {output} is {path}, a file to lint: the report would replace it")


def _report_diff(request: LintRequest, results: list, stdout: TextIO, stderr: TextIO, plugin_error: bool) -> int:
    """``--diff``: the diffs on stdout (or ``--output``), a count on stderr; 1 when a file would change."""
    for result in results:
        if result.error:
            print(f"dflint: error: {result.error}", file=stderr)
    changed = [r for r in results if r.diff]
    text = "".join(r.diff for r in changed)
    if request.output:
        try:
            with open(request.output, "w", encoding="utf-8", newline="") as handle:
                handle.write(text)
        except OSError as exc:
            print(f"dflint: error: cannot write {request.output}: {exc.strerror or exc}", file=stderr)
            return EXIT_ERROR
    else:
        stdout.write(text)
    if changed:
        from .reporters.text import fixed_line

        would = fixed_line(sum(r.problems_fixed for r in changed), sum(r.fixes_applied for r in changed), "Would fix")
        print(f"{would} in {len(changed)} file{'s' if len(changed) != 1 else ''}", file=stderr)
    else:
        print("No fixes to apply", file=stderr)
    if plugin_error or any(r.error for r in results):
        return EXIT_ERROR
    return EXIT_FINDINGS if changed and not request.exit_zero else EXIT_OK


def list_rules(output_format: str, stdout: TextIO) -> int:
    from .registry import installed

    rules, _ = installed()
    if output_format == "json":
        from .coverage import coverage

        document = {
            "version": 1,
            "rules": [rule.metadata() for rule in rules.rules],
            "coverage": coverage(rules.rules),
        }
        json.dump(document, stdout, indent=2, ensure_ascii=False)
        stdout.write("\n")
        return EXIT_OK
    rows = [(r.code, r.name, r.severity.label, "yes" if r.fixable else "",
             ", ".join((*r.aliases, *r.partial_aliases)), r.summary)  # `dflint rules | grep DL3009` finds DF003
            for r in rules.rules]
    headers = ("CODE", "NAME", "SEVERITY", "FIX", "ALIASES", "SUMMARY")
    widths = [max(len(str(row[i])) for row in [headers, *rows]) for i in range(len(headers) - 1)]
    for row in [headers, *rows]:
        cells = [str(cell).ljust(width) for cell, width in zip(row, widths)]
        stdout.write("  ".join(cells) + "  " + row[-1] + "\n")
    return EXIT_OK


def show_rule(key: str, stdout: TextIO, stderr: TextIO) -> int:
    from .registry import installed
    from .suggest import closest

    rules, _ = installed()
    rule = rules.get(key)
    found = [rule] if rule is not None else rules.by_key.get(key.lower(), [])  # an alias may name several
    if not found:
        options = [r.code for r in rules.rules] + [r.name for r in rules.rules]
        suggestion = closest(key, options, case_sensitive=False)
        hint = f" (did you mean {suggestion}?)" if suggestion else ""
        print(f"dflint: error: no rule {key!r}{hint}", file=stderr)
        return EXIT_ERROR
    from .docs import render_rule

    if len(found) > 1:
        stdout.write(f"{key} is an alias of {len(found)} rules: "
                     f"{', '.join(f'{r.name} ({r.code})' for r in found)}.\n\n")
    stdout.write("\n".join(render_rule(r) for r in found))
    return EXIT_OK
