"""chmod modes (dflint.shell.modes) against the real chmod, and what COPY --chmod can say instead."""

from __future__ import annotations

import random
import shutil
import subprocess
import sys

import pytest

from dflint.shell.modes import apply_mode, copy_equivalent, is_symbolic

_WHO = ["", "u", "g", "o", "a", "ug", "go", "uo", "ugo"]
_PERMISSIONS = ["", "r", "w", "x", "X", "s", "t", "rw", "rx", "wx", "rwx", "rX", "rwX", "xs", "u", "g", "o"]


def _random_mode(rng: random.Random) -> str:
    clauses = []
    for _ in range(rng.choice((1, 1, 2, 3))):
        actions = "".join(rng.choice("+-=") + rng.choice(_PERMISSIONS) for _ in range(rng.choice((1, 1, 2))))
        clauses.append(rng.choice(_WHO) + actions)
    return ",".join(clauses)


def _cases(count: int, seed: int) -> list[tuple[str, int]]:
    rng = random.Random(seed)
    return [(_random_mode(rng), rng.randrange(0o10000)) for _ in range(count)]


@pytest.mark.skipif(sys.platform == "win32" or shutil.which("chmod") is None or shutil.which("stat") is None,
                    reason="needs chmod and stat")
@pytest.mark.parametrize("directory", [False, True], ids=["file", "directory"])
def test_apply_mode_agrees_with_chmod(tmp_path, directory):
    """800 random symbolic modes on random starting modes, run by the real chmod under umask 022
    in one shell (five digits for the start: GNU chmod keeps a directory's set-id bits for fewer),
    against apply_mode."""
    cases = _cases(400, seed=1951 + directory)
    target = tmp_path / "target"
    target.mkdir() if directory else target.touch()
    lines = ["umask 022"]
    for mode, start in cases:
        lines.append(f"chmod 0{start:04o} target && chmod -- {mode} target 2>/dev/null && stat -c %a target "
                     f"|| echo error")
    out = subprocess.run(["sh"], input="\n".join(lines), cwd=tmp_path, capture_output=True, text=True,
                         check=True).stdout.split()
    assert len(out) == len(cases)
    compared = 0
    for (mode, start), result in zip(cases, out):
        if result == "error":
            continue  # a mode this chmod refuses
        compared += 1
        expected = apply_mode(mode, start, directory=directory)
        assert expected == int(result, 8), (mode, oct(start), result)
    assert compared > 300


@pytest.mark.parametrize("mode, start, expected", [
    ("+x", 0o644, 0o755),
    ("u+x", 0o644, 0o744),
    ("+w", 0o444, 0o644),  # the umask (022) keeps group and others from write
    ("a+w", 0o444, 0o666),
    ("go-rwx", 0o755, 0o700),
    ("g=u", 0o640, 0o660),
    ("u=rwX,go=rX", 0o700, 0o755),
    ("u=rwX,go=rX", 0o600, 0o644),
    ("=r", 0o666, 0o444),  # `=` clears every bit, and sets those outside the umask
    ("0755", 0o600, 0o755),
    ("755", 0o600, 0o755),
])
def test_apply_mode_examples(mode, start, expected):
    assert apply_mode(mode, start) == expected


@pytest.mark.parametrize("text", ["u+", "+q", "x", "u+x,", "7555x", "", "-", "u+x,,g+r", "a=rw+x-w"])
def test_not_a_mode_or_odd_ones(text):
    assert apply_mode(text, 0o644) is None or is_symbolic(text)


@pytest.mark.parametrize("text, expected", [
    ("+x", "+x"), ("a+x", "a+x"), ("u+x,g+rX", "u+x,g+rX"), ("755", "755"), ("0640", "0640"),
    ("+w", None), ("=rx", None), ("-w", None), ("+u", None), ("u+w", "u+w"), ("not-a-mode", None), ("$MODE", None),
])
def test_copy_equivalent(text, expected):
    """A mode COPY --chmod applies as chmod does: with no class named, the umask makes them differ for w and =."""
    assert copy_equivalent(text) == expected


