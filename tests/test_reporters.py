"""Every output format against a fixed run: exact snapshots, schemas, escaping.

Snapshots live in tests/snapshots/reporters/, one per format. After an
intended change, rewrite them with ``DFLINT_UPDATE_SNAPSHOTS=1 pytest
tests/test_reporters.py`` and review the diff.
"""

from __future__ import annotations

import io
import json
import os
import random
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import replace
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

import dflint
from dflint.diagnostic import Diagnostic, Severity
from dflint.fix import Applicability, Edit, Fix
from dflint.linter import FileResult
from dflint.reporters import REPORTERS, Summary, UnknownFormat, get_reporter
from dflint.reporters.github import escape_data, escape_property
from dflint.rule import Rule
from dflint.selection import RuleSet
from dflint.source import LineIndex

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOTS = ROOT / "tests" / "snapshots" / "reporters"
SARIF_SCHEMA = ROOT.parent / "shared" / "schemas" / "sarif-schema-2.1.0.json"
UPDATE = os.environ.get("DFLINT_UPDATE_SNAPSHOTS") == "1"
FORMATS = {"text": "txt", "json": "json", "sarif": "json", "github": "txt", "checkstyle": "xml", "gitlab": "json"}
VERSION = "0.0.0+snapshot"  # pinned so a release does not rewrite every snapshot


# -- a small fixed rule set --------------------------------------------------------
class UntaggedImage(Rule):
    """Base images without a tag.

    ## What it does
    Reports `FROM` images without a tag or digest.

    ## Why is this bad?
    The image behind `latest` changes; builds stop being reproducible.

    ## Example
    ```dockerfile
    FROM ubuntu
    ```

    ## Use instead
    ```dockerfile
    FROM ubuntu:24.04
    ```

    ## Fix safety
    Unsafe: the tag chosen may not be the image you meant.
    """

    code, name, summary = "DF001", "untagged-image", "Base image has no tag"
    severity, aliases, fixable, origin = Severity.WARNING, ("DL3006",), True, "dflint"


class MaintainerDeprecated(Rule):
    """MAINTAINER is deprecated.

    ## What it does
    Reports the `MAINTAINER` instruction.

    ## Why is this bad?
    It is deprecated; a `LABEL` carries the same information where tools look for it.

    ## Example
    ```dockerfile
    MAINTAINER Jane <jane@example.com>
    ```

    ## Use instead
    ```dockerfile
    LABEL org.opencontainers.image.authors="Jane <jane@example.com>"
    ```

    ## Fix safety
    Safe: the label holds the same text.
    """

    code, name, summary = "DF002", "maintainer-deprecated", "MAINTAINER is deprecated"
    severity, aliases, fixable, origin = Severity.STYLE, ("DL4000", "MaintainerDeprecated"), True, "dflint"


class AptClean(Rule):
    """apt lists left in the image.

    ## What it does
    Reports `apt-get install` without removing `/var/lib/apt/lists`.
    """

    code, name, summary = "DF004", "apt-clean", "apt lists are not removed"
    severity, origin = Severity.INFO, "acme-plugin"


RULES = RuleSet([UntaggedImage, AptClean, MaintainerDeprecated])

MAIN = (
    "FROM ubuntu\n"
    "MAINTAINER Jane <jane@example.com>\n"
    "RUN apt-get update && \\\n"
    "    curl -fsSL https://get.example.com/install.sh | sh\n"
    "CMD [\"app\"]\n"
)
WEB = "FROM node\nRUN npm ci\n"
WEB_PATH = "svc/web, legacy/Dockerfile"  # a comma and a space: escaping in properties and URIs


def span(text: str, needle: str, end_needle: str | None = None, *, through_newline: bool = False):
    index = LineIndex(text)
    start = text.index(needle)
    end = text.index(end_needle, start) + len(end_needle) if end_needle else start + len(needle)
    return index.span(start, end + 1 if through_newline else end)


def point(text: str, offset: int):
    return LineIndex(text).span(offset, offset)


