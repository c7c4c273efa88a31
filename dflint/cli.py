"""The ``dflint`` command: argument parsing and exit codes only.

    dflint [PATH ...]            lint files and directories (- reads stdin)
    dflint rules [--format json] list every rule
    dflint rule CODE|NAME        show a rule's documentation
    dflint ast FILE              print the syntax tree and build model as JSON
    dflint lsp                   serve editors over the Language Server Protocol (stdio)
    dflint from-hadolint [FILE]  print the dflint configuration of a .hadolint.yaml

Exit codes: 0 no finding at or above the fail level, 1 findings at or above
it, 2 usage, configuration or I/O error.
"""

from __future__ import annotations

import argparse
import atexit
import gc
import json
import os
import sys
from typing import NoReturn, Optional, Sequence

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2
SEVERITIES = ("style", "info", "warning", "error")


def _help_formatter(prog: str) -> argparse.HelpFormatter:
    """argparse's formatter, sized as argparse would size it, without importing shutil.

    argparse builds a formatter on every add_argument and asks shutil for the
    terminal width each time; shutil's imports (bz2, lzma, zlib) are ~3.5 ms
    of a start-up that prints no help at all.
    """
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns
        except (AttributeError, ValueError, OSError):
            columns = 0
    return argparse.HelpFormatter(prog, width=(columns if columns > 0 else 80) - 2)


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("formatter_class", _help_formatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> "None":  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_ERROR)


