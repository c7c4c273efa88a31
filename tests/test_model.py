"""The build model: stages, image references, ARG/ENV scoping and expansion."""

import pytest

import dflint
from dflint.model import parse_image_reference


def model(text):
    return dflint.build_model(dflint.parse(text))


def instruction(built, kind, nth=0):
    return [i for i in built.file.instructions if i.name == kind][nth]


@pytest.mark.parametrize(
    "text, registry, repository, tag, digest",
    [
        ("node", "docker.io", "library/node", None, None),
        ("node:20-alpine", "docker.io", "library/node", "20-alpine", None),
        ("bitnami/redis:7.2", "docker.io", "bitnami/redis", "7.2", None),
        ("index.docker.io/library/ubuntu:22.04", "docker.io", "library/ubuntu", "22.04", None),
        ("ghcr.io/acme/app:1.2.3", "ghcr.io", "acme/app", "1.2.3", None),
        ("localhost:5000/tools/build", "localhost:5000", "tools/build", None, None),
        ("localhost/app:dev", "localhost", "app", "dev", None),
        ("registry.example.com:8443/team/svc@sha256:" + "a" * 64,
         "registry.example.com:8443", "team/svc", None, "sha256:" + "a" * 64),
        ("alpine:3.20@sha256:" + "b" * 64, "docker.io", "library/alpine", "3.20", "sha256:" + "b" * 64),
    ],
)
def test_image_reference_normalization(text, registry, repository, tag, digest):
    ref = parse_image_reference(text)
    assert (ref.registry, ref.repository, ref.tag, ref.digest) == (registry, repository, tag, digest)
    assert ref.valid and ref.fully_known


@pytest.mark.parametrize(
    "text, message",
    [
        ("Node:20", "lowercase"),
        ("node:", "invalid tag"),
        ("node@sha256:abc", "invalid digest"),
        ("my_/app", "invalid reference"),
        ("", "empty"),
    ],
)
def test_invalid_image_references(text, message):
    assert message in parse_image_reference(text).error


def test_untagged_is_tri_state():
    assert parse_image_reference("python").untagged is True
    assert parse_image_reference("python:3.12").untagged is False
    assert parse_image_reference("python@sha256:" + "c" * 64).untagged is False
    built = model("ARG TAG\nFROM python:${TAG}\nFROM python${SUFFIX}\nFROM $IMAGE\n")
    refs = [stage.base.reference for stage in built.stages]
    assert refs[0].untagged is False and refs[0].tag is None and not refs[0].tag_known
    # SUFFIX is undefined (expands to nothing): "python" really is untagged.
    assert refs[1].untagged is True
    assert refs[2] is not None and refs[2].error is not None  # empty reference


def test_global_args_reach_from_and_defaults_resolve():
    built = model("ARG BASE=python\nARG V=3.12\nFROM ${BASE}\nFROM python:${V}-slim AS app\n")
    first, second = built.stages
    assert first.base.expansion.value == "python" and first.base.reference.untagged is True
    assert second.base.reference.tag == "3.12-slim"
    assert second.name == "app"
    assert [v.name for v in built.global_args] == ["BASE", "V"]


def test_arg_without_default_stays_unresolved():
    built = model("ARG REGISTRY\nFROM $REGISTRY/app:1.0\n")
    base = built.stages[0].base
    assert not base.expansion.resolved and base.expansion.unresolved == {"REGISTRY"}
    assert base.reference.registry is None and not base.reference.registry_known
    assert base.expansion.value == "${REGISTRY}/app:1.0"


def test_platform_args_are_known_to_exist_but_not_their_value():
    built = model("FROM --platform=$BUILDPLATFORM golang:1.22 AS build\nARG TARGETOS\nRUN echo\n")
    stage = built.stages[0]
    assert stage.platform.unresolved == {"BUILDPLATFORM"}
    run = instruction(built, "RUN")
    assert built.expand(run, "$TARGETOS").unresolved == {"TARGETOS"}


def test_global_arg_is_invisible_in_a_stage_until_redeclared():
    text = "ARG V=1\nFROM scratch\nLABEL a=$V\nARG V\nLABEL b=$V\n"
    built = model(text)
    before, after = instruction(built, "LABEL", 0), instruction(built, "LABEL", 1)
    assert built.expand(before, "$V").value == "" and built.expand(before, "$V").undefined == {"V"}
    assert built.expand(after, "$V").value == "1"


def test_stage_default_overrides_global_value():
    built = model("ARG V=1\nFROM scratch\nARG V=2\nLABEL x=$V\n")
    assert built.expand(instruction(built, "LABEL"), "$V").value == "2"


def test_env_values_use_the_scope_before_the_instruction():
    built = model("FROM scratch\nENV A=1\nENV A=2 B=$A\nLABEL x=y\n")
    scope = built.scope_at(instruction(built, "LABEL"))
    assert scope.get("A").value == "2" and scope.get("B").value == "1"


