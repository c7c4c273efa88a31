"""The README's set-up commands and .ci/run stay in step."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def readme_commands():
    return re.findall(r"```sh\n(.+?)\n```", (ROOT / "README.md").read_text(), re.S)


def test_ci_runs_exactly_the_readme_test_command():
    test_command = next(c for c in readme_commands() if "pytest" in c)
    ci_lines = [line for line in (ROOT / ".ci" / "run").read_text().splitlines() if line and not line.startswith("#")]
    assert test_command in ci_lines


def test_install_command_runs_dflint_on_the_shipped_example():
    install = next(c for c in readme_commands() if "pip install ." in c)
    assert install.rsplit("&&", 1)[-1].split()[0] == "dflint"
    example = install.rsplit(" ", 1)[-1]
    assert (ROOT / example).is_file()


def test_rule_table_and_rule_pages_are_generated_from_the_rules(tmp_path):
    from dflint import docs

    readme = (ROOT / "README.md").read_text()
    rules = docs.builtin_rules()
    assert docs.readme_with_table(readme, docs.rule_table(rules)) == readme, "run: python -m dflint.docs"
    pages = {p.name: p.read_text() for p in (ROOT / "docs" / "rules").glob("*.md")}
    assert pages == {f"{r.name}.md": docs.render_rule(r) for r in rules}, "run: python -m dflint.docs"
    coverage = (ROOT / "docs" / "coverage.md").read_text()
    assert coverage == docs.coverage_page(rules), "run: python -m dflint.docs"
