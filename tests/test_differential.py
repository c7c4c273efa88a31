"""dflint's parser against BuildKit's, on fixtures and on generated files.

The oracle is BuildKit v0.12.5's Go parser (the `dockerfile` package, test
only). Both directions count: BuildKit accepts a file and dflint reports a
parser-origin error, or BuildKit rejects it and dflint reports none, or both
accept it and see different instructions (keyword, ONBUILD trigger, exec
form, lines, flags, argument values, heredocs).

dflint follows current BuildKit where it goes beyond v0.12.5. The
differences, with their full reasons in ``buildkit_oracle.DOCUMENTED_DIFFERENCES``:

  json-trailing-text        `CMD ["a"] x` is shell form (json.Unmarshal, not a Decoder)
  heredoc-space             `RUN cat << EOF` is a heredoc
  heredoc-modifiers         `${v#p}`, `${v%p}`, `${v/a/b}` no longer disable heredocs
  heredoc-modifier-escapes  escapes in `${v:-word}` are not kept on heredoc lines
  heredoc-word-prefix       `<<"${X:-EOF}"` is no heredoc (shared word buffer)
  check-directive           `# check=` is a directive; a later `# escape=` counts
  directive-space           any Unicode space may follow `#` in a directive
  flag-escape               flags use the file's escape character
  flag-bytes                dflint reads flags and the HEALTHCHECK type as characters

The generator keeps away from them, a disagreement on a file that contains
one is not counted (``--hypothesis-show-statistics`` shows how often that
happens), and ``test_documented_difference`` pins dflint's behaviour for each.

Also checked here, for every fixture and every generated file: the tree
prints back to the exact text, and every node's text, positions and nesting
are consistent. Random text and bytes must never make the parser raise.

Environment:
  DFLINT_FUZZ_EXAMPLES=N  generated files per run (default 5000)
  DFLINT_FUZZ_RANDOM=1    random seeds instead of the fixed CI sequence
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Iterator, Optional

import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import event as _hypothesis_event
from hypothesis.control import currently_in_test_context
from hypothesis import strategies as st

from dflint import ast
from dflint.source import LineIndex, Span, decode_bytes
from dflint.syntax import parse_syntax, print_tree

try:  # tests/ is not a package; pytest puts it on sys.path
    from . import strategies
    from .buildkit_oracle import (
        DOCUMENTED_DIFFERENCES, OracleUnusable, buildkit_views, documented_differences, dflint_views,
        oracle_can_answer,
    )
except ImportError:
    import strategies  # type: ignore[no-redef]
    from buildkit_oracle import (  # type: ignore[no-redef]
        DOCUMENTED_DIFFERENCES, OracleUnusable, buildkit_views, documented_differences, dflint_views,
        oracle_can_answer,
    )

FIXTURES = Path(__file__).parent / "fixtures"
BEYOND = "beyond-v0.12.5"

EXAMPLES = int(os.environ.get("DFLINT_FUZZ_EXAMPLES", "5000"))
RANDOM = os.environ.get("DFLINT_FUZZ_RANDOM", "") not in ("", "0")


def event(what: str) -> None:
    """Count ``what`` in hypothesis' statistics (a no-op outside hypothesis)."""
    if currently_in_test_context():
        _hypothesis_event(what)


def fuzz_settings(examples: int) -> settings:
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=not RANDOM,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        print_blob=True,
    )


# ---------------------------------------------------------------------------
# Comparison and invariants
# ---------------------------------------------------------------------------

def disagreement(text: str, file: ast.File) -> Optional[str]:
    """Why dflint and BuildKit v0.12.5 disagree on ``text``, or None.

    Disagreements on files that contain a documented difference are not
    counted (hypothesis ``event`` statistics show how often that happens).
    """
    if not oracle_can_answer(text):
        event("oracle cannot take the text")
        return None
    try:
        expected = buildkit_views(text)
    except OracleUnusable:
        event("oracle cannot return its answer")
        return None
    actual = dflint_views(text, file)
    if isinstance(expected, str) and isinstance(actual, str):
        event("both reject")
        return None
    if expected == actual:
        event("both accept" if isinstance(actual, list) else "both reject")
        return None
    known = documented_differences(text, file)
    if known:
        for key in known:
            event(f"documented difference: {key}")
        return None
    return _describe(text, expected, actual)


