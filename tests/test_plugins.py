"""Rules as plugins: built-ins through the entry point, a real third-party pack, broken plugins."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from dflint.plugins import hookimpl
from dflint.plugins.manager import load_plugins
from dflint.rule import Rule

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "tests" / "plugin_example"


def test_builtin_rules_come_through_the_entry_point():
    from importlib.metadata import entry_points

    names = {ep.name: ep.value for ep in entry_points(group="dflint.rules")}
    assert names.get("dflint") == "dflint.rules"
    plugins = load_plugins()
    assert "dflint" in plugins.plugins and not plugins.errors
    assert {r.code for r in plugins.rules} >= {"DF000", "DF001", "DF002"}
    assert all(r.origin == "dflint" for r in plugins.rules if r.code.startswith("DF"))


class _Broken:
    @hookimpl
    def dflint_rules(self):
        raise RuntimeError("boom")


class _Good:
    class Extra(Rule):
        """Extra."""
        code = "XT001"
        name = "extra-rule"

    @hookimpl
    def dflint_rules(self):
        return [self.Extra]


class _Clashing:
    class Clash(Rule):
        """Clash."""
        code = "XT002"
        name = "untagged-image"

    @hookimpl
    def dflint_rules(self):
        return [self.Clash, "not a rule"]


def test_a_broken_plugin_is_reported_and_the_others_still_load():
    plugins = load_plugins(extra=[("broken", _Broken()), ("good", _Good()), ("clashing", _Clashing())])
    messages = [str(e) for e in plugins.errors]
    assert any("plugin 'broken': dflint_rules failed: RuntimeError: boom" in m for m in messages)
    assert any("clashes with 'untagged-image'" in m for m in messages)
    assert any("not a dflint.rule.Rule subclass" in m for m in messages)
    codes = {r.code for r in plugins.rules}
    assert "XT001" in codes and "DF001" in codes and "XT002" not in codes


def test_a_plugin_may_not_use_the_builtin_prefix():
    class Sneaky:
        class R(Rule):
            """R."""
            code = "DF500"
            name = "sneaky"

        @hookimpl
        def dflint_rules(self):
            return [self.R]

    plugins = load_plugins(extra=[("sneaky", Sneaky())])
    assert any("reserved for built-in rules" in str(e) for e in plugins.errors)


@pytest.mark.parametrize("score", ["high", 11, -1, True])
def test_a_rule_with_an_invalid_security_severity_is_refused_by_name(score):
    class Scored:
        class R(Rule):
            """R."""
            code = "XS001"
            name = "scored"
            security_severity = score

        @hookimpl
        def dflint_rules(self):
            return [self.R]

    plugins = load_plugins(extra=[("scored", Scored())])
    assert any(f"rule XS001 has an invalid security_severity {score!r}" in str(e) for e in plugins.errors)
    assert "XS001" not in {r.code for r in plugins.rules}


@pytest.fixture(scope="module")
def plugin_path(tmp_path_factory):
    """A directory holding the example pack, installed from source as pip installs any package."""
    target = tmp_path_factory.mktemp("site")
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target),
                    str(EXAMPLE)], check=True, capture_output=True, timeout=300)
    return target


def _dflint(plugin_path, *args, cwd=None):
    # The pack's directory joins sys.path: its dist-info (and entry point) becomes visible.
    env = {**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(plugin_path)}
    return subprocess.run([sys.executable, "-m", "dflint", *args], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=120)


@pytest.mark.slow
def test_installed_pack_is_discovered_through_its_entry_point(plugin_path, tmp_path):
    (tmp_path / "Dockerfile").write_text("FROM debian:12\nRUN sudo apt-get update\n")
    listing = _dflint(plugin_path, "rules", "--format", "json")
    rules = {r["code"]: r for r in json.loads(listing.stdout)["rules"]}
    assert rules["EX001"]["origin"] == "example" and rules["EX001"]["name"] == "no-sudo"
    result = _dflint(plugin_path, "--format", "json", "Dockerfile", cwd=tmp_path)
    found = [(d["code"], d["start"]["line"], d["start"]["column"])
             for d in json.loads(result.stdout)["files"][0]["diagnostics"]]
    assert ("EX001", 2, 5) in found
    # Its default configuration is merged under the user's, and validated like it.
    (tmp_path / ".dflint.toml").write_text('[rules.no-sudo]\nallowed-users = ["admin"]\n')
    assert _dflint(plugin_path, "Dockerfile", cwd=tmp_path).returncode == 1
    (tmp_path / ".dflint.toml").write_text('[rules.no-sudo]\nallowed-user = ["admin"]\n')
    bad = _dflint(plugin_path, "Dockerfile", cwd=tmp_path)
    assert bad.returncode == 2 and "did you mean 'allowed-users'?" in bad.stderr


def test_a_pack_that_fails_to_import_is_named_and_dflint_still_runs(tmp_path):
    site = tmp_path / "site"
    info = site / "broken_pack-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: broken-pack\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[dflint.rules]\nbroken = broken_pack_missing_module\n")
    (tmp_path / "Dockerfile").write_text("FROM python\n")
    result = _dflint(site, "Dockerfile", cwd=tmp_path)
    assert "dflint: error: plugin 'broken': failed to load: ModuleNotFoundError" in result.stderr
    # The other rules ran and report, but a gate missing a plugin's rules must not pass: exit 2.
    assert result.returncode == 2 and "DF001" in result.stdout
    (tmp_path / "Dockerfile").write_text("FROM python:3.12-slim\n")
    for args in ([], ["--exit-zero"], ["--diff"], ["--format", "json"]):
        clean = _dflint(site, *args, "--select", "untagged-image", "Dockerfile", cwd=tmp_path)
        assert clean.returncode == 2 and "plugin 'broken'" in clean.stderr, args
