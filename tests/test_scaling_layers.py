"""The layer analysis must grow linearly with the file: counted, never timed.

late-cleanup and copy-then-chmod pair a RUN's rm, mv, chmod or chown with the
earlier COPY/ADD that wrote the path. Comparing each of them with every earlier
copy made a file of N COPYs and N RUNs take N x N steps; so did following a base
stage once per target built FROM it, comparing a RUN's N deletions with the N
files it created, and matching a glob against every entry of a directory. Each
test builds such a file and counts the steps (see tests/test_scaling.py for the
style).
"""

import importlib

import dflint
from dflint.analysis import Analysis
from dflint.model import copies, layers, path_index
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
    assert "`rm -rf /srv` saves nothing: the earlier layer of `COPY` (line 4) keeps /srv/f1.txt" in last.message
    assert len(last.related) == pairs - early  # every copy not deleted before, in order
    assert len(compared) <= 2 * pairs


def test_workspace_files_deleted_from_many_copies_are_matched_by_path(monkeypatch):
    # Each deletion was compared with every directory copied since the last RUN: N x N.
    directories = 300
    text = ("FROM node:22\n" + "".join(f"COPY . /w{i}\n" for i in range(directories))
            + "RUN rm -rf " + " ".join(f"/w{i}/.git" for i in range(directories)) + "\n")
    split = _count_calls(monkeypatch, layers, "_parts")
    _count_calls(monkeypatch, path_index, "parts", calls=split)
    result = lint_snippet(text, "late-cleanup")
    assert len(result.diagnostics) == directories  # one per copy: the .git it brought
    assert result.diagnostics[-1].message.startswith("`rm -rf /w299/.git` saves nothing: the earlier layer of `COPY` "
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


def test_late_cleanup_walks_a_shared_base_stage_once(monkeypatch):
    # Each image target was followed from its first stage: N targets built FROM one base of N COPYs
    # read the base N times (N x N).
    targets = 200
    text = "FROM debian:12 AS base\n" + "".join(
        f"COPY f{i}.txt /srv/f{i}.txt\nRUN rm -f /var/tmp/x{i}\n" for i in range(targets))
    text += "".join(f"FROM base AS t{i}\nRUN rm /srv/f{i}.txt\n" for i in range(targets))
    read = _count_calls(monkeypatch, layers, "_copied")
    result = lint_snippet(text, "late-cleanup")
    assert len(result.diagnostics) == targets  # each target's rm, of the file the base copied
    first = 2 * targets + 3
    assert result.diagnostics[0].line == first
    assert "`rm /srv/f0.txt` saves nothing: the earlier layer of `COPY` (line 2)" in result.diagnostics[0].message
    assert len(read) == targets  # each COPY once


def test_late_cleanup_walks_each_stage_of_a_tree_once(monkeypatch):
    # base -> mid -> N targets, and base -> N other targets: each target sees its own lineage only.
    n = 150
    text = "FROM debian:12 AS base\n" + "".join(f"COPY f{i} /b/f{i}\nRUN rm -f /nope{i}\n" for i in range(n))
    text += "FROM base AS mid\n" + "".join(f"COPY g{i} /m/g{i}\n" for i in range(n))
    text += "".join(f"FROM mid AS m{i}\nRUN rm /m/g{i} /b/f{i}\n" for i in range(n))
    text += "".join(f"FROM base AS b{i}\nRUN rm -rf /b/f{i} /m\n" for i in range(n))
    read = _count_calls(monkeypatch, layers, "_copied")
    result = lint_snippet(text, "late-cleanup")
    # mid's targets delete a file of mid and one of base; base's other targets one of base (not /m:
    # mid is not in their lineage).
    assert len(result.diagnostics) == 3 * n
    assert not any("rm /m`" in d.message for d in result.diagnostics)
    assert len(read) == 2 * n


def test_a_run_compares_its_deletions_only_with_what_it_created_at_those_paths(monkeypatch):
    # Each deletion of a RUN was compared with everything the RUN created, and each creation with
    # every deletion: N x N for a RUN of N downloads and N deletions of other files.
    n = 300
    text = "FROM debian:12\nRUN " + " && \\\n    ".join(
        f"curl -fsSL -o /tmp/d{i}.tgz https://example.com/{i}.tgz && rm -f /var/x{i}"
        + (f" /tmp/d{i}.tgz" if i % 50 == 0 else "") for i in range(n)) + "\n"
    text += "RUN rm /tmp/d0.tgz /tmp/d1.tgz\n"
    compared = _count_calls(monkeypatch, layers, "_hits")
    result = lint_snippet(text, "late-cleanup")
    assert [d.message.split(":")[0] for d in result.diagnostics] == ["`rm /tmp/d1.tgz` saves nothing"]
    assert len(compared) <= 2 * n


def test_workspace_deletions_read_the_commands_before_them_once(monkeypatch):
    # Each deletion inside a fresh copy checked every command before it in its RUN for a write: N x N.
    n = 400
    text = ("FROM node:22\nCOPY . /app\nRUN " + " && ".join(f"rm -rf /app/x{i}" for i in range(n))
            + " && rm -rf /app/.git\n")
    looked = _count_calls(monkeypatch, layers, "_writes")
    result = lint_snippet(text, "late-cleanup")
    assert len(result.diagnostics) == 1
    assert result.diagnostics[0].message.startswith("`rm -rf /app/.git` saves nothing")
    assert len(looked) <= 2 * n


def test_a_glob_looks_only_at_the_entries_it_can_match(monkeypatch):
    # A glob's part was matched against every entry of its directory: N RUNs deleting `*.log` from a
    # directory of N copied files made N x N comparisons.
    n = 300
    text = "FROM debian:12\n" + "".join(
        f"COPY f{i}.txt /app/f{i}.txt\nRUN rm -f /app/*.log /app/cache-* /app/f*.tmp\n" for i in range(n))
    text += "RUN rm /app/f1*.txt\n"
    matched = _count_calls(monkeypatch, layers, "_same")
    _count_calls(monkeypatch, path_index, "same", calls=matched)
    result = lint_snippet(text, "late-cleanup")
    assert len(result.diagnostics) == 1
    assert len(result.diagnostics[0].related) == 1 + 10 + 100  # f1, f10-f19, f100-f199
    assert len(matched) <= 4 * n


def test_package_cache_compares_a_cache_only_with_the_later_steps_that_can_remove_it(monkeypatch):
    # Each cache a step filled was compared with every later step of the RUN (does it remove it,
    # look like its cleanup, read it?): N x N for a RUN of N installs and N other commands.
    n = 300
    text = ("FROM python:3.12\nRUN apt-get update && "
            + " && \\\n    ".join(f"pip install p{i} && rm -f /tmp/x{i}" for i in range(n))
            + " && apt-get clean && if true; then pip cache purge; fi\n")
    asked = _count_calls(monkeypatch, layers, "_removes_cache")
    for name in ("near_miss", "consumes"):
        _count_calls(monkeypatch, layers, name, calls=asked)
    _count_calls(monkeypatch, layers.Step, "follows", calls=asked)
    result = lint_snippet(text, "package-cache")
    assert len(result.diagnostics) == n + 1  # a purge inside `if` removes nothing the RUN's top level filled
    assert "(`apt-get clean` empties /var/cache/apt, not the lists)" in result.diagnostics[0].message
    assert all("pip install" in d.message for d in result.diagnostics[1:])
    assert len(asked) <= 5 * n  # each rm once per cache, each pip and apt-get command once


def test_the_first_following_step_is_the_first_that_step_follows_says():
    # The later steps are filed by branch, not asked one by one: both must name the same step.
    text = ("FROM debian:12\nRUN a && if x; then b || c; for i in 1; do d; e || f; done; g; else h; fi && "
            "( i; case y in z) j ;; esac ) && k || l; m; f() { n; }; o\n")
    analysis = Analysis("Dockerfile", dflint.parse(text))
    node = next(n for n in analysis.model.stages[0].instructions if layers._run_of(n) is not None)
    steps = layers.run_steps(analysis, node)
    assert len({s.branch for s in steps}) >= 4 and any(s.command.operator == "||" for s in steps)
    filed = layers._Following((s, s.index) for s in steps)
    for step in steps:
        expected = next((s for s in steps[step.index + 1:] if s.follows(step)), None)
        found = filed.first(step)
        assert (found[0] if found else None) is expected, step.command.argv


def test_bundler_settings_are_read_once_per_command_not_once_per_install(monkeypatch):
    # Each bundle install re-read every earlier command of its lineage for `bundle config`: N x N.
    installs = 300
    text = "FROM ruby:3.3 AS base\nRUN bundle config set path /gems\n" + "".join(
        f"RUN bundle config set --local without test{i} && bundle install\n" for i in range(installs)
    ) + "FROM base\nRUN bundle install --jobs 4\n"
    read = _count_calls(monkeypatch, layers, "_read_bundler")
    result = lint_snippet(text, "package-cache")
    assert len(result.diagnostics) == installs + 1
    assert all("/gems/ruby/*/cache" in d.message for d in result.diagnostics)
    assert len(read) <= 3 * (2 * installs + 2)