def _describe(text: str, expected: "list | str", actual: "list | str") -> str:
    lines = [f"text: {text!r}"]
    if isinstance(expected, str) or isinstance(actual, str):
        lines.append(f"BuildKit: {expected if isinstance(expected, str) else 'accepts'}")
        lines.append(f"dflint:   {actual if isinstance(actual, str) else 'accepts'}")
        return "\n".join(lines)
    for number, (want, got) in enumerate(zip(expected, actual)):
        if want != got:
            lines.append(f"instruction {number}:\n  BuildKit: {want}\n  dflint:   {got}")
            break
    if len(expected) != len(actual):
        lines.append(f"BuildKit has {len(expected)} instructions, dflint {len(actual)}")
    return "\n".join(lines)


def _children(node: object) -> Iterator[ast.Node]:
    """Nodes held directly by ``node``'s fields (a Mount's flag included)."""
    for field in dataclasses.fields(node):  # type: ignore[arg-type]
        value = getattr(node, field.name)
        items = value if isinstance(value, tuple) else (value,)
        for item in items:
            if isinstance(item, ast.Node):
                yield item
            elif isinstance(item, ast.Mount):
                yield item.flag


def _spans(node: object) -> Iterator[tuple[str, Span]]:
    """Extra span fields of ``node`` (name_span, body_span ...)."""
    for field in dataclasses.fields(node):  # type: ignore[arg-type]
        value = getattr(node, field.name)
        if field.name != "span" and isinstance(value, Span):
            yield field.name, value


_Visit = tuple[ast.Node, Optional[ast.Instruction]]


def _within(inner: Span, outer: Span) -> bool:
    return outer.start.offset <= inner.start.offset <= inner.end.offset <= outer.end.offset


def check_tree(text: str, file: ast.File) -> None:
    """Round trip and node invariants; raises AssertionError with the first problem."""
    assert isinstance(file, ast.File)
    assert print_tree(file) == text, "print_tree does not give back the text"
    index = LineIndex(text)

    def position_ok(what: str, span: Span) -> None:
        for point in span:
            assert 0 <= point.offset <= len(text), f"{what}: offset {point.offset} outside the text"
            assert point == index.position(point.offset), f"{what}: {point} is not {index.position(point.offset)}"
        assert span.start.offset <= span.end.offset, f"{what}: span ends before it starts"

    def visit(top: ast.Node) -> None:
        # A loop, not recursion: ONBUILD ONBUILD ... nests thousands deep.
        stack: list[_Visit] = [(top, None)]
        while stack:
            node, instruction = stack.pop()
            for child in reversed(list(visit_one(node, instruction))):
                stack.append(child)

    def visit_one(node: ast.Node, instruction: Optional[ast.Instruction]) -> Iterator[_Visit]:
        what = f"{type(node).__name__} {node.text[:200]!r}"
        position_ok(what, node.span)
        assert node.text == text[node.span.start.offset:node.span.end.offset], f"{what}: text is not the source"
        if instruction is not None:
            assert _within(node.span, instruction.span), f"{what} outside its instruction {instruction.text!r}"
        for name, span in _spans(node):
            position_ok(f"{what}.{name}", span)
            assert _within(span, node.span), f"{what}.{name} outside the node"
        if isinstance(node, ast.Argument) and node.origin >= 0 and instruction is not None:
            original = instruction.original
            assert original[node.origin:node.origin + len(node.value)] == node.value, f"{what}: origin"
        if isinstance(node, ast.Instruction):
            joined = "".join(text[s.offset:s.offset + s.length] for s in node.segments)
            assert joined == node.original, f"{what}: segments do not make up the logical line"
            logical = 0
            for segment in node.segments:
                assert segment.logical == logical, f"{what}: segment {segment} misplaced"
                assert index.position(segment.offset) == (segment.offset, segment.line, segment.column)
                logical += segment.length
            instruction = node if instruction is None else instruction
        for child in _children(node):
            yield child, instruction

    cursor = 0
    for child in file.children:
        assert child.span.start.offset == cursor, f"gap or overlap before {child!r}"
        cursor = child.span.end.offset
        visit(child)
    assert cursor == len(text), "children do not reach the end of the text"
    for error in file.errors:
        position_ok(f"error {error.message!r}", error.span)