def make_results() -> list[FileResult]:
    tag_at = MAIN.index("ubuntu") + len("ubuntu")
    maintainer = span(MAIN, "MAINTAINER Jane <jane@example.com>")
    main = [
        Diagnostic("Dockerfile", "DF001", "untagged-image", Severity.WARNING,
                   "Image 'ubuntu' has no tag, so builds drift: pin it, e.g. \"ubuntu:24.04\"",
                   span(MAIN, "ubuntu"),
                   fix=Fix("Pin to ubuntu:24.04", (Edit(point(MAIN, tag_at), ":24.04"),), Applicability.UNSAFE),
                   docs_url="https://github.com/dflint/dflint/blob/main/docs/rules/untagged-image.md"),
        Diagnostic("Dockerfile", "DF002", "maintainer-deprecated", Severity.STYLE,
                   "MAINTAINER is deprecated; use LABEL org.opencontainers.image.authors=\"Jane <jane@example.com>\"",
                   maintainer,
                   fix=Fix("Replace with a LABEL",
                           (Edit(maintainer, 'LABEL org.opencontainers.image.authors="Jane <jane@example.com>"'),)),
                   docs_url="https://github.com/dflint/dflint/blob/main/docs/rules/maintainer-deprecated.md"),
        # A plugin rule's finding over a continued RUN, ending after the newline.
        Diagnostic("Dockerfile", "DF004", "apt-clean", Severity.INFO,
                   "apt lists stay in the layer: add `rm -rf /var/lib/apt/lists/*` (saves ~40% of it)",
                   span(MAIN, "RUN apt-get", "| sh", through_newline=True),
                   related=(("apt-get update writes the lists here", span(MAIN, "apt-get update")),)),
    ]
    web = [
        # Severity overridden by configuration: the engine stamps it, not the rule.
        Diagnostic(WEB_PATH, "DF001", "untagged-image", Severity.INFO,
                   "Image 'node' has no tag, so builds drift: pin it, e.g. \"node:22\"", span(WEB, "node"),
                   docs_url="https://github.com/dflint/dflint/blob/main/docs/rules/untagged-image.md"),
        Diagnostic(WEB_PATH, "DF999", "internal-error", Severity.ERROR,
                   "rule DF005 (npm-cache) crashed: KeyError: 'café' at npm_cache.py:12", point(WEB, 0)),
    ]
    return [
        FileResult("clean/Dockerfile"),
        FileResult(WEB_PATH, web),
        FileResult("missing/Dockerfile", error="cannot read missing/Dockerfile: No such file or directory"),
        FileResult("Dockerfile", main),
    ]


SUMMARY = Summary(files=4, fixed=0, fail_level=Severity.INFO, exit_code=2)


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A working directory as the CLI sees it: root is the (real) current directory."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(dflint, "__version__", VERSION)
    return os.getcwd()


def render(name: str, results=None, summary: Summary = SUMMARY, root: str = ".", **options) -> str:
    stream = io.StringIO()
    options.setdefault("environ", {})  # not the CI's GITHUB_WORKSPACE: tests/test_report_paths.py covers that
    reporter = get_reporter(name)(stream, rules=RULES, root=root, **options)
    reporter.report(make_results() if results is None else results, summary)
    return stream.getvalue()


def check_snapshot(name: str, text: str) -> None:
    path = SNAPSHOTS / f"{name}.{FORMATS[name]}"
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
        return
    assert path.exists(), f"no snapshot {path.relative_to(ROOT)}; run with DFLINT_UPDATE_SNAPSHOTS=1"
    # Universal newlines: a checkout with CRLF line ends still compares equal.
    assert text == path.read_text(encoding="utf-8"), (
        f"{name} output differs from {path.relative_to(ROOT)}; if intended, rerun with DFLINT_UPDATE_SNAPSHOTS=1"
    )


def normalized(name: str, text: str, root: str) -> str:
    """The run's root directory, which differs per machine, as a placeholder."""
    return text.replace(Path(root).as_uri() + "/", "file:///ROOT/")


# -- snapshots -----------------------------------------------------------------------
def test_every_format_has_a_snapshot_test():
    assert set(REPORTERS) == set(FORMATS)


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_snapshot(name, project):
    options = {"statistics": True} if name == "text" else {}
    check_snapshot(name, normalized(name, render(name, root=project, **options), project))


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_output_does_not_depend_on_input_order(name, project):
    shuffled = make_results()
    random.Random(7).shuffle(shuffled)
    for result in shuffled:
        random.Random(3).shuffle(result.diagnostics)
    assert render(name, shuffled, root=project) == render(name, root=project)


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_undecodable_bytes_still_give_utf8_output(name, project):
    # Non-UTF-8 bytes in a file survive decoding as lone surrogates; they can reach messages.
    results = make_results()
    bad = replace(results[1].diagnostics[0], message="unknown image 'caf\udce9'")
    results[1].diagnostics[0] = bad
    render(name, results, root=project).encode("utf-8")