def test_env_keys_are_expanded_and_unquoted_with_the_scope_before():
    built = model('FROM scratch\nENV K=B\nENV "A"=1 $K=2 ${U}=3\nLABEL x=y\n')
    scope = built.scope_at(instruction(built, "LABEL"))
    assert scope.get("A").value == "1" and scope.get("B").value == "2"
    assert scope.get('"A"') is None and scope.get("$K") is None
    assert scope.get("${U}").value == "3"  # an empty name: kept as written


def test_env_and_arg_of_one_name_the_last_one_wins():
    built = model("ARG G=g\nFROM scratch\nENV X=1 G=1\nARG X=2 G\nLABEL a=$X\nENV X=3\nLABEL b=$X\n")
    first, second = instruction(built, "LABEL", 0), instruction(built, "LABEL", 1)
    assert built.expand(first, "$X").value == "2" and built.expand(first, "$G").value == "g"
    assert built.expand(second, "$X").value == "3"


def test_env_and_label_keys_are_expanded_words_arg_keys_are_not():
    from dflint.model.expanded import expanded_words

    built = model('FROM scratch\nENV $K=1\nLABEL "$L"=2\nARG $A=3\n')
    texts = [[word.text for word in expanded_words(node)] for node in built.file.instructions[1:]]
    assert texts == [["$K", "1"], ['"$L"', "2"], ["3"]]


def test_global_args_at_their_defaults_leave_an_arg_without_default_unset_not_empty():
    """BuildKit's defaults-only expansion of FROM (InvalidDefaultArgInFrom) leaves such an ARG out:
    ``${TAG-latest}`` gives latest, ``${TAG+x}`` nothing, ``$TAG`` nothing."""
    from dflint.model.arg_defaults import default_args

    defaults = default_args(model("ARG TAG\nARG V=1\nARG V\nFROM busybox:${TAG-latest}\n"))
    assert defaults.expand("busybox:${TAG-latest}").value == "busybox:latest"
    assert defaults.expand("busybox${TAG+:1.36}").value == "busybox"
    assert defaults.expand("busybox:$TAG").value == "busybox:"
    assert defaults.expand("busybox:${TAG:-1}-$V").value == "busybox:1-1"
    assert defaults.without_default == {"TAG"}


def test_args_without_default_are_tried_each_with_its_own_value_and_through_other_defaults():
    from dflint.model.arg_defaults import default_args

    text = ("ARG VERSION\nARG DIGEST\nARG REGISTRY\nARG BASE=${REGISTRY}/base:1.0\n"
            "ARG MIRROR=${REGISTRY:-docker.io}/library/node\nARG TAG\nFROM scratch\n")
    defaults = default_args(model(text))
    assert defaults.valid_with_some_value("alpine:${VERSION}@${DIGEST}")
    assert not defaults.valid_with_some_value("Alpine:${VERSION}@${DIGEST}")
    assert defaults.without_default_in(defaults.expand("${BASE}")) == ["REGISTRY"]
    assert defaults.through("REGISTRY", defaults.expand("${BASE}")) == ["BASE"]
    assert defaults.valid_with_some_value("${BASE}")
    assert defaults.without_default_in(defaults.expand("${MIRROR}:${TAG}")) == ["REGISTRY", "TAG"]
    assert defaults.needed("${MIRROR}:${TAG}") == ["TAG"]


def test_trying_values_replays_only_the_args_the_name_uses(monkeypatch):
    """N ARGs without default and N FROMs: a try must not rebuild the scope of all N ARGs."""
    from dflint.model import arg_defaults
    from dflint.model.variables import Scope

    calls = []
    original = Scope.with_variable
    monkeypatch.setattr(Scope, "with_variable", lambda self, variable: calls.append(1) or original(self, variable))
    counts = []
    for n in (10, 300):
        defaults = arg_defaults.default_args(model("".join(f"ARG T{i}\n" for i in range(n)) + "FROM scratch\n"))
        calls.clear()
        assert defaults.valid_with_some_value("alpine:${T5}")
        counts.append(len(calls))
    assert counts[0] == counts[1] <= 10


def test_arg_declarations_apply_one_after_another():
    built = model("FROM scratch\nARG A=1 B=${A}0\nLABEL x=y\n")
    assert built.scope_at(instruction(built, "LABEL")).get("B").value == "10"


def test_child_stage_inherits_parent_args_and_env():
    text = "FROM alpine:3 AS base\nARG V=7\nENV HOME_DIR=/srv\nFROM base\nRUN true\n"
    built = model(text)
    child = built.stages[1]
    assert child.base.parent == 0 and child.base.reference is None
    scope = built.scope_at(instruction(built, "RUN"))
    assert scope.get("V").value == "7" and scope.get("HOME_DIR").value == "/srv"


def test_unknown_names_in_image_based_stage_are_unresolved_not_undefined():
    built = model("FROM node:20\nENV PATH=/app/bin:$PATH\nRUN true\n")
    path = built.scope_at(instruction(built, "RUN")).get("PATH")
    assert not path.known
    exp = built.expand(instruction(built, "RUN"), "$PATH")
    assert exp.value == "/app/bin:${PATH}" and exp.unresolved == {"PATH"} and not exp.undefined


