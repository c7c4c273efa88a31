"""Work that must grow linearly with the file: counted, never timed.

Each test builds a file where a quadratic algorithm would do N x N steps and
counts the steps that betray it (calls of a helper, visits of a node), so a
regression fails here on any machine, fast or busy.
"""

import dflint
from dflint import ast
from dflint.model.build import BuildModel
from dflint.model.variables import Scope, Variable
from dflint.testing import lint_snippet


def _count_calls(monkeypatch, owner, name, when=lambda *args, **kwargs: True, calls=None):
    """The calls of ``owner.name`` that ``when`` accepts, appended to ``calls`` (a new list by default:
    pass one list to count several functions together)."""
    original = getattr(owner, name)
    calls = [] if calls is None else calls

    def counting(*args, **kwargs):
        if when(*args, **kwargs):
            calls.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, counting)
    return calls


def test_sudo_reads_each_user_once(monkeypatch):
    # Each RUN used to walk its stage's instructions again to find the USER before it.
    runs = 200
    text = "FROM ubuntu:24.04 AS base\nUSER root\nFROM base\n" + "RUN sudo apt-get update\n" * runs
    expanded = _count_calls(monkeypatch, BuildModel, "expand",
                            lambda model, node, *rest: isinstance(node, ast.UserInstruction))
    result = lint_snippet(text, "sudo")
    assert len(result.diagnostics) == runs
    assert all(d.fix is not None for d in result.diagnostics)  # the USER root of the FROM stage is seen
    assert len(expanded) == 1


def test_env_self_reference_looks_up_each_name_once_per_pair(monkeypatch):
    # Each value was searched for each name of the ENV with its own regular expression (N x N,
    # and past the re module's cache of 512 patterns every search compiled its pattern again).
    pairs = 600
    text = "FROM alpine:3.20\nENV " + " ".join(f"K{i}=$K{i + 1}" for i in range(pairs)) + "\n"
    looked_up = _count_calls(monkeypatch, Scope, "get")
    result = lint_snippet(text, "env-self-reference")
    assert len(result.diagnostics) == pairs - 1  # the last one refers to K600, which no pair sets
    assert "$K1 is set by this same ENV" in result.diagnostics[0].message
    assert len(looked_up) <= 2 * pairs


def test_scopes_of_a_stage_share_their_variables():
    # Each instruction's scope held a dict of every variable before it: N ENVs, N*N entries.
    envs = 300
    text = "FROM alpine:3.20\n" + "".join(f"ENV K{i}=v{i}\n" for i in range(envs)) + "RUN true\n"
    model = dflint.build_model(dflint.parse(text))
    scopes = [model.scope_at(node) for node in model.stages[0].instructions]
    assert len({id(scope._history) for scope in scopes}) == 1
    assert all(scope._variables is None for scope in scopes)  # no dict until one is asked for
    assert len(scopes[-1].variables) == envs and scopes[-1].get("K0").value == "v0"


def test_scopes_sharing_a_history_see_their_own_version():
    empty = Scope({}, base_image_env=False)
    first = empty.with_variable(Variable("A", "1", "env"))
    second = first.with_variable(Variable("B", "2", "env")).with_variable(Variable("A", "3", "env"))
    branch = first.with_variable(Variable("A", "4", "env"))  # not the newest scope: a history of its own
    assert (empty.get("A"), first.get("A").value, second.get("A").value, branch.get("A").value) == (None, "1", "3", "4")
    assert first.get("B") is None and branch.get("B") is None and second.get("B").value == "2"
    assert list(second.variables) == ["A", "B"] and second.variables["A"].value == "3"
    assert list(first.variables) == ["A"] and list(branch.variables) == ["A"]
    assert second.expand("$A$B").value == "32" and first.expand("$A$B").value == "1"


def test_sibling_stages_do_not_see_each_others_variables():
    text = ("FROM alpine:3.20 AS base\nENV A=1\nFROM base AS one\nENV B=2\nRUN echo $A $B\n"
            "FROM base AS two\nENV C=3\nRUN echo $A $B $C\nFROM two\nRUN echo $C\n")
    model = dflint.build_model(dflint.parse(text))
    runs = [node for node in model.file.instructions if node.name == "RUN"]
    assert [model.expand(node, "$A-$B-$C").value for node in runs] == ["1-2-${C}", "1-${B}-3", "1-${B}-3"]
    assert list(model.scope_at(runs[1]).variables) == ["A", "C"]


def test_each_finding_tries_only_the_pragmas_that_cover_it(monkeypatch):
    # Every finding tried every pragma of the file: N pragmas above N instructions, N x N.
    runs = 200
    text = ("# check=skip=JSONArgsRecommended\n# dflint: file-ignore=DF503\nFROM ubuntu:24.04\n"
            + "".join(f"# dflint: ignore=DF201\nRUN apt-get install p{i}\n" for i in range(runs)))
    from dflint.suppression import Pragma

    tried = _count_calls(monkeypatch, Pragma, "covers")
    result = lint_snippet(text, "assume-yes")
    assert result.diagnostics == []  # every one suppressed, by the pragma above its RUN
    assert len(tried) <= 3 * runs


