"""The ``dflint`` command: argument parsing and exit codes only.

Exit codes: 0 success, 1 findings or syntax errors, 2 usage, configuration or I/O error.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Optional, Sequence

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2


def _ast_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dflint ast",
        description="Print a Dockerfile's syntax tree and build model as JSON "
        "(schema: dflint/schemas/ast.schema.json).",
    )
    parser.add_argument("file", help="Dockerfile to parse, or - for standard input")
    parser.add_argument("--stdin-filename", help="path to report when reading standard input")
    parser.add_argument("--no-model", action="store_true", help="print the syntax tree only")
    parser.add_argument("--compact", action="store_true", help="one line of JSON instead of indented output")
    return parser


def _read(path: str) -> bytes:
    if path == "-":
        return sys.stdin.buffer.read()
    with open(path, "rb") as handle:
        return handle.read()


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
        data = _read(args.file)
    except OSError as exc:
        print(f"dflint: cannot read {display}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_ERROR
    file = api.parse(data, path=display if display != "-" else None)
    model = None if args.no_model else api.build_model(file)
    sys.stdout.write(_dump(file_json(file, model), args.compact) + "\n")
    for error in file.errors:
        hint = f" ({error.hint})" if error.hint else ""
        print(f"{display}:{error.line}:{error.column}: error: {error.message}{hint}", file=sys.stderr)
    return EXIT_FINDINGS if file.errors else EXIT_OK


COMMANDS = {"ast": run_ast}


def main(argv: Optional[Sequence[str]] = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in COMMANDS:
        return COMMANDS[argv[0]](argv[1:])
    if argv and argv[0] in ("--version", "-V"):
        from . import __version__

        print(f"dflint {__version__}")
        return EXIT_OK
    print("usage: dflint ast FILE | dflint --version", file=sys.stderr)
    return EXIT_ERROR


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
