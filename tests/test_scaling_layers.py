"""The layer analysis must grow linearly with the number of COPYs: counted, never timed.

late-cleanup and copy-then-chmod pair a RUN's rm, mv, chmod or chown with the
earlier COPY/ADD that wrote the path. Comparing each of them with every earlier
copy made a file of N COPYs and N RUNs take N x N steps; each test builds such
a file and counts the comparisons (see tests/test_scaling.py for the style).
"""

import importlib

from dflint.model import copies, layers
from dflint.testing import lint_snippet

try:  # tests/ is not a package; pytest puts it on sys.path
    from .test_scaling import _count_calls
except ImportError:
    from test_scaling import _count_calls  # type: ignore[no-redef]


def test_late_cleanup_compares_a_deletion_only_with_the_copies_it_may_delete(monkeypatch):
    # Each rm and mv was compared with every earlier COPY still in the image: N x N.
    pairs = 300
    text = "FROM debian:12\n" + "".join(
        f"COPY f{i}.txt /srv/f{i}.txt\n"
        + (f"RUN rm /srv/f{i}.txt\n" if i % 50 == 0 else f"RUN rm -f /var/tmp/x{i} && mv /opt/y{i} /opt/z{i}\n")
        for i in range(pairs)) + "RUN rm -rf /srv\n"
    compared = _count_calls(monkeypatch, layers, "_hits")
    result = lint_snippet(text, "late-cleanup")
    early = pairs // 50
    assert len(result.diagnostics) == early + 1
    assert "`rm /srv/f0.txt` saves nothing: the earlier layer of `COPY` (line 2)" in result.diagnostics[0].message
    last = result.diagnostics[-1]
    assert "`rm /srv` saves nothing: the earlier layer of `COPY` (line 4) keeps /srv/f1.txt" in last.message
    assert len(last.related) == pairs - early  # every copy not deleted before, in order
    assert len(compared) <= 2 * pairs


def test_workspace_files_deleted_from_many_copies_are_matched_by_path(monkeypatch):
    # Each deletion was compared with every directory copied since the last RUN: N x N.
    directories = 300
    text = ("FROM node:22\n" + "".join(f"COPY . /w{i}\n" for i in range(directories))
            + "RUN rm -rf " + " ".join(f"/w{i}/.git" for i in range(directories)) + "\n")
    split = _count_calls(monkeypatch, layers, "_parts")
    result = lint_snippet(text, "late-cleanup")
    assert len(result.diagnostics) == directories  # one per copy: the .git it brought
    assert result.diagnostics[-1].message.startswith("`rm /w299/.git` saves nothing: the earlier layer of `COPY` "
                                                     f"(line {directories + 1})")
    assert len(split) <= 10 * directories


def test_copy_then_chmod_compares_a_change_only_with_the_copies_it_may_touch(monkeypatch):
    # Each chmod or chown walked back through every earlier step, reading what each COPY wrote and
    # comparing the path with it, until one matched: N x N for a path no copy wrote, or an early one.
    rule = importlib.import_module("dflint.rules.copy_then_chmod")
    pairs = 300
    text = "FROM debian:12\nCOPY app/ /app/\n" + "".join(
        f"COPY s{i}.sh /usr/local/bin/s{i}.sh\nRUN chmod 600 /etc/conf{i} && chown -R app /app/sub{i}\n"
        for i in range(pairs))
    related = _count_calls(monkeypatch, rule, "relation")
    _count_calls(monkeypatch, copies, "relation", calls=related)
    read = _count_calls(monkeypatch, rule, "copied")
    result = lint_snippet(text, "copy-then-chmod")
    assert len(result.diagnostics) == pairs  # each chown, of the directory the first COPY wrote
    assert all("COPY on line 2 copied" in d.message for d in result.diagnostics)
    assert len(read) <= 3 * pairs  # each step of the history read once, not once per later change
    assert len(related) <= 4 * pairs


def test_copy_then_chmod_files_each_copy_once_in_a_chain_of_stages(monkeypatch):
    # Each stage's lineage holds its parents' copies: filed anew per stage, a chain of N stages
    # would read N*N/2 steps.
    rule = importlib.import_module("dflint.rules.copy_then_chmod")
    stages = 200
    lines = ["FROM debian:12 AS s0", "COPY base/ /opt/base/"]
    for i in range(1, stages):
        lines += [f"FROM s{i - 1} AS s{i}", f"COPY f{i} /opt/f{i}", f"RUN chmod 600 /etc/x{i} /opt/base/f{i}"]
    read = _count_calls(monkeypatch, rule, "copied")
    result = lint_snippet("\n".join(lines) + "\n", "copy-then-chmod")
    assert len(result.diagnostics) == stages - 1  # each chmod, of the directory the first stage copied
    assert all("COPY on line 2 copied" in d.message for d in result.diagnostics)
    assert len(read) <= 2 * (1 + 2 * stages)  # each step once