def check(text: str) -> Optional[str]:
    """Parse once; check invariants; return a disagreement with BuildKit, if any."""
    file = parse_syntax(text)
    check_tree(text, file)
    return disagreement(text, file)


# ---------------------------------------------------------------------------
# (a) + (c): fixtures
# ---------------------------------------------------------------------------

def _is_dockerfile(path: Path) -> bool:
    name = path.name
    return path.is_file() and (
        name.startswith(("Dockerfile", "Containerfile")) or name.endswith((".Dockerfile", ".dockerfile"))
    )


def fixture_files() -> list[Path]:
    return sorted(p for p in FIXTURES.glob("**/*") if _is_dockerfile(p))


FIXTURE_FILES = fixture_files()


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=[str(p.relative_to(FIXTURES)) for p in FIXTURE_FILES])
def test_fixture_agrees_with_buildkit(path: Path) -> None:
    text = decode_bytes(path.read_bytes())
    file = parse_syntax(text)
    check_tree(text, file)
    problem = disagreement(text, file)
    assert problem is None, problem
    if BEYOND in path.parts:
        # Valid for current BuildKit, read differently by v0.12.5 (the
        # comparison above allows that only for documented differences).
        assert not [e for e in file.errors if e.origin == "parser"], file.errors


def test_fixtures_are_found() -> None:
    """The glob sees the fixture tree (an empty parametrization would pass silently)."""
    if not FIXTURES.is_dir():
        pytest.skip("no fixtures yet")
    assert FIXTURE_FILES, f"no Dockerfiles under {FIXTURES}"


# ---------------------------------------------------------------------------
# Edge cases too big or too rare for the generator
# ---------------------------------------------------------------------------

