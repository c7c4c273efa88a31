"""CopyIndex answers as comparing a path with every entry would (dflint.model.copies.relation)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from dflint.model.copies import Copied, CopyIndex, relation

_PARTS = ["app", "bin", "opt", "x", "a.sh", "*.sh", "srv", "node_modules"]

paths = st.lists(st.sampled_from(_PARTS), min_size=0, max_size=4).map(lambda parts: "/" + "/".join(parts))
entries = st.builds(lambda path, kind: Copied(path, kind, None), paths, st.sampled_from(["file", "tree", "either"]))


def _brute(steps, end, path, recursive, selective, excluded):
    best = -1
    for position, written in enumerate(steps[:end]):
        if position == excluded:
            continue
        for entry in written:
            found = relation(path, recursive, entry)
            if found and not (selective and found == "ancestor"):
                best = position
    return best


@settings(max_examples=400, deadline=None, derandomize=True)
@given(steps=st.lists(st.lists(entries, max_size=3), max_size=8), path=paths, recursive=st.booleans(),
       selective=st.booleans(), cut=st.integers(0, 8), excluded=st.integers(-1, 8))
def test_latest_is_the_brute_force_answer(steps, path, recursive, selective, cut, excluded):
    index = CopyIndex()
    for position, written in enumerate(steps):
        index.add(position, written)
    assert index.latest(path, recursive, selective, excluded) == \
        _brute(steps, len(steps), path, recursive, selective, excluded)
    # Truncated (a parent stage's steps, when its next child is checked), then grown again.
    cut = min(cut, len(steps))
    index.truncate(cut)
    assert index.latest(path, recursive, selective, excluded) == _brute(steps, cut, path, recursive, selective,
                                                                        excluded)
    for position in range(cut, len(steps)):
        index.add(position, steps[position])
    assert index.latest(path, recursive, selective, excluded) == \
        _brute(steps, len(steps), path, recursive, selective, excluded)


# ---- last_copy_of and may_have_copied: each stage's copies indexed once, the answers of a scan ----------------

from unittest import mock  # noqa: E402

from dflint import ast  # noqa: E402
from dflint.api import parse  # noqa: E402
from dflint.model import copies  # noqa: E402
from dflint.model.build import BuildModel  # noqa: E402

_SOURCES = ["package.json", "package*.json", "yarn.lock", "src", "src/", ".", "*/package.json", "[ab]*", "$NOPE",
            "https://x/y.json", "x.tar.gz", "--from=build /out", "--from=build /out/x.json", "--parents pkg/a.json",
            "--parents src/", "a b"]
_DESTINATIONS = ["./", ".", "/app/", "/app", "/app/sub/", "/", "/app//", "../", "x", "$D", "/app/package.json"]
_PATHS = ["/", "/app", "/app/package.json", "/app/yarn.lock", "/app/sub/package.json", "/app/src",
          "/app/src/package.json", "/app/x", "/app/x/package.json", "/app/out/x", "/package.json", "/a",
          "/app/a", "/app/pkg/a.json", "/app/*.json", "/app/b.json", "app/x"]

_lines = st.one_of(
    st.sampled_from(["WORKDIR /app", "WORKDIR sub", "WORKDIR /app/x", "RUN true", "FROM s AS t", "FROM t"]),
    st.builds(lambda source, destination: f"COPY {source} {destination}", st.sampled_from(_SOURCES),
              st.sampled_from(_DESTINATIONS)),
)


def _scan_last_copy(model, node, path):
    found = None
    for other in copies._copies_before(model, node):
        for entry in copies.copied(model, other):
            if relation(path, False, entry) == "same":
                glob = entry.path.rsplit("/", 1)[-1]
                found = (other, glob if ("*" in glob or "?" in glob or "[" in glob) else None)
    return found


def _scan_may_have_copied(model, node, path):
    found = None
    for other in copies._copies_before(model, node):
        entries = copies.copied(model, other)
        if len(entries) < len(other.sources) or copies._may_write(other, entries, path):
            found = other
    return found


@settings(max_examples=300, deadline=None, derandomize=True)
@given(lines=st.lists(_lines, max_size=14))
def test_copy_questions_answer_as_a_scan(lines):
    file = parse("FROM node AS s\n" + "\n".join(lines) + "\nRUN npm ci\n")
    model = BuildModel(file)
    for node in file.instructions:
        if not isinstance(node, ast.RunInstruction):
            continue
        for path in _PATHS:
            assert copies.last_copy_of(model, node, path) == _scan_last_copy(model, node, path), (node.line, path)
            assert copies.may_have_copied(model, node, path) is _scan_may_have_copied(model, node, path), \
                (node.line, path)


def test_each_copy_is_resolved_once_however_many_questions():
    file = parse("FROM node\n" + "".join(f"WORKDIR /app{i}\nCOPY package.json ./\nRUN npm ci\n" for i in range(200)))
    model = BuildModel(file)
    with mock.patch.object(copies, "copied", wraps=copies.copied) as spy:
        for node in file.instructions:
            if isinstance(node, ast.RunInstruction):
                copies.last_copy_of(model, node, "/app0/package.json")
                copies.may_have_copied(model, node, "/app0/package-lock.json")
    assert spy.call_count <= 200 + 2 * 200  # each COPY once for the index, the found one again per question