def test_scratch_stage_has_no_hidden_environment():
    built = model("FROM scratch\nCOPY x /x\n")
    exp = built.expand(instruction(built, "COPY"), "$HOME")
    assert exp.undefined == {"HOME"} and exp.resolved and exp.value == ""


def test_stage_reference_is_exact_match_on_expanded_name():
    built = model("FROM alpine:3 AS Builder\nFROM builder\nFROM Builder\n")
    assert built.stages[0].name == "builder"
    assert built.stages[1].base.parent == 0
    # BuildKit compares the FROM value with lower-cased stage names: this is an image.
    assert built.stages[2].base.parent is None
    assert "lowercase" in built.stages[2].base.reference.error


def test_dependencies_and_reachable_stages():
    text = (
        "FROM golang:1.22 AS build\nRUN go build\n"
        "FROM alpine:3 AS unused\n"
        "FROM node:20 AS assets\n"
        "FROM build AS test\n"
        "FROM scratch\nCOPY --from=build /out /out\nCOPY --from=2 /a /a\n"
        "COPY --from=nginx:1.27 /etc/nginx /etc/nginx\n"
        "RUN --mount=type=bind,from=test,target=/t true\n"
    )
    built = model(text)
    final = built.final_stage
    kinds = [(d.kind, d.stage, d.image.text if d.image else None) for d in final.dependencies]
    assert kinds == [("copy", 0, None), ("copy", 2, None), ("copy", None, "nginx:1.27"), ("mount", 3, None)]
    assert [s.label for s in built.reachable()] == ["build", "assets", "test", "stage-4"]
    assert built.stage_of(instruction(built, "RUN", 0)).name == "build"


def test_expansion_error_is_reported_not_raised():
    built = model("FROM scratch\nLABEL a=b\n")
    exp = built.expand(instruction(built, "LABEL"), "${")
    assert exp.error and "missing" in exp.error and not exp.resolved


@pytest.mark.parametrize("text, expected", [
    ("FROM mcr.microsoft.com/windows/servercore:ltsc2022\n", [True]),
    ("FROM mcr.microsoft.com/dotnet/framework/sdk:4.8\n", [True]),  # .NET Framework: Windows only
    ("FROM mcr.microsoft.com/dotnet/sdk:8.0\n", [False]),  # .NET 8: Linux by default
    ("FROM --platform=windows/amd64 registry.example/base:1\n", [True]),
    ("# escape=`\nFROM registry.example/base:1\n", [False]),  # Linux Dockerfiles use the backtick too
    ("FROM registry.example/base:1 AS a\nFROM a AS b\nSHELL [\"powershell\", \"-Command\"]\nFROM a\n",
     [False, True, False]),  # a SHELL holds from its stage on, and for the stages built FROM it
    ("FROM registry.example/base:1\nSHELL [\"C:\\\\Windows\\\\System32\\\\cmd.exe\", \"/S\", \"/C\"]\n", [True]),
    ("FROM mcr.microsoft.com/powershell:7.4-ubuntu-22.04\nSHELL [\"pwsh\", \"-Command\"]\n", [False]),
])
def test_windows_stages(text, expected):
    built = model(text)
    assert [built.is_windows(stage) for stage in built.stages] == expected


def test_windows_is_found_once_per_stage_in_a_long_chain():
    text = "FROM registry.example/base:1 AS s0\n" + "".join(f"FROM s{i} AS s{i + 1}\nRUN x\n" for i in range(1500))
    built = model(text + "SHELL [\"cmd\", \"/S\", \"/C\"]\n")
    assert built.is_windows(built.stages[-1]) and not built.is_windows(built.stages[-2])


def test_a_file_and_everything_rules_derive_from_it_are_freed_without_the_collector(monkeypatch):
    """The linter pauses the cyclic collector while it lints a file: a reference cycle through the
    analysis (a fact table holding something that holds the analysis) would keep every file's tree,
    model and scripts alive until the next collection."""
    import gc
    import weakref
    from pathlib import Path

    from dflint import analysis
    from dflint.config import default_config
    from dflint.linter import Linter
    from dflint.registry import installed

    made = []
    init = analysis.Analysis.__init__

    def remember(self, *args, **kwargs):
        init(self, *args, **kwargs)
        made.append(weakref.ref(self))

    monkeypatch.setattr(analysis.Analysis, "__init__", remember)
    rules = installed()[0]
    linter, config = Linter(rules), default_config(rules)
    files = sorted(Path(__file__).parent.joinpath("fixtures", "realworld").rglob("*Dockerfile*"))
    assert len(files) > 20
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        for path in files:
            linter.check(path.read_text(encoding="utf-8", errors="replace"), str(path), config)
        assert made and [ref for ref in made if ref() is not None] == []
    finally:
        if was_enabled:
            gc.enable()