_LIMIT = 64 * 1024  # bufio.Scanner's line buffer in BuildKit
EDGE_CASES = {
    "line-at-limit": "FROM a\nRUN " + "x" * (_LIMIT - 5) + "\n",
    "line-over-limit": "FROM a\nRUN " + "x" * (_LIMIT - 4) + "\n",
    "last-line-at-limit": "FROM a\nRUN " + "x" * (_LIMIT - 5),
    "last-line-over-limit": "FROM a\nRUN " + "x" * (_LIMIT - 4),
    "multibyte-line-over-limit": "FROM a\nRUN " + "\u00e9" * (_LIMIT // 2) + "\n",
    "long-heredoc-line": "FROM a\nRUN <<EOF\n" + "y" * (_LIMIT + 10) + "\nEOF\n",
    "long-continued-instruction": "FROM a\nRUN " + " \\\n".join(["x" * 1000] * 80) + "\n",
    "bom-only": "\ufeff",
    "empty": "",
    "escape-only": "\\",
    "escape-newline": "\\\n",
    "directive-only": "# escape=`\n",
    "many-heredocs": "FROM a\nRUN " + " ".join(f"<<E{i}" for i in range(40)) + "\n"
                     + "".join(f"body {i}\nE{i}\n" for i in range(40)),
    # BuildKit's parser nests ONBUILD triggers as deep as the line goes (8,000 fit in 64 KiB).
    "onbuild-chain-deep": "FROM a\n" + "ONBUILD " * 3000 + "RUN --mount=type=cache,target=/x x\n",
    "onbuild-chain-continued": "FROM a\n" + "onbuild \\\n" * 1500 + "COPY <<EOF /x\nhi\nEOF\n",
}


@pytest.mark.parametrize("name", sorted(EDGE_CASES))
def test_edge_case_agrees_with_buildkit(name: str) -> None:
    problem = check(EDGE_CASES[name])
    assert problem is None, problem


# ---------------------------------------------------------------------------
# (b) + (c): generated files against the oracle
# ---------------------------------------------------------------------------

@fuzz_settings(EXAMPLES)
@given(strategies.dockerfiles())
def test_generated_files_agree_with_buildkit(text: str) -> None:
    note(f"text: {text!r}")
    problem = check(text)
    assert problem is None, problem


# ---------------------------------------------------------------------------
# (d): robustness on anything
# ---------------------------------------------------------------------------

def _robust(text: str) -> None:
    file = parse_syntax(text)
    check_tree(text, file)


@fuzz_settings(max(EXAMPLES // 10, 100))
@given(st.one_of(
    st.binary(max_size=300).map(decode_bytes),
    st.text(max_size=200),
    strategies.chaos_text(),
    strategies.dockerfiles(oracle_safe=False),
))
def test_any_text_parses_and_round_trips(text: str) -> None:
    note(f"text: {text!r}")
    _robust(text)


@fuzz_settings(max(EXAMPLES // 10, 100))
@given(strategies.dockerfiles(oracle_safe=False))
def test_unrestricted_files_round_trip(text: str) -> None:
    """Files that may contain documented differences: no raise, round trip, invariants."""
    note(f"text: {text!r}")
    _robust(text)
    # Disagreements are allowed here only where a documented difference appears.
    problem = disagreement(text, parse_syntax(text))
    assert problem is None, problem


# ---------------------------------------------------------------------------
# The documented differences, pinned
# ---------------------------------------------------------------------------

# key -> (text, what dflint must report for the instruction under test)
DIFFERENCE_CASES: dict[str, tuple[str, "dict[str, object]"]] = {
    "json-trailing-text": ('FROM a\nCMD ["a"] x\n', {"exec_form": False, "args": ('["a"] x',)}),
    "heredoc-space": ("FROM a\nRUN cat << EOF\nhi\nEOF\n", {"heredocs": (("EOF", "hi\n"),)}),
    "heredoc-modifiers": ("FROM a\nRUN echo ${A#x} <<EOF\nhi\nEOF\n", {"heredocs": (("EOF", "hi\n"),)}),
    "heredoc-modifier-escapes": ("FROM a\nRUN ${x:- \\<<EOF}\nhi\nEOF}\n", {"heredocs": (("EOF}", "hi\n"),)}),
    "heredoc-word-prefix": ('FROM a\nRUN cat <<"${X:-EOF}"\n${X:-EOF}\n', {"heredocs": ()}),
    "check-directive": ("# check=skip=all\n# escape=`\nFROM a\nRUN a `\n  b\n", {"args": ("a   b",)}),
    "directive-space": ("#\x0bescape=`\nFROM a\nRUN a `\n  b\n", {"args": ("a   b",)}),
    "flag-escape": ("# escape=`\nFROM a\nRUN --mount=a`,b x\n", {"flags": ("--mount=a,b",)}),
    "flag-bytes": ("FROM a\nRUN --a=é x\n", {"flags": ("--a=é",)}),
}


@pytest.mark.parametrize("key", sorted(DOCUMENTED_DIFFERENCES))
def test_documented_difference(key: str) -> None:
    text, expected = DIFFERENCE_CASES[key]
    file = parse_syntax(text)
    assert not [e for e in file.errors if e.origin == "parser"], file.errors
    node = file.instructions[-1]
    view = {
        "exec_form": node.exec_form,
        "args": tuple(a.value for a in node.args),
        "heredocs": tuple((h.name, h.content) for h in node.heredocs),
        "flags": tuple(f.buildkit_text for f in node.flags),
    }
    for name, value in expected.items():
        assert view[name] == value, f"{name}: {view[name]!r} != {value!r}"
    # v0.12.5 really does see it differently, and the detector finds it.
    assert buildkit_views(text) != dflint_views(text, file)
    assert key in documented_differences(text, file)


def test_every_documented_difference_has_a_case() -> None:
    assert set(DIFFERENCE_CASES) == set(DOCUMENTED_DIFFERENCES)
