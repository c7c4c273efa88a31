"""--fix work that must grow linearly with the number of fixes: counted, never timed.

Each round of fixes chooses the fixes that do not overlap, applies their
edits, and finds where the places it remembers (fixes whose finding stays)
are in the edited text. Comparing every fix with every fix chosen before it,
or walking every edit for every place, is N x N work on a file with N fixes;
the count of reads of the edits' offsets betrays it on any machine.
"""

import pytest

from dflint.fix import Edit
from dflint.testing import lint_snippet


@pytest.fixture
def offset_reads(monkeypatch):
    """How many times an Edit's start or end is read."""
    reads = []
    for name in ("start", "end"):
        original = getattr(Edit, name).fget

        def counting(edit, _original=original):
            reads.append(1)
            return _original(edit)

        monkeypatch.setattr(Edit, name, property(counting))
    return reads


@pytest.mark.parametrize("rule, line", [
    ("assume-yes", "RUN apt-get install p{i}\n"),
    ("add-instead-of-copy", "ADD f{i}.txt /opt/\n"),
])
def test_fixing_reads_each_edit_a_bounded_number_of_times(offset_reads, rule, line):
    # Choosing the fixes compared each one with every fix chosen before it, and each applied fix's
    # place was moved through every edit of the round: about 2,400 reads per fix at 400 fixes.
    fixes = 400
    text = "FROM ubuntu:24.04\n" + "".join(line.format(i=i) for i in range(fixes))
    result = lint_snippet(text, rule, fix=True, unsafe_fixes=True)  # DF303's fix for files it cannot see is unsafe
    assert result.fixes_applied == fixes and result.diagnostics == []
    assert len(offset_reads) <= 40 * fixes