def test_copy_equivalent_is_exact_where_given():
    """Where copy_equivalent gives a mode, COPY's reading of it (umask 0) equals chmod's (umask 022)."""
    for mode, start in _cases(2000, seed=5380):
        if copy_equivalent(mode) is not None:
            for directory in (False, True):
                assert apply_mode(mode, start, umask=0, directory=directory) == \
                    apply_mode(mode, start, directory=directory), (mode, oct(start))


@pytest.mark.parametrize("module", ["dflint.shell.modes", "dflint.model.frontend"])
def test_doctests(module):
    import doctest
    import importlib

    assert doctest.testmod(importlib.import_module(module)).failed == 0


@pytest.mark.parametrize("directive, expected", [
    ("docker/dockerfile:1", True), ("docker/dockerfile:1-labs", True), ("docker/dockerfile:labs", True),
    ("docker/dockerfile", True), ("docker.io/docker/dockerfile:1.14", True), ("docker/dockerfile:1.17.1", True),
    ("docker/dockerfile:1.14.0-labs", True), ("docker/dockerfile:1.13", False),
    ("docker/dockerfile:1.4.3@sha256:9ba7531bd80fb0a858632727cf7a112fbfd19b17e94c4e84ced81e24ef1a0dbc", False),
    ("docker/dockerfile@sha256:9ba7531bd80fb0a858632727cf7a112fbfd19b17e94c4e84ced81e24ef1a0dbc", None),
    ("docker/dockerfile-upstream:master", None), ("example.com/custom/frontend:2", None), (None, None),
    ("docker/dockerfile-upstream:1.14.0", True), ("docker/dockerfile:1.1.7-experimental", False),
    ("docker/dockerfile:1.0-experimental", False), ("docker/dockerfile:experimental", None),
    ("docker/dockerfile:1-experimental", None), ("docker/dockerfile:1.2-experimental", None),
    ("docker/dockerfile:1.1-labs", None), ("docker/dockerfile:1.4.0-rc1", None),
])
def test_frontend_at_least(directive, expected):
    from dflint.model.frontend import frontend_at_least
    from dflint.syntax import parse_syntax

    text = (f"# syntax={directive}\n" if directive else "") + "FROM scratch\n"
    assert frontend_at_least(parse_syntax(text), (1, 14)) is expected


@pytest.mark.parametrize("tag, experimental, patch, name", [
    ("1.0-experimental", True, 2, "1.0-experimental"), ("1.1-experimental", True, 7, "1.1-experimental"),
    ("1.1.2-experimental", True, 2, "1.1.2-experimental"), ("1.4.3", False, None, "1.4"),
    ("1.7.0-labs", False, None, "1.7-labs"),
])
def test_frontend_pin_channels(tag, experimental, patch, name):
    from dflint.model.frontend import frontend_pin
    from dflint.syntax import parse_syntax

    pin = frontend_pin(parse_syntax(f"# syntax=docker/dockerfile:{tag}@sha256:abc\nFROM scratch\n"))
    assert (pin.experimental, pin.patch, pin.name, pin.digest) == (experimental, patch, name, True)


@pytest.mark.parametrize("tag, expected", [
    ("1.1.1-experimental", False), ("1.1.2-experimental", True), ("1.1-experimental", True),
    ("1.1.7", False), ("1.19", False), ("1.20", True), ("1.2-labs", True), ("1", True), ("labs", True),
])
def test_supports_security(tag, expected):
    from dflint.model.frontend import Availability, frontend_pin, supports
    from dflint.syntax import parse_syntax

    security = Availability((1, 20), labs=(1, 2), experimental=(1, 1, 2))
    assert supports(frontend_pin(parse_syntax(f"# syntax=docker/dockerfile:{tag}\nFROM scratch\n")), security) is expected