def test_consecutive_run_walks_the_file_once(monkeypatch):
    # Each pair of RUNs used to walk every node of the file for a suppression pragma between them.
    import dflint.api

    walks = []

    class CountedNodes(list):
        def __iter__(self):
            walks.append(1)
            return super().__iter__()

    original = dflint.api.parse

    def parse(*args, **kwargs):
        file = original(*args, **kwargs)
        object.__setattr__(file, "children", CountedNodes(file.children))
        return file

    monkeypatch.setattr(dflint.api, "parse", parse)
    runs = 200
    result = lint_snippet("FROM ubuntu:24.04\n" + "# build step\nRUN echo step\n" * runs, "consecutive-run")
    assert len(result.diagnostics) == runs - 1
    assert len(walks) < 10  # a few walks for the file, not one per pair of RUNs


def test_a_value_that_doubles_per_arg_stops_growing():
    # ARG B=$A$A doubles a value per line: 2^N characters, unless oversized values are read as unknown.
    lines = ["FROM alpine:3.20", "ARG A0=xx"] + [f"ARG A{i}=${{A{i - 1}}}${{A{i - 1}}}" for i in range(1, 20)]
    file = dflint.parse("\n".join(lines + ["RUN echo $A19"]) + "\n")
    model = BuildModel(file)
    scope = model.scope_at(file.instructions[-1])
    assert scope.expand("$A10").value == "x" * 2 ** 11
    assert not scope.expand("$A19").resolved  # its value would be a million characters


def test_package_configuration_is_looked_for_once_per_stage():
    # Each install used to scan every earlier RUN of its image for an apt or dnf configuration.
    from dflint import parse
    from dflint.analysis import Analysis
    from dflint.model import package_config
    from dflint.model.layers import run_steps

    class CountingPattern:
        def __init__(self, pattern):
            self.pattern, self.searched = pattern, 0

        def search(self, text):
            self.searched += 1
            return self.pattern.search(text)

    runs = 200
    analysis = Analysis("Dockerfile", parse("FROM debian:12\n" + "RUN apt-get install -y curl\n" * runs))
    pattern = CountingPattern(package_config.APT_NO_RECOMMENDS)
    installs = analysis.model.stages[0].instructions
    assert not any(package_config.configured(analysis, node, run_steps(analysis, node)[0], pattern)
                   for node in installs)
    assert pattern.searched <= 3 * runs  # each earlier RUN once for the stage, and each install's own RUN
    assert len(lint_snippet("FROM debian:12\n" + "RUN apt-get install -y curl\n" * runs,
                            "no-install-recommends").diagnostics) == runs


def _stage_chain(stages):
    lines = ["FROM debian:12 AS s0", "RUN apt-get update && apt-get install -y curl"]
    for i in range(1, stages):
        lines += [f"FROM s{i - 1} AS s{i}", f"COPY f{i}.tar.gz /app/", f"RUN tar -xzf /app/f{i}.tar.gz",
                  "ONBUILD RUN echo downstream"]
    return "\n".join(lines) + "\n"


def test_a_chain_of_stages_builds_each_history_step_once(monkeypatch):
    # Every rule that walks histories() rebuilt each stage's lineage, and the steps of all its
    # ancestors, on every call: N stages built N*N/2 steps per rule.
    from dflint.model import history

    stages = 200
    built = _count_calls(monkeypatch, history, "Step")
    lineages = _count_calls(monkeypatch, BuildModel, "lineage")
    result = lint_snippet(_stage_chain(stages), "copy-before-install")
    assert result.diagnostics == []
    instructions = 2 + 4 * (stages - 1)
    assert len(built) <= instructions  # each RUN, COPY and trigger once
    assert len(lineages) <= 2 * stages


def test_extract_with_add_reads_each_copy_once_in_a_chain_of_stages(monkeypatch):
    import importlib

    rule_module = importlib.import_module("dflint.rules.extract_with_add")
    stages = 200
    read = _count_calls(monkeypatch, rule_module, "_archives")
    result = lint_snippet(_stage_chain(stages), "extract-with-add")
    assert len(result.diagnostics) == stages - 1  # every archive is unpacked by the RUN after it
    assert len(read) == stages - 1


def test_wget_progress_reads_each_run_once_for_its_installs(monkeypatch):
    # Each wget looked through every earlier RUN of its lineage for one that installs wget
    # (all of them when none does, and the base image decides).
    import importlib

    rule_module = importlib.import_module("dflint.rules.wget_progress")
    runs = 300
    text = "FROM debian:12\n" + "RUN wget https://example.com/f\n" * runs
    asked = _count_calls(monkeypatch, rule_module, "_installs_wget")
    result = lint_snippet(text, "wget-progress")
    assert len(result.diagnostics) == runs
    assert all(d.fix is not None and d.fix.applicability.name == "SAFE" for d in result.diagnostics)
    assert len(asked) <= 2 * runs