def _job_count(text: str) -> int:
    """``--jobs``: a number of processes, 0 for one per core."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of processes, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected 0 (one per core) or more, got {value}")
    return value


def _split(values: Optional[Sequence[str]]) -> list[str]:
    return [part.strip() for value in values or () for part in value.split(",") if part.strip()]


def _lint_parser() -> argparse.ArgumentParser:
    from . import __version__
    from .reporters import REPORTERS

    parser = _Parser(
        prog="dflint",
        description="Lint Dockerfiles. Other commands: `dflint rules`, `dflint rule NAME`, `dflint ast FILE`, "
        "`dflint lsp` (for editors), `dflint from-hadolint [.hadolint.yaml]` (its configuration, for dflint).",
    )
    parser.add_argument("paths", nargs="*", metavar="PATH",
                        help="files or directories to lint (default: .); - reads standard input")
    parser.add_argument("--format", choices=list(REPORTERS), default="text", help="output format (default: text)")
    parser.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE")
    parser.add_argument("--select", action="append", metavar="RULES",
                        help="run only these rules (codes, prefixes, names or aliases, comma-separated)")
    parser.add_argument("--extend-select", action="append", metavar="RULES", help="run these rules too")
    parser.add_argument("--ignore", action="append", metavar="RULES", help="do not run these rules")
    parser.add_argument("--fail-level", choices=SEVERITIES,
                        help="lowest severity that makes the exit code 1 (default: info)")
    parser.add_argument("--exit-zero", "--no-fail", action="store_true",
                        help="exit 0 whatever is found (usage, configuration and I/O errors still exit 2)")
    parser.add_argument("--severity", action="append", metavar="RULE=LEVEL",
                        help="override a rule's severity, e.g. DF001=error")
    parser.add_argument("--exclude", action="append", metavar="GLOB", help="skip matching paths when walking (globs relative to the current directory)")
    parser.add_argument("--force-exclude", action="store_true",
                        help="apply the excludes to files named on the command line too (for pre-commit)")
    parser.add_argument("--config", metavar="FILE", help="use this configuration file instead of discovery")
    parser.add_argument("--stdin-filename", metavar="PATH",
                        help="the path of the file read from stdin (with no PATH, stdin is read)")
    parser.add_argument("--fix", action="store_true", help="apply safe fixes (files are rewritten atomically)")
    parser.add_argument("--unsafe-fixes", action="store_true", help="with --fix or --diff, unsafe fixes too")
    parser.add_argument("--diff", action="store_true",
                        help="print what --fix would change as a unified diff and change nothing "
                             "(exit 1 when a file would change)")
    parser.add_argument("--no-color", action="store_true", help="never colour the text output")
    parser.add_argument("--color", action="store_true", help="colour the text output even when not a terminal")
    parser.add_argument("--statistics", action="store_true", help="count findings per rule")
    parser.add_argument("--jobs", "-j", type=_job_count, default=0, metavar="N",
                        help="processes to use (default, or 0: one per core)")
    parser.add_argument("--version", action="version", version=f"dflint {__version__}")
    return parser


_frozen = False
_start_up_paused = False  # main() paused the collector; load_rules() resumes it


def load_rules() -> None:
    """Loads the rules with the garbage collector paused, then freezes what start-up made.

    Start-up (the CLI's modules, ~80 rule modules and their helpers) allocates
    tens of thousands of long-lived objects and almost no garbage, yet sets off
    dozens of collections that walk them all (10-30 ms of a run). Frozen, they
    stay out of every later collection while the files are linted, and forked
    workers keep sharing their memory pages. The collector runs again from
    here on (:func:`main` pauses it from its first line until this point), and
    :func:`main` unfreezes on return.
    """
    global _frozen, _start_up_paused
    from .registry import installed

    collecting = gc.isenabled() or _start_up_paused
    _start_up_paused = False
    gc.disable()
    try:
        from . import app  # noqa: F401  (the modules every lint needs)

        installed()
    finally:
        if collecting:
            if not gc.get_freeze_count():  # never undo a caller's own freeze
                gc.freeze()
                _frozen = True
            gc.enable()


def run_lint(argv: Sequence[str]) -> int:
    args = _lint_parser().parse_args(argv)
    if args.select is not None and not _split(args.select):  # `--select "$RULES"` with RULES unset
        print("dflint: error: --select needs at least one rule selector (ALL selects every rule)", file=sys.stderr)
        return EXIT_ERROR
    if args.stdin_filename is not None and "-" not in args.paths:
        if args.paths:
            print("dflint: error: --stdin-filename names the file read from standard input: add - to the paths",
                  file=sys.stderr)
            return EXIT_ERROR
        args.paths = ["-"]  # as ruff does: a name for stdin and no path means stdin
    if args.diff and args.format != "text":  # a diff is what --diff writes; a script should not think otherwise
        print(f"dflint: warning: --diff writes a unified diff; --format {args.format} is ignored", file=sys.stderr)
    load_rules()
    from .app import LintRequest, lint
    from .config import Overrides
    from .diagnostic import Severity

    severity = []
    for item in _split(args.severity):
        rule, sep, level = item.partition("=")
        if not sep:
            print(f"dflint: error: --severity expects RULE=LEVEL, got {item!r}", file=sys.stderr)
            return EXIT_ERROR
        try:
            severity.append((rule.strip(), Severity.parse(level)))
        except ValueError as exc:
            print(f"dflint: error: --severity: {exc}", file=sys.stderr)
            return EXIT_ERROR
    overrides = Overrides(
        select=_split(args.select) if args.select else None,
        extend_select=_split(args.extend_select),
        ignore=_split(args.ignore),
        fail_level=Severity.parse(args.fail_level) if args.fail_level else None,
        severity=severity,
        exclude=_split(args.exclude),
    )
    request = LintRequest(
        paths=args.paths,
        format=args.format,
        output=args.output,
        overrides=overrides,
        config=args.config,
        stdin_filename=args.stdin_filename,
        fix=args.fix,
        unsafe_fixes=args.unsafe_fixes,
        diff=args.diff,
        color=False if args.no_color else (True if args.color else None),
        statistics=args.statistics,
        jobs=args.jobs,
        exit_zero=args.exit_zero,
        force_exclude=args.force_exclude,
    )
    return lint(request, sys.stdout, sys.stderr)


def run_rules(argv: Sequence[str]) -> int:
    from .app import list_rules

    parser = _Parser(prog="dflint rules", description="List every rule, with its code, name and aliases.")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    return list_rules(parser.parse_args(argv).format, sys.stdout)


def run_rule(argv: Sequence[str]) -> int:
    from .app import show_rule

    parser = _Parser(prog="dflint rule", description="Show a rule's documentation.")
    parser.add_argument("rule", help="code, name or alias, e.g. DF001, untagged-image, DL3006")
    return show_rule(parser.parse_args(argv).rule, sys.stdout, sys.stderr)


def _ast_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="dflint ast",
        description="Print a Dockerfile's syntax tree and build model as JSON "
        "(schema: dflint/schemas/ast.schema.json).",
    )
    parser.add_argument("file", help="Dockerfile to parse, or - for standard input")
    parser.add_argument("--stdin-filename", help="path to report when reading standard input")
    parser.add_argument("--no-model", action="store_true", help="print the syntax tree only")
    parser.add_argument("--compact", action="store_true", help="one line of JSON instead of indented output")
    return parser


def _dump(data: object, compact: bool) -> str:
    indent = None if compact else 2
    text = json.dumps(data, indent=indent, ensure_ascii=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # bytes that were not UTF-8 in the file: escape them
        text = json.dumps(data, indent=indent, ensure_ascii=True)
    return text


def run_ast(argv: Sequence[str]) -> int:
    from . import api
    from .ast_json import file_json

    args = _ast_parser().parse_args(argv)
    display = args.stdin_filename if args.file == "-" and args.stdin_filename else args.file
    try:
        if args.file == "-":
            data = sys.stdin.buffer.read()
        else:
            with open(args.file, "rb") as handle:
                data = handle.read()
    except OSError as exc:
        print(f"dflint: error: cannot read {display}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_ERROR
    file = api.parse(data, path=display if display != "-" else None)
    model = None if args.no_model else api.build_model(file)
    try:
        text = _dump(file_json(file, model), args.compact)
    except RecursionError:  # the JSON tree nests each ONBUILD trigger in the one above it
        deepest = max(file.instructions, key=_trigger_depth)
        print(f"{display}:{deepest.span.start.line}:{deepest.span.start.column}: error: ONBUILD triggers nested "
              f"{_trigger_depth(deepest)} deep are too deep to print as a JSON tree (dflint lints the file)",
              file=sys.stderr)
        return EXIT_ERROR
    sys.stdout.write(text + "\n")
    for error in file.errors:
        hint = f" ({error.hint})" if error.hint else ""
        print(f"{display}:{error.line}:{error.column}: error: {error.message}{hint}", file=sys.stderr)
    return EXIT_FINDINGS if file.errors else EXIT_OK


def _trigger_depth(node) -> int:
    """How many ONBUILD keywords ``node`` nests (0 for any other instruction)."""
    depth = 0
    while getattr(node, "trigger", None) is not None:
        node, depth = node.trigger, depth + 1
    return depth


def run_lsp(argv: Sequence[str]) -> int:
    parser = _Parser(prog="dflint lsp",
                     description="Run the Language Server Protocol server on standard input and output, "
                     "for editors: diagnostics on every change, fixes as code actions.")
    parser.add_argument("--config", metavar="FILE", help="use this configuration file instead of discovery")
    parser.add_argument("--stdio", action="store_true",
                        help="accepted for clients that always pass it (standard input and output is the only "
                        "transport)")
    args = parser.parse_args(argv)
    from .lsp.server import serve

    return serve(args.config)


def run_from_hadolint(argv: Sequence[str]) -> int:
    parser = _Parser(prog="dflint from-hadolint",
                     description="Print dflint's configuration doing what a hadolint configuration "
                     "(.hadolint.yaml) does, for .dflint.toml (or pyproject.toml with --pyproject).")
    parser.add_argument("file", nargs="?", help="hadolint's configuration (default: .hadolint.yaml or "
                        ".hadolint.yml in the current directory)")
    parser.add_argument("--pyproject", action="store_true", help="write [tool.dflint] tables for pyproject.toml")
    args = parser.parse_args(argv)
    from .hadolint_config import LOCAL_NAMES, HadolintConfigError, translate
    from .registry import installed

    path = args.file or next((name for name in LOCAL_NAMES if os.path.isfile(name)), None)
    if path is None:
        print(f"dflint: error: no {' or '.join(LOCAL_NAMES)} here: name hadolint's configuration file",
              file=sys.stderr)
        return EXIT_ERROR
    try:
        import yaml
    except ImportError:
        print("dflint: error: reading hadolint's YAML needs PyYAML: pip install PyYAML", file=sys.stderr)
        return EXIT_ERROR
    try:
        with open(path, encoding="utf-8") as handle:
            data = yaml.safe_load(handle)
    except OSError as exc:
        print(f"dflint: error: cannot read {path}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_ERROR
    except UnicodeDecodeError as exc:
        print(f"dflint: error: {path}: not UTF-8 text ({exc.reason} at byte {exc.start})", file=sys.stderr)
        return EXIT_ERROR
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark is not None else path
        print(f"dflint: error: {where}: invalid YAML: {getattr(exc, 'problem', None) or exc}", file=sys.stderr)
        return EXIT_ERROR
    rules, _ = installed()
    try:
        sys.stdout.write(translate(data, rules.knows, args.pyproject))
    except HadolintConfigError as exc:
        print(f"dflint: error: {path}: {exc}", file=sys.stderr)
        return EXIT_ERROR
    return EXIT_OK


COMMANDS = {"ast": run_ast, "rules": run_rules, "rule": run_rule, "lsp": run_lsp,
            "from-hadolint": run_from_hadolint}


def main(argv: Optional[Sequence[str]] = None) -> int:
    global _frozen, _start_up_paused
    if gc.isenabled():  # start-up makes long-lived objects and no garbage: see load_rules()
        gc.disable()
        _start_up_paused = True
    argv = list(sys.argv[1:] if argv is None else argv)
    for stream in (sys.stdout, sys.stderr):
        if (getattr(stream, "encoding", None) or "utf-8").lower().replace("-", "") != "utf8" \
                and hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8")  # reports carry any text a Dockerfile holds
    from .startup_cache import startup_cache

    try:
        with startup_cache():  # ~80 ms less start-up: generated dataclass code and regex programs, kept
            if argv and argv[0] in COMMANDS:
                return COMMANDS[argv[0]](argv[1:])
            return run_lint(argv)
    except SystemExit as exc:
        return int(exc.code) if isinstance(exc.code, int) else EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_ERROR
    finally:
        if _frozen:  # called in process: hand everything back to the collector
            gc.unfreeze()
            _frozen = False
        if _start_up_paused:  # a command that loaded no rules
            _start_up_paused = False
            gc.enable()


def run() -> "NoReturn":
    """The ``dflint`` command: :func:`main`, then exit without tearing the interpreter down.

    Freeing the objects of ~80 loaded rules one by one at exit takes 10-20 ms
    of a run that has nothing left to do; mypy exits the same way. Exit
    handlers still run and the standard streams are flushed first.
    """
    code = main()
    run_exit_handlers = getattr(atexit, "_run_exitfuncs", None)
    if run_exit_handlers is not None:
        run_exit_handlers()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # the reader went away: the output is lost
            code = code or EXIT_ERROR
    os._exit(code)


if __name__ == "__main__":  # pragma: no cover
    run()