def test_text_output_shows_control_characters_escaped(project):
    # A Dockerfile's bytes quoted in a message must not drive the terminal (ESC sequences) or split lines.
    results = make_results()
    results[1].diagnostics[0] = replace(results[1].diagnostics[0],
                                        message="unknown instruction: \x1b[2J\x00RUN\r\nx\tcaf\udce9")
    text = render("text", results, root=project)
    assert "unknown instruction: \\x1b[2J\\x00RUN\\x0d\\x0ax\tcaf\\xe9" in text
    assert not any(ch in text for ch in "\x1b\x00\r")


# -- registry ----------------------------------------------------------------------------
def test_unknown_format_suggests_the_closest():
    with pytest.raises(UnknownFormat, match=r"unknown output format 'sarf' \(did you mean sarif\?\)"):
        get_reporter("sarf")
    assert issubclass(UnknownFormat, ValueError)


def test_registry_imports_formats_lazily():
    code = ("import sys\nfrom dflint.reporters import REPORTERS\nnames = list(REPORTERS)\n"
            "print(sorted(m for m in sys.modules if m.startswith('dflint.reporters.') and m != 'dflint.reporters.base'))\n"
            "REPORTERS['github']\nprint('dflint.reporters.github' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split("\n")[:2] == ["[]", "True"]


def test_each_reporter_is_registered_under_its_own_name():
    for name in REPORTERS:
        assert get_reporter(name).name == name


# -- text ----------------------------------------------------------------------------------
def test_text_colour_only_when_asked(project):
    plain = render("text", root=project)
    coloured = render("text", root=project, color=True)
    assert "\x1b[" not in plain
    assert "\x1b[1mDockerfile\x1b[0m:1:6: \x1b[33mDF001\x1b[0m untagged-image" in coloured
    assert "\x1b[1;31mDF999\x1b[0m" in coloured


@pytest.mark.parametrize("results, summary, expected", [
    ([FileResult("a"), FileResult("b")], Summary(2, 0, Severity.INFO, 0), "All checks passed (2 files)."),
    ([FileResult("a")], Summary(1, 3, Severity.INFO, 0, 3), "Fixed 3 problems.\nAll checks passed (1 file)."),
    ([FileResult("a")], Summary(1, 1, Severity.INFO, 0, 2), "Fixed 2 problems with 1 fix.\nAll checks passed (1 file)."),
    ([FileResult("a", error="cannot read a: Permission denied")], Summary(1, 0, Severity.INFO, 2),
     "a: error: cannot read a: Permission denied\n"
     "No problems found (1 file); 1 file could not be read or written (see above)."),
])
def test_text_summary_lines(results, summary, expected):
    assert render("text", results, summary).rstrip("\n") == expected


def test_text_summary_counts_fixable_problems(project):
    last = render("text", root=project).splitlines()[-1]
    assert last == ("Found 5 problems (1 error, 1 warning, 2 info, 1 style) in 2 of 4 files; "
                    "1 fixable with --fix; 1 more with --fix --unsafe-fixes; "
                    "1 file could not be read or written (see above).")


# -- json ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def lint_schema():
    schema = json.loads(resources.files("dflint").joinpath("schemas/lint.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return schema


def test_json_validates_against_the_shipped_schema(lint_schema, project):
    data = json.loads(render("json", root=project))
    jsonschema.Draft202012Validator(lint_schema).validate(data)
    assert [f["path"] for f in data["files"]] == sorted(f["path"] for f in data["files"])
    assert data["summary"]["by_severity"] == {"error": 1, "warning": 1, "info": 2, "style": 1}


def test_json_of_a_clean_run_validates(lint_schema):
    data = json.loads(render("json", [FileResult("Dockerfile")], Summary(1, 0, Severity.WARNING, 0)))
    jsonschema.Draft202012Validator(lint_schema).validate(data)


def test_lint_schema_documents_every_field(lint_schema):
    undocumented = []

    def walk(node, where):
        if isinstance(node, dict):
            for key, sub in node.get("properties", {}).items():
                if "description" not in sub:
                    undocumented.append(f"{where}.{key}")
            for key, sub in node.items():
                walk(sub, f"{where}.{key}")
        elif isinstance(node, list):
            for i, sub in enumerate(node):
                walk(sub, f"{where}[{i}]")

    walk(lint_schema, "$")
    assert undocumented == []


# -- sarif ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def sarif_validator():
    if not SARIF_SCHEMA.is_file():
        pytest.skip(f"official SARIF schema not found at {SARIF_SCHEMA} (expected in ../shared/schemas/ "
                    "beside the repository); it is deliberately not vendored")
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    return jsonschema.validators.validator_for(schema)(schema)


def test_sarif_validates_against_the_oasis_schema(sarif_validator, project):
    sarif_validator.validate(json.loads(render("sarif", root=project)))


def test_sarif_describes_every_rule_and_indexes_results(project):
    run = json.loads(render("sarif", root=project))["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    ids = [rule["id"] for rule in rules]
    assert ids[:3] == [rule.code for rule in RULES.rules]  # all of the set, even rules without results
    assert ids[3:] == ["DF999"]  # named by a diagnostic but not in the set
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    assert rules[0]["properties"]["aliases"] == ["DL3006"]
    assert rules[0]["helpUri"] == UntaggedImage.docs_url()
    assert "helpUri" not in rules[2]  # a plugin rule without online docs
    assert [r["level"] for r in run["results"]] == ["warning", "note", "note", "error", "note"]
    locations = [r["locations"][0]["physicalLocation"]["artifactLocation"] for r in run["results"]]
    assert locations[-1] == {"uri": "svc/web%2C%20legacy/Dockerfile", "uriBaseId": "%SRCROOT%"}
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == Path(project).as_uri() + "/"
    notification = run["invocations"][0]["toolExecutionNotifications"][0]
    assert notification["message"]["text"].startswith("cannot read missing/Dockerfile")


def test_sarif_file_outside_root_gets_an_absolute_uri(tmp_path, project):
    outside = tmp_path.parent / "elsewhere" / "Dockerfile"
    results = [FileResult(str(outside), [replace(make_results()[3].diagnostics[0], path=str(outside))])]
    run = json.loads(render("sarif", results, root=project))["runs"][0]
    location = run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location == {"uri": outside.as_uri()}


def test_sarif_fixes_leave_out_display_only_and_flag_unsafe(project):
    untagged, maintainer = make_results()[3].diagnostics[:2]
    display = replace(maintainer, fix=replace(maintainer.fix, message="Merge the RUNs (display only: `cd` would carry)",
                                              applicability=Applicability.DISPLAY))
    run = json.loads(render("sarif", [FileResult("Dockerfile", [untagged, maintainer, display])], root=project))
    fixes = [result.get("fixes") for result in run["runs"][0]["results"]]
    assert fixes[2] is None  # a viewer's "apply fix" would apply what dflint only suggests
    assert fixes[1][0]["description"]["text"] == "Replace with a LABEL"
    assert fixes[0][0]["description"]["text"] == ("Unsafe fix, review before applying (it may change what the "
                                                  "build does): Pin to ubuntu:24.04")


def test_sarif_tags_security_rules_with_their_security_severity(project):
    """GitHub code scanning lists a result as a security alert, and ranks it, only by these two."""
    from dflint.registry import installed

    rules = installed()[0]
    stream = io.StringIO()
    get_reporter("sarif")(stream, rules=rules, root=project, environ={}).report([], SUMMARY)
    descriptors = {d["id"]: d["properties"] for d in json.loads(stream.getvalue())["runs"][0]["tool"]["driver"]["rules"]}
    assert descriptors["DF504"]["tags"] == ["dockerfile", "security"]
    assert descriptors["DF504"]["security-severity"] == "7.5"
    assert descriptors["DF409"]["security-severity"] == "6.5"
    assert "security" not in descriptors["DF006"]["tags"] and "security-severity" not in descriptors["DF006"]
    scored = {rule.code for rule in rules.rules if rule.security_severity is not None}
    assert {"DF304", "DF409", "DF411", "DF501", "DF504", "DF505", "DF506"} <= scored
    assert scored == {code for code, p in descriptors.items() if "security" in p["tags"]}


# -- github ----------------------------------------------------------------------------------
def test_github_escaping():
    assert escape_data("100% done\r\nnext: a, b") == "100%25 done%0D%0Anext: a, b"
    assert escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"


def test_github_escapes_control_characters_as_the_text_output_does():
    # Raw, an ESC sequence quoted from a Dockerfile recolours or hides lines of the job log.
    assert escape_data("RUN\x1b[31m %\x00\r\nFOO\x01bar\tcaf\udce9") == \
        "RUN\\x1b[31m %25\\x00%0D%0AFOO\\x01bar\tcaf\\xe9"
    assert escape_property("DF1 a\x1b,b:\x7f") == "DF1 a\\x1b%2Cb%3A\\x7f"


def test_github_output_holds_no_control_characters(project):
    results = make_results()
    results[1].diagnostics[0] = replace(results[1].diagnostics[0], name="bad\x9bname",
                                        message="unknown instruction: RUN\x1b[31m\x00 50%\nFOO\x01bar")
    output = render("github", results, root=project)
    assert "title=DF001 bad\\x9bname::unknown instruction: RUN\\x1b[31m\\x00 50%25%0AFOO\\x01bar\n" in output
    assert not any(ch in output for ch in "\x00\x01\x1b\x9b\r")


def test_github_commands_parse_back(project):
    def unescape(text):
        for code, char in (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%")):
            text = text.replace(code, char)
        return text

    lines = render("github", root=project).splitlines()
    commands = []
    for line in lines:
        head, _, message = line[2:].partition("::")
        level, _, props = head.partition(" ")
        commands.append((level, dict(p.split("=", 1) for p in props.split(",")), unescape(message)))
    by_title = {props.get("title"): (level, props, message) for level, props, message in commands}
    level, props, message = by_title["DF999 internal-error"]
    assert level == "error" and unescape(props["file"]) == WEB_PATH
    assert props["file"] == "svc/web%2C legacy/Dockerfile"
    level, props, message = by_title["DF004 apt-clean"]
    # Spans over several lines carry no columns; a span ending at column 1 stops the line before.
    assert level == "notice" and (props["line"], props["endLine"]) == ("3", "4") and "col" not in props
    assert message.endswith("(saves ~40% of it)")
    assert by_title["dflint"][0] == "error"


# -- checkstyle ---------------------------------------------------------------------------------
def test_checkstyle_is_well_formed_and_round_trips(project):
    root = ET.fromstring(render("checkstyle", root=project).encode("utf-8"))
    assert root.tag == "checkstyle" and root.get("version") == "4.3"
    files = {f.get("name"): f for f in root.iter("file")}
    assert sorted(files) == sorted(r.path for r in make_results())  # clean files listed too
    errors = files["Dockerfile"].findall("error")
    expected = sorted(make_results()[3].diagnostics, key=Diagnostic.sort_key)
    assert [e.get("message") for e in errors] == [d.message for d in expected]
    assert [e.get("source") for e in errors] == ["dflint.DF001", "dflint.DF002", "dflint.DF004"]
    assert files["missing/Dockerfile"].find("error").get("source") == "dflint.io-error"


def test_checkstyle_keeps_newlines_and_drops_characters_xml_forbids():
    diagnostic = replace(make_results()[3].diagnostics[0], message="two\nlines\tand a \x01 bell")
    text = render("checkstyle", [FileResult("Dockerfile", [diagnostic])])
    message = ET.fromstring(text.encode("utf-8")).find("file/error").get("message")
    assert message == "two\nlines\tand a \ufffd bell"


# -- gitlab ---------------------------------------------------------------------------------------
def test_gitlab_fingerprints_are_unique_and_survive_line_shifts(project):
    issues = json.loads(render("gitlab", root=project))
    assert len({i["fingerprint"] for i in issues}) == len(issues)
    shifted = make_results()
    moved = shifted[1].diagnostics[0]
    start, end = moved.span
    shifted[1].diagnostics[0] = replace(moved, span=type(moved.span)(start._replace(line=9), end._replace(line=9)))
    again = json.loads(render("gitlab", shifted, root=project))
    assert [i["fingerprint"] for i in again] == [i["fingerprint"] for i in issues]


def test_gitlab_fingerprint_ignores_line_numbers_in_the_message(project):
    # A line added above moves both RUNs: "on line 2" becomes "on line 3", and the issue is the same one.
    def issue(line: int, message: str) -> str:
        text = "\n" * (line - 1) + "RUN b\n"
        d = Diagnostic("Dockerfile", "DF006", "consecutive-run", Severity.INFO, message, span(text, "RUN b"))
        return json.loads(render("gitlab", [FileResult("Dockerfile", [d])], root=project))[0]["fingerprint"]

    assert issue(3, "this RUN directly follows the RUN on line 2") == issue(4, "this RUN directly follows the RUN on line 3")
    assert issue(3, "deleted (lines 1, 2)") == issue(4, "deleted (lines 2, 3)")
    assert issue(3, "image node:18 (line 2)") != issue(3, "image node:20 (line 2)")


def test_gitlab_identical_findings_get_distinct_fingerprints():
    d = make_results()[3].diagnostics[0]
    issues = json.loads(render("gitlab", [FileResult("Dockerfile", [d, d])]))
    assert issues[0]["fingerprint"] != issues[1]["fingerprint"]


@pytest.mark.parametrize("data", [
    {"a": [], "b": {}, "c": [1, {"d": [2, 3]}], "e": None, "f": "ü\"\n", "g": 1.5, "h": True},
    [],
    {"files": [{"diagnostics": [{"x": {"y": [1]}}, {"z": "\udcff"}]}]},
])
@pytest.mark.parametrize("depth", [None, 0, 1, 2, 4])
def test_dump_json_round_trips_at_any_inline_depth(data, depth):
    from dflint.reporters.base import dump_json

    text = dump_json(data, depth)
    assert json.loads(text) == data
    if depth is None:
        undecodable = "\\udcff" in json.dumps(data)  # lone surrogates force \\u escapes everywhere
        assert text == json.dumps(data, indent=2, ensure_ascii=undecodable)


@pytest.mark.parametrize("entry", [
    {"path": "D", "error": None, "diagnostics": [{"code": "DF1", "start": {"line": 1}}, {"code": "DF2"}]},
    {"path": "E", "error": "cannot read E", "diagnostics": []},
    {"path": "caf\u00e9", "error": None, "diagnostics": [{"message": "\u2192 \"x\"\n"}]},
])
def test_json_rendered_apart_is_the_same_text(entry):
    # A file's entry rendered on its own (on a worker) and spliced in is the text of the whole at once.
    from dflint.reporters.base import RawJson, dump_json

    whole = {"version": 1, "files": [entry, entry], "summary": {"files": 2}}
    spliced = dict(whole, files=[RawJson(dump_json(entry, 4, 2))] * 2)
    assert dump_json(spliced, 4) == dump_json(whole, 4)


@pytest.mark.parametrize("undecodable", [False, True])
def test_json_report_from_rendered_parts_matches(undecodable):
    from dflint.reporters.json import file_entry

    results = make_results()
    if undecodable:  # its part escapes the bytes; the others stay as they are, and all is valid UTF-8 JSON
        results[3].diagnostics[0] = replace(results[3].diagnostics[0], message="unknown image 'caf\udce9'")
    whole = render("json", results)
    for result in results:
        result.rendered = file_entry(result)
    parts = render("json", results)
    assert json.loads(parts.encode("utf-8")) == json.loads(whole)
    if not undecodable:
        assert parts == whole
    else:
        assert "caf\\udce9" in parts and "'caf\u00e9'" in parts  # another file's text is not escaped


@pytest.mark.parametrize("method", ["fork", "spawn"])  # spawn: macOS and Windows, where workers load it all again
def test_parallel_workers_render_each_file_part(tmp_path, monkeypatch, method):
    # The parallel run renders each file's JSON entry on the worker that linted it: the same text
    # the parent would render from the result.
    import dflint.parallel

    monkeypatch.setattr(dflint.parallel, "start_method", lambda: method)
    from dflint.config import default_config
    from dflint.linter import Linter, lint_paths
    from dflint.registry import installed
    from dflint.reporters.json import file_entry

    rules, _ = installed()
    config = default_config(rules)
    for index in range(12):
        (tmp_path / f"D{index:02d}").write_bytes(b"FROM python\nRUN apt-get install caf\xe9 && cd /x\n" if index % 3
                                                 else f"FROM python:3.12\nLABEL n={index}\n".encode())
    jobs = [(str(path), config) for path in sorted(tmp_path.iterdir())] + [(str(tmp_path / "gone"), config)]
    results = lint_paths(Linter(rules), jobs, False, False, workers=2, render=file_entry)
    assert [r.path for r in results] == [path for path, _ in jobs]
    assert sum(len(r.diagnostics) for r in results) > 12 and results[-1].error
    for result in results:
        assert result.rendered is not None and result.rendered == file_entry(result)


def test_json_report_puts_each_diagnostic_on_one_line():
    from dflint.reporters.base import dump_json

    text = dump_json({"files": [{"path": "D", "diagnostics": [{"code": "DF1", "start": {"line": 1}},
                                                              {"code": "DF2"}]}]}, 4)
    assert text.splitlines() == [
        "{",
        '  "files": [',
        "    {",
        '      "path": "D",',
        '      "diagnostics": [',
        '        {"code": "DF1", "start": {"line": 1}},',
        '        {"code": "DF2"}',
        "      ]",
        "    }",
        "  ]",
        "}",
    ]
