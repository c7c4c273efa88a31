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
