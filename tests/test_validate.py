"""What ``docker build`` rejects after BuildKit's parser: :func:`dflint.syntax.validate.validate`.

Every check has a Dockerfile that triggers it (message, line, column) and a
close variant that passes. Messages are BuildKit's (instruction layer and
dispatcher, at moby/buildkit 73ed6825c).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dflint.source import decode_bytes
from dflint.suggest import closest, did_you_mean, levenshtein
from dflint.syntax import parse_syntax
from dflint.syntax.validate import validate
from dflint.syntax.validate_go import check_platform, check_port, parse_duration, valid_ram_size

try:  # tests/ is not a package; pytest puts it on sys.path
    from . import strategies
except ImportError:
    import strategies  # type: ignore[no-redef]

FIXTURES = Path(__file__).parent / "fixtures"
F = "FROM alpine\n"
SUM = "--checksum=sha256:" + "0123456789abcdef" * 4

# id: (rejected, accepted, message, line, column). Most cases add one line to F.
CASES = {
    # -- the instruction layer (instructions.Parse) --
    "unknown-instruction": (F + "RUNN echo", F + "RUN echo", "unknown instruction: RUNN", 2, 1),
    "no-stage-before-from": ("ENV A=1\n" + F, "ARG A=1\n" + F, "no build stage in current context", 1, 1),
    "unknown-flag": (F + "COPY --chmodd=644 a b", F + "COPY --chmod=644 a b", "unknown flag: --chmodd", 2, 6),
    "flag-not-declared": (F + "ENV --x=1 A=1", F + "ENV A=1", "unknown flag: --x", 2, 5),
    "flags-ignored-by-arg": (F + "WORKDIR --x=1 /a", F + "ARG --x=1 A\nSTOPSIGNAL --x 9", "unknown flag: --x", 2, 9),
    "duplicate-flag": (F + "COPY --from=a --from=b x y", F + "COPY --exclude=a --exclude=b x y",
                       "duplicate flag specified: --from", 2, 15),
    "bool-flag-value": (F + "COPY --link=maybe a b", F + "COPY --link=False a b",
                        "expecting boolean value for flag --link, not: maybe", 2, 13),
    "bool-flag-empty": (F + "COPY --link= a b", F + "COPY --link a b", "missing a value on flag: --link", 2, 6),
    "string-flag-no-value": (F + "COPY --chown a b", F + "COPY --chown= a b", "missing a value on flag: --chown", 2, 6),
    "from-argument-count": ("FROM alpine AS", "FROM alpine", "FROM requires either one or three arguments", 1, 13),
    "from-stage-name": ("FROM alpine AS 1st", "FROM alpine AS First", "invalid name for build stage: \"1st\"", 1, 16),
    "exactly-one": (F + "WORKDIR", F + "WORKDIR /a b", "WORKDIR requires exactly one argument", 2, 1),
    "at-least-one": (F + "EXPOSE", F + "EXPOSE 80", "EXPOSE requires at least one argument", 2, 1),
    "copy-destination": (F + "COPY --link a", F + "COPY --link a b", "COPY requires at least two arguments", 2, 13),
    "copy-heredoc-destination": (F + "COPY a <<EOF\nx\nEOF", F + "COPY <<EOF a\nx\nEOF",
                                 "COPY cannot accept a heredoc as a destination", 2, 8),
    "env-blank-name": (F + "ENV A=1 =2", F + "ENV A=1 B==2", "ENV names can not be blank", 2, 9),
    "label-blank-name": (F + 'LABEL ="x"', F + 'LABEL ""="x"', "LABEL names can not be blank", 2, 7),
    "arg-blank-name": ("ARG =1\n" + F, "ARG a=\n" + F, "ARG names can not be blank", 1, 5),
    "healthcheck-none-args": (F + "HEALTHCHECK NONE x", F + "HEALTHCHECK --bad=1 NONE",
                              "HEALTHCHECK NONE takes no arguments", 2, 18),
    "healthcheck-type": (F + "HEALTHCHECK RUN true", F + "HEALTHCHECK cmd true",
                         'Unknown type "RUN" in HEALTHCHECK (try CMD)', 2, 13),
    "healthcheck-no-command": (F + "HEALTHCHECK CMD []", F + 'HEALTHCHECK CMD [""]',
                               "Missing command after HEALTHCHECK CMD", 2, 13),
    "healthcheck-duration": (F + "HEALTHCHECK --interval=30 CMD true", F + "HEALTHCHECK --interval=30s CMD true",
                             'time: missing unit in duration "30"', 2, 24),
    "healthcheck-duration-min": (F + "HEALTHCHECK --timeout=1us CMD true", F + "HEALTHCHECK --timeout=0 CMD true",
                                 'Interval "timeout" cannot be less than 1ms', 2, 23),
    "healthcheck-retries": (F + "HEALTHCHECK --retries=3x CMD true", F + "HEALTHCHECK --retries=+3 CMD true",
                            'strconv.ParseInt: parsing "3x": invalid syntax', 2, 23),
    "healthcheck-retries-negative": (F + "HEALTHCHECK --retries=-1 CMD true", F + "HEALTHCHECK --retries=0 CMD true",
                                     "--retries cannot be negative (-1)", 2, 23),
    "shell-json": (F + "SHELL bash -c", F + 'SHELL ["bash", "-c"]', "SHELL requires the arguments to be in JSON form",
                   2, 7),
    "shell-empty": (F + "SHELL []", F + 'SHELL ["sh"]', "SHELL requires at least one argument", 2, 1),
    "volume-blank": (F + 'VOLUME ["/a", " "]', F + 'VOLUME ["/a", " b"]', "VOLUME specified can not be an empty string",
                     2, 15),
    "onbuild-onbuild": (F + "ONBUILD ONBUILD RUN x", F + "ONBUILD RUN --nope x",
                        "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed", 2, 9),
    "onbuild-from": (F + "ONBUILD from x", F + "ONBUILD COPY x y", "FROM isn't allowed as an ONBUILD trigger", 2, 9),
    "onbuild-flag": (F + "ONBUILD --x RUN y", F + "ONBUILD RUNN --x y", "unknown flag: --x", 2, 9),
    "run-network": (F + "RUN --network=bridge x", F + "RUN --network=none x", 'invalid network mode "bridge"', 2, 15),
    "run-security": (F + "RUN --security=insecur x", F + "RUN --security=insecure x",
                     'security "insecur" is not valid', 2, 16),
    "run-device": (F + "RUN --device=a,b x", F + "RUN --device=a,required x",
                   "invalid field 'b' must be a key=value pair", 2, 16),
    "run-device-name": (F + "RUN --device=a,name=b x", F + "RUN --device=name=b,required=true x",
                        "device name already set to a", 2, 16),
    # The flag word loses its own quotes first: \" and '"..."' reach the CSV reader.
    "mount-csv": (F + 'RUN --mount=type=bind,a\\"b x', F + """RUN --mount=type=bind,'"source=a,b"' x""",
                  'failed to parse csv mounts: parse error on line 1, column 12: bare " in non-quoted-field', 2, 13),
    "mount-empty": (F + "RUN --mount= x", F + "RUN --mount=type=bind x", "failed to parse csv mounts: EOF", 2, 5),
    "mount-from-variable": (F + "RUN --mount=from=$IMG x", F + "RUN --mount=from=img$ x",
                            "'from' doesn't support variable expansion", 2, 13),
    # -- the dispatcher (dockerfile2llb), on values without variables --
    "mount-type": (F + "RUN --mount=type=cach x", F + "RUN --mount=type=$T,size=1 x", 'unsupported mount type "cach"',
                   2, 13),
    "mount-key": (F + "RUN --mount=type=cache,targt=/a x", F + "RUN --mount=type=cache,dst=/a x",
                  "unexpected key 'targt' in 'targt=/a'", 2, 24),
    "mount-no-value": (F + "RUN --mount=type=cache,target x", F + "RUN --mount=type=cache,ro x",
                       "invalid field 'target' must be a key=value pair", 2, 24),
    "mount-bool": (F + "RUN --mount=ro=yes x", F + "RUN --mount=ro=TRUE x", "invalid value for ro: yes", 2, 13),
    "mount-key-for-type": (F + "RUN --mount=required,type=secret,id=a x", F + "RUN --mount=type=secret,id=a,required x",
                           "unexpected key 'required' for mount type 'bind'", 2, 13),
    "mount-size": (F + "RUN --mount=type=tmpfs,size=1x x", F + "RUN --mount=type=tmpfs,size=1.5GiB x",
                   "invalid value for size: 1x", 2, 24),
    "mount-mode": (F + "RUN --mount=type=cache,mode=0789 x", F + "RUN --mount=type=cache,mode=0755 x",
                   "invalid value 0789 for mode", 2, 24),
    "mount-uid": (F + "RUN --mount=type=cache,uid=-1 x", F + "RUN --mount=type=cache,uid=1000 x",
                  "invalid value -1 for uid", 2, 24),
    "mount-mode-type": (F + "RUN --mount=type=bind,uid=0 x", F + "RUN --mount=type=ssh,uid=0 x",
                        'uid not allowed for "bind" type mounts', 2, 23),
    "mount-sharing": (F + "RUN --mount=type=cache,sharing=lock x", F + "RUN --mount=type=cache,sharing=Locked x",
                      'unsupported sharing value "lock"', 2, 24),
    "mount-sharing-type": (F + "RUN --mount=sharing=locked x", F + "RUN --mount=type=cache,sharing=locked x",
                           "invalid cache sharing set for bind mount", 2, 13),
    "secret-from": (F + "RUN --mount=type=secret,id=a,from=b x", F + "RUN --mount=type=secret,id=a,env=b x",
                    "secret mount should not have a from", 2, 30),
    "secret-id": (F + "RUN --mount=type=secret x", F + "RUN --mount=type=secret,target=/a x",
                  "invalid secret mount. one of source, target required", 2, 5),
    "secret-source-and-id": (F + "RUN --mount=type=secret,src=a,id=b x", F + "RUN --mount=type=secret,src=a,id= x",
                             "both source and id can't be set", 2, 31),
    "ssh-source": (F + "RUN --mount=type=ssh,source=a x", F + "RUN --mount=type=ssh,id=a x",
                   "ssh does not support source", 2, 22),
    "mount-target-root": (F + "RUN --mount=type=cache,target=/ x", F + "RUN --mount=type=cache,target=/a x",
                          'invalid mount target "/"', 2, 24),
    "chmod-octal": (F + "COPY --chmod=8 a b", F + "COPY --chmod=0755 a b", "invalid chmod parameter: '8'", 2, 14),
    "chmod-symbolic": (F + "COPY --chmod=u+q a b", F + "COPY --chmod=u+x,go=rX a b", "invalid syntax", 2, 14),
    "checksum-local": (F + f"ADD {SUM} a.tgz /", F + f"ADD {SUM} https://x/a.tgz /",
                       "checksum requires HTTP(S) or Git sources", 2, 16),
    "checksum-sources": (F + "ADD --checksum=abc https://x/a https://x/b /", F + "ADD --checksum=abc https://x/a.git /",
                         "checksum can't be specified for multiple sources", 2, 16),
    "checksum-digest": (F + "ADD --checksum=sha256:abc https://x/a /", F + "ADD --checksum=$SUM https://x/a /",
                        "invalid checksum digest length", 2, 16),
    "copy-url": (F + "COPY https://x/a.tgz /", F + "ADD https://x/a.tgz /", "source can't be a URL for COPY", 2, 6),
    "copy-git": (F + "COPY git@github.com:o/r.git /", F + "COPY github.com/o/r /", "source can't be a git ref for COPY",
                 2, 6),
    "copy-from-variable": (F + "COPY --from=$STAGE a b", F + "COPY --from=0 a b",
                           "variable expansion is not supported for --from", 2, 13),
    "from-platform": ("FROM --platform=linux/amd64/v3/x a", "FROM --platform=linux/amd64/v3 a",
                      "failed to parse platform linux/amd64/v3/x", 1, 17),
    "from-platform-unknown": ("FROM --platform=linus a", "FROM --platform=$BUILDPLATFORM a",
                              '"linus": unknown operating system or architecture', 1, 17),
    "from-blank": ('FROM ""', "FROM ''scratch", 'base name ("") should not be blank', 1, 6),
    "expose-port": (F + "EXPOSE 80 8080/http", F + "EXPOSE 80 8080/UDP 9000-9010", 'invalid port: "8080/http"', 2, 11),
    "expose-range": (F + "EXPOSE 90-80", F + "EXPOSE 80-90", "invalid containerPort: 90-80", 2, 8),
    "stopsignal": (F + "STOPSIGNAL SIGKIL", F + "STOPSIGNAL sigkill", "invalid signal: SIGKIL", 2, 12),
    "volume-empty-word": (F + "VOLUME /a ''", F + "VOLUME /a '$X'", "VOLUME specified can not be an empty string",
                          2, 11),
}


def problems(text: str):
    file = parse_syntax(text)
    assert not file.errors, [str(e) for e in file.errors]  # every case is valid for BuildKit's parser
    return validate(file)


@pytest.mark.parametrize("rejected, accepted, message, line, column", CASES.values(), ids=CASES.keys())
def test_check(rejected, accepted, message, line, column):
    found = problems(rejected + "\n")
    assert [(e.line, e.column) for e in found] == [(line, column)], [str(e) for e in found]
    assert message in found[0].message and found[0].origin == "instruction"
    assert problems(accepted + "\n") == []


@pytest.mark.parametrize("text, hint", [
    (F + "RUNN x", "did you mean RUN?"),
    (F + "entrypiont x", "did you mean entrypoint?"),
    (F + "Copyy a b", "did you mean copy?"),  # BuildKit spells it in lower case unless all upper
    (F + "RUN --mnt=type=cache x", "did you mean --mount?"),
    (F + "RUN --mount=type=cache,tagret=/a x", "did you mean target?"),
    (F + "RUN --mount=type=cahce x", "did you mean cache?"),
    (F + "RUN --network=hots x", "did you mean host?"),
    (F + "HEALTHCHECK --start_period=1s CMD x", "did you mean --start-period?"),
    (F + "COPY --frm=build a b", "did you mean --from?"),  # the flag as the user writes it
])
def test_hints_follow_buildkits_suggestions(text, hint):
    assert problems(text)[0].hint == hint


def test_spans_are_exact_across_continuation_lines():
    text = F + "RUN --mount=type=cache,\\\ntargt=/x,ro echo\n"
    (error,) = problems(text)
    assert (error.span.start.line, error.span.start.column, error.span.end.line, error.span.end.column) == (3, 1, 3, 9)
    assert text[error.span.start.offset:error.span.end.offset] == "targt=/x"
    text = F + "RU\\\nNN x\n"
    (error,) = problems(text)
    assert error.message == "unknown instruction: RUNN"
    assert text[error.span.start.offset:error.span.end.offset] == "RU\\\nNN"


def test_every_instruction_is_checked_and_reported_in_file_order():
    text = "LABEL a=b\n" + F + "RUN --netwrk=none x\nCOPY a\nEXPOSE 80/web\nSTOPSIGNAL 0\n"
    found = problems(text)
    assert [(e.line, e.message.split(":")[0]) for e in found] == [
        (1, "no build stage in current context"), (3, "unknown flag"),
        (4, "COPY requires at least two arguments, but only one was provided. Destination could not be determined"),
        (5, "invalid port"), (6, "invalid signal"),
    ]


def test_one_problem_per_instruction_the_first_buildkit_meets():
    # Argument count before flags for COPY, flags before values, parse time before dispatch.
    assert [e.message for e in problems(F + "COPY --x a\n")] == [
        "COPY requires at least two arguments, but only one was provided. Destination could not be determined"]
    assert [e.message for e in problems(F + "RUN --mount=type=foo --network=x y\n")] == ['invalid network mode "x"']
    assert [e.message for e in problems("ENV --x=1\n" + F)] == ["unknown flag: --x"]


def test_onbuild_triggers_are_stored_not_validated():
    assert problems(F + "ONBUILD RUN --mount=type=nope x\nONBUILD HEALTHCHECK CMD\nONBUILD FOO bar\n") == []


# -- the fixture corpus ---------------------------------------------------------------

VALID = sorted(p for p in FIXTURES.rglob("*.Dockerfile") if "invalid" not in p.relative_to(FIXTURES).parts)


@pytest.mark.parametrize("path", VALID, ids=[str(p.relative_to(FIXTURES)) for p in VALID])
def test_valid_fixtures_pass(path):
    file = parse_syntax(decode_bytes(path.read_bytes()))
    assert [str(e) for e in validate(file)] == []


def _expectations() -> list:
    path = FIXTURES / "invalid" / "expectations.yaml"
    if not path.is_file():
        return [pytest.param(None, None, marks=pytest.mark.skip(reason="invalid/expectations.yaml not written yet"))]
    entries = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return [pytest.param(name, exp, id=name, marks=_DISAGREE.get(name, ()))
            for name, exp in sorted(entries.items()) if exp.get("origin") == "instruction"]


_DISAGREE: dict = {}  # fixtures whose expectation BuildKit's source contradicts


@pytest.mark.parametrize("name, expected", _expectations())
def test_invalid_fixtures_fail_as_expected(name, expected):
    file = parse_syntax(decode_bytes((FIXTURES / "invalid" / name).read_bytes()))
    found = validate(file)
    assert any(e.line == expected["line"] and expected["message"] in e.message for e in found), \
        [str(e) for e in found]


# -- robustness -------------------------------------------------------------------------

@settings(max_examples=300, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(strategies.dockerfiles(oracle_safe=False))
def test_any_file_validates_without_raising(text):
    file = parse_syntax(text)
    found = validate(file)
    assert all(e.origin == "instruction" and 0 <= e.span.start.offset <= e.span.end.offset <= len(text)
               for e in found)
    assert [e.span.start.offset for e in found] == sorted(e.span.start.offset for e in found)


# -- the value parsers and the suggestion rule -----------------------------------------------

@pytest.mark.parametrize("value, ok", [
    ("1h2m3.5s", True), ("-1s", True), ("0", True), (".5ms", True), ("1µs", True), ("", False), ("1", False),
    ("1d", False), (".s", False), ("9999999999h", False), ("1.s", True),
])
def test_durations_follow_time_parse_duration(value, ok):
    assert isinstance(parse_duration(value), int) is ok


@pytest.mark.parametrize("value, ok", [
    ("64m", True), ("1.5GiB", True), ("100", True), ("1 kb", True), ("1x", False), ("-1m", False), ("m", False),
    ("1mib", True), ("1mbb", False),
])
def test_sizes_follow_ram_in_bytes(value, ok):
    assert valid_ram_size(value) is ok


@pytest.mark.parametrize("value, ok", [
    ("linux/amd64", True), ("linux/arm64/v8", True), ("arm64", True), ("windows(10.0.17763)/amd64", True),
    ("linux", True), ("linux/*", False), ("/amd64", False), ("linux/amd 64", False), ("amd65", False),
])
def test_platforms_follow_containerd(value, ok):
    assert (check_platform(value) is None) is ok


@pytest.mark.parametrize("value, ok", [
    ("80", True), ("80/udp", True), ("8000-8010/tcp", True), ("127.0.0.1:80:80", True), ("[::1]:80:80", True),
    ("65536", False), ("80/http", False), ("/tcp", False), ("1.2.3:80:80", False), ("80-90:1-2", False),
])
def test_ports_follow_the_expose_parser(value, ok):
    assert (check_port(value) is None) is ok


def test_suggestions_use_buildkits_rule():
    assert levenshtein("kitten", "sitting") == 3 and levenshtein("", "abc") == 3 and levenshtein("ab", "ab") == 0
    assert closest("RUNN", ["RUN", "ARG"], case_sensitive=False) == "RUN"
    assert closest("Runn", ["RUN"], case_sensitive=False) == "run"  # mixed case: lower, as matchCase does
    assert closest("run", ["RUN"], case_sensitive=False) is None  # an exact match is not the problem
    assert closest("netwrk", ["network"]) == "network" and closest("mnt", ["network"]) is None  # 3 is too far
    assert did_you_mean("tagret", ["target", "type"]) == "did you mean target?"
    assert did_you_mean("xyz", []) is None


@settings(max_examples=500, deadline=None)
@given(st.text("abc", max_size=8), st.text("abc", max_size=8), st.integers(0, 9))
def test_a_limited_distance_is_the_distance_or_the_limit(a, b, limit):
    assert levenshtein(a, b, limit) == min(levenshtein(a, b), limit)
