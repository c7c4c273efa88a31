"""``dflint lsp``: the Language Server Protocol server, driven as an editor drives it (a real process, stdio)."""

from __future__ import annotations

import json
import os
import queue
import re
import subprocess
import sys
import textwrap
import threading
from pathlib import Path
from typing import Any, Optional

import pytest

from dflint.lsp.positions import UTF8, UTF16, UTF32, Document, choose_encoding
from dflint.lsp import server
from dflint.lsp.server import uri_to_path
from dflint.source import LineIndex

DOCKERFILE = textwrap.dedent("""\
    FROM python
    RUN apt-get update && apt-get install -y curl
    COPY . /app
    RUN pip install -r /app/requirements.txt
""")


class Client:
    """A minimal LSP client over the server's pipes."""

    def __init__(self, cwd: Path, *args: str) -> None:
        env = {**os.environ, "NO_COLOR": "1"}
        self.process = subprocess.Popen([sys.executable, "-m", "dflint", "lsp", *args], cwd=cwd,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                        env=env)
        self.next_id = 0
        self.messages: "queue.Queue[Optional[dict[str, Any]]]" = queue.Queue()
        # Messages that came while a request waited for its answer, for the next receive(): the server
        # lints when its input is idle, so diagnostics may come before or after an answer.
        self.held: list[dict[str, Any]] = []
        threading.Thread(target=self._read_messages, daemon=True).start()

    def frame(self, message: dict[str, Any]) -> bytes:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode("utf-8")
        return b"Content-Length: %d\r\n\r\n" % len(body) + body

    def send(self, *messages: dict[str, Any]) -> None:
        self.process.stdin.write(b"".join(self.frame(m) for m in messages))  # one write: a burst
        self.process.stdin.flush()

    def _read_messages(self) -> None:
        """On a thread: every message the server writes, into a queue (None at the end of its output)."""
        stdout = self.process.stdout
        while True:
            length = None
            while True:
                line = stdout.readline()
                if not line:
                    self.messages.put(None)
                    return
                if line == b"\r\n":
                    break
                name, _, value = line.partition(b":")
                if name.lower() == b"content-length":
                    length = int(value)
            self.messages.put(json.loads(stdout.read(length)))

    def receive(self, timeout: float = 60) -> dict[str, Any]:
        """The next message; a test fails, instead of hanging, when the server sends none."""
        if self.held:
            return self.held.pop(0)
        try:
            message = self.messages.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no message from the server in {timeout} s") from None
        assert message is not None, f"server closed its output; stderr: {self.process.stderr.read().decode()}"
        return message

    def request(self, method: str, params: Optional[dict] = None) -> dict[str, Any]:
        self.next_id += 1
        self.send({"id": self.next_id, "method": method, "params": params or {}})
        early = []
        while True:
            message = self.receive()
            assert message.get("method") != "window/showMessage", message
            if message.get("id") == self.next_id:
                self.held[:0] = early
                return message
            early.append(message)

    def notify(self, method: str, params: dict) -> None:
        self.send({"method": method, "params": params})

    def diagnostics(self) -> dict[str, Any]:
        while True:
            message = self.receive()
            if message.get("method") == "textDocument/publishDiagnostics":
                return message["params"]

    def initialize(self, root: Path, encodings: Optional[list[str]] = None,
                   capabilities: Optional[dict[str, Any]] = None) -> dict[str, Any]:
        if capabilities is None:
            kinds = {"valueSet": ["quickfix", "source.fixAll"]}
            capabilities = {"textDocument": {"codeAction": {"codeActionLiteralSupport": {"codeActionKind": kinds}}}}
        if encodings:
            capabilities["general"] = {"positionEncodings": encodings}
        result = self.request("initialize", {"rootUri": root.as_uri(), "capabilities": capabilities})
        self.notify("initialized", {})
        return result["result"]

    def open(self, path: Path, text: str, version: int = 1) -> dict[str, Any]:
        self.notify("textDocument/didOpen", {"textDocument": {"uri": path.as_uri(), "languageId": "dockerfile",
                                                              "version": version, "text": text}})
        return self.diagnostics()

    def close(self) -> int:
        assert self.request("shutdown")["result"] is None
        self.notify("exit", {})
        return self.process.wait(timeout=30)


@pytest.fixture
def client(tmp_path):
    started = Client(tmp_path)
    yield started
    if started.process.poll() is None:
        started.process.kill()
        started.process.wait()


def _offset(text: str, position: dict[str, int], encoding: str) -> int:
    """An LSP position's offset in ``text``, found as a client finds it (lines end at \\r\\n, \\n or \\r)."""
    lines = re.split(r"(\r\n|\r|\n)", text)  # line, break, line, break, ..., line
    offset = sum(len(part) for part in lines[:2 * position["line"]])
    units = 0
    for char in lines[2 * position["line"]]:
        if units >= position["character"]:
            break
        units += len(char.encode({UTF8: "utf-8", UTF16: "utf-16-le", UTF32: "utf-32-le"}[encoding])) // (
            {UTF8: 1, UTF16: 2, UTF32: 4}[encoding])
        offset += 1
    return offset


def apply(text: str, edits: list[dict[str, Any]], encoding: str = UTF16) -> str:
    """``text`` with LSP text edits applied, as a client applies them."""
    spans = sorted(((_offset(text, e["range"]["start"], encoding), _offset(text, e["range"]["end"], encoding),
                     e["newText"]) for e in edits), reverse=True)
    for start, end, new in spans:
        text = text[:start] + new + text[end:]
    return text


def covered(text: str, lsp_range: dict[str, Any], encoding: str = UTF16) -> str:
    """The text an LSP range covers, as a client finds it."""
    return text[_offset(text, lsp_range["start"], encoding):_offset(text, lsp_range["end"], encoding)]


def test_a_session_publishes_diagnostics_and_offers_fixes(client, tmp_path):
    capabilities = client.initialize(tmp_path)["capabilities"]
    assert capabilities["positionEncoding"] == UTF16
    assert capabilities["textDocumentSync"]["change"] == 2  # incremental
    path = tmp_path / "Dockerfile"

    published = client.open(path, DOCKERFILE)
    assert published["uri"] == path.as_uri() and published["version"] == 1
    by_code = {d["code"]: d for d in published["diagnostics"]}
    assert {"DF001", "DF003", "DF007"} <= set(by_code)
    untagged = by_code["DF001"]
    assert untagged["range"] == {"start": {"line": 0, "character": 5}, "end": {"line": 0, "character": 11}}
    assert untagged["severity"] == 2 and untagged["source"] == "dflint"
    assert untagged["codeDescription"]["href"].endswith("untagged-image.md")
    assert untagged["message"].endswith("[untagged-image]")
    assert by_code["DF007"]["relatedInformation"][0]["location"]["uri"] == path.as_uri()

    whole = {"start": {"line": 0, "character": 0}, "end": {"line": 4, "character": 0}}
    actions = client.request("textDocument/codeAction", {"textDocument": {"uri": path.as_uri()}, "range": whole,
                                                         "context": {"diagnostics": []}})["result"]
    quick = [a for a in actions if a["kind"] == "quickfix" and "/var/lib/apt/lists" in a["title"]]
    assert len(quick) == 1
    fixed = apply(DOCKERFILE, quick[0]["edit"]["changes"][path.as_uri()])
    assert "rm -rf /var/lib/apt/lists/*" in fixed.splitlines()[1]

    client.notify("textDocument/didChange", {"textDocument": {"uri": path.as_uri(), "version": 2},
                                             "contentChanges": [{"text": fixed}]})
    republished = client.diagnostics()
    assert republished["version"] == 2
    assert [d["range"]["start"]["line"] for d in republished["diagnostics"] if d["code"] == "DF003"] == [3]  # pip

    client.notify("textDocument/didClose", {"textDocument": {"uri": path.as_uri()}})
    assert client.diagnostics() == {"uri": path.as_uri(), "diagnostics": []}
    assert client.close() == 0


@pytest.mark.parametrize("encoding", [UTF16, UTF8, UTF32])
def test_incremental_changes_edit_the_document_as_the_client_does(tmp_path, encoding):
    # Ranges count the negotiated units; each change of a notification applies to the text the ones
    # before it left; a change without a range is the whole document.
    client = Client(tmp_path)
    try:
        client.initialize(tmp_path, [encoding])
        path = tmp_path / "Dockerfile"
        text = 'FROM alpine:3.20\r\nRUN echo "😀" && apk add curl && cd /src && make\nCMD ["sh"]\n'
        assert "DF003" in {d["code"] for d in client.open(path, text)["diagnostics"]}  # apk without --no-cache
        edits = [
            ({"start": {"line": 1, "character": 0}, "end": {"line": 1, "character": 0}}, "# the tools\n"),
            ({"start": {"line": 2, "character": 0}, "end": {"line": 2, "character": 0}}, "\n"),  # empty line 3
            ({"start": {"line": 2, "character": 0}, "end": {"line": 2, "character": 0}}, "# x"),
        ]
        expected = text
        changes = []
        for lsp_range, new_text in edits:
            expected = apply(expected, [{"range": lsp_range, "newText": new_text}], encoding)
            changes.append({"range": lsp_range, "text": new_text})
        # `apk add` -> `apk add --no-cache`, the range found after the emoji in the client's units
        line = expected.splitlines()[3]
        at = line.index("apk add") + len("apk add")
        units = len(line[:at].encode({UTF8: "utf-8", UTF16: "utf-16-le", UTF32: "utf-32-le"}[encoding])) // (
            {UTF8: 1, UTF16: 2, UTF32: 4}[encoding])
        where = {"start": {"line": 3, "character": units}, "end": {"line": 3, "character": units}}
        expected = apply(expected, [{"range": where, "newText": " --no-cache"}], encoding)
        changes.append({"range": where, "text": " --no-cache"})
        client.notify("textDocument/didChange", {"textDocument": {"uri": path.as_uri(), "version": 2},
                                                 "contentChanges": changes})
        published = client.diagnostics()
        assert published["version"] == 2 and "DF003" not in {d["code"] for d in published["diagnostics"]}
        assert expected.splitlines()[:3] == ["FROM alpine:3.20", "# the tools", "# x"]
        # The server's text is the client's: the same text opened whole gives the same findings, at the
        # same ranges.
        twin = client.open(tmp_path / "Twin.Dockerfile", expected)["diagnostics"]
        assert published["diagnostics"] == twin and any(d["range"]["start"]["line"] == 3 for d in twin)
        client.notify("textDocument/didChange", {"textDocument": {"uri": path.as_uri(), "version": 3},
                                                 "contentChanges": [{"text": "FROM python\n"}]})
        assert [d["code"] for d in client.diagnostics()["diagnostics"]] == ["DF001"]
        assert client.close() == 0
    finally:
        if client.process.poll() is None:
            client.process.kill()


def test_a_file_uri_python_cannot_split_is_linted_as_an_unsaved_file(client, tmp_path):
    client.initialize(tmp_path)
    uri = "file://exa[mple/Dockerfile"  # urlsplit: "Invalid IPv6 URL"
    client.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "dockerfile", "version": 1,
                                                            "text": DOCKERFILE}})
    published = client.diagnostics()
    assert published["uri"] == uri
    assert "DF001" in {d["code"] for d in published["diagnostics"]}
    assert client.close() == 0


def test_fix_all_applies_what_the_command_fix_applies(client, tmp_path):
    text = "FROM alpine:3.20 as build\nRUN apt-get install curl\n"  # from-as-casing, assume-yes: safe fixes
    path = tmp_path / "Dockerfile"
    path.write_text(text)
    client.initialize(tmp_path)
    client.open(path, text)
    actions = client.request("textDocument/codeAction", {
        "textDocument": {"uri": path.as_uri()},
        "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
        "context": {"diagnostics": [], "only": ["source.fixAll"]}})["result"]
    assert [a["kind"] for a in actions] == ["source.fixAll.dflint"]
    fixed = apply(text, actions[0]["edit"]["changes"][path.as_uri()])
    subprocess.run([sys.executable, "-m", "dflint", "--fix", str(path)], capture_output=True, timeout=120)
    assert fixed == path.read_text() != text
    assert client.close() == 0


def test_fix_all_leaves_an_excluded_file_alone(client, tmp_path):
    (tmp_path / ".dflint.toml").write_text('extend-exclude = ["vendor"]\n')
    (tmp_path / "vendor").mkdir()
    path = tmp_path / "vendor" / "Dockerfile"
    client.initialize(tmp_path)
    assert client.open(path, "FROM alpine:3.20 as build\nRUN apt-get install curl\n")["diagnostics"] == []
    actions = client.request("textDocument/codeAction", {
        "textDocument": {"uri": path.as_uri()},
        "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
        "context": {"diagnostics": [], "only": ["source.fixAll"]}})["result"]
    assert actions == []  # editor.codeActionsOnSave would otherwise rewrite a file dflint does not lint
    assert client.close() == 0


def test_a_client_without_code_action_literals_is_offered_no_code_actions(client, tmp_path):
    # LSP 3.17: without codeActionLiteralSupport, textDocument/codeAction "can only return Command literals".
    assert "codeActionProvider" not in client.initialize(tmp_path, capabilities={})["capabilities"]
    path = tmp_path / "Dockerfile"
    client.open(path, "FROM alpine:3.20 as build\n")
    whole = {"start": {"line": 0, "character": 0}, "end": {"line": 1, "character": 0}}
    assert client.request("textDocument/codeAction", {"textDocument": {"uri": path.as_uri()}, "range": whole,
                                                      "context": {"diagnostics": []}})["result"] == []
    assert client.close() == 0


def test_a_burst_of_changes_is_linted_once(client, tmp_path):
    client.initialize(tmp_path)
    path = tmp_path / "Dockerfile"
    client.open(path, DOCKERFILE)
    client.send(*({"method": "textDocument/didChange",
                   "params": {"textDocument": {"uri": path.as_uri(), "version": version},
                              "contentChanges": [{"text": f"FROM alpine:3.{version}\n"}]}}
                  for version in range(2, 12)))
    published = client.diagnostics()
    assert published["version"] == 11  # the earlier versions were never linted
    assert client.request("shutdown")["result"] is None


def test_a_change_is_published_when_a_code_action_linted_it_first(client, tmp_path):
    # Editors ask for code actions at the cursor right after each edit, in the same burst.
    client.initialize(tmp_path)
    path = tmp_path / "Dockerfile"
    assert client.open(path, "FROM alpine:3.20\n")["diagnostics"] == []
    whole = {"start": {"line": 0, "character": 0}, "end": {"line": 1, "character": 0}}
    client.send({"method": "textDocument/didChange", "params": {"textDocument": {"uri": path.as_uri(), "version": 2},
                                                                "contentChanges": [{"text": "FROM python\n"}]}},
                {"id": 99, "method": "textDocument/codeAction",
                 "params": {"textDocument": {"uri": path.as_uri()}, "range": whole, "context": {"diagnostics": []}}})
    assert client.receive()["id"] == 99
    published = client.diagnostics()
    assert published["version"] == 2 and [d["code"] for d in published["diagnostics"]] == ["DF001"]
    assert client.close() == 0


@pytest.mark.parametrize("offered, chosen, column", [
    (None, UTF16, 17), ([UTF16], UTF16, 17), ([UTF8, UTF32], UTF32, 16), ([UTF8], UTF8, 19),
])
def test_positions_use_the_negotiated_encoding(tmp_path, offered, chosen, column):
    client = Client(tmp_path)
    try:
        assert client.initialize(tmp_path, offered)["capabilities"]["positionEncoding"] == chosen
        published = client.open(tmp_path / "Dockerfile", 'FROM alpine:3.20\nRUN echo "😀" && apt-get update\n')
        cache = [d for d in published["diagnostics"] if d["code"] == "DF003"][0]
        # 16 code points precede `apt-get`; the emoji is 2 UTF-16 units and 4 UTF-8 bytes.
        assert cache["range"]["start"] == {"line": 1, "character": column}
        assert client.close() == 0
    finally:
        if client.process.poll() is None:
            client.process.kill()


def test_configuration_is_found_from_the_document_and_reread_on_change(client, tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    config = project / ".dflint.toml"
    config.write_text('ignore = ["untagged-image"]\n')
    client.initialize(tmp_path)
    path = project / "Dockerfile"
    assert "DF001" not in {d["code"] for d in client.open(path, DOCKERFILE)["diagnostics"]}
    config.unlink()
    client.notify("workspace/didChangeWatchedFiles", {"changes": [{"uri": config.as_uri(), "type": 3}]})
    assert "DF001" in {d["code"] for d in client.diagnostics()["diagnostics"]}
    assert client.close() == 0


def test_a_configuration_written_on_disk_applies_without_a_notification(client, tmp_path):
    # Neither VS Code's generic client nor Neovim nor Helix reports changed files to a server
    # that did not register watchers; the next message after the change sees it.
    config = tmp_path / "pyproject.toml"
    config.write_text('[tool.dflint]\nignore = ["assume-yes"]\n')
    client.initialize(tmp_path)
    path = tmp_path / "Dockerfile"
    text = "FROM alpine:3.20\nRUN apt-get install curl\n"
    assert "DF201" not in {d["code"] for d in client.open(path, text)["diagnostics"]}
    config.write_text('[tool.dflint]\nignore = []\n')
    whole = {"start": {"line": 0, "character": 0}, "end": {"line": 2, "character": 0}}
    actions = client.request("textDocument/codeAction", {"textDocument": {"uri": path.as_uri()}, "range": whole,
                                                         "context": {"diagnostics": []}})["result"]
    assert any("(DF201)" in action["title"] for action in actions)
    assert "DF201" in {d["code"] for d in client.diagnostics()["diagnostics"]}
    (tmp_path / ".dflint.toml").write_text('ignore = ["assume-yes"]\n')  # a nearer file, created
    client.notify("$/setTrace", {"value": "off"})
    assert "DF201" not in {d["code"] for d in client.diagnostics()["diagnostics"]}
    assert client.close() == 0


def test_a_broken_configuration_is_shown_once_and_code_actions_still_answer(client, tmp_path):
    (tmp_path / ".dflint.toml").write_text('ignroe = ["untagged-image"]\n')
    client.initialize(tmp_path)
    path = tmp_path / "Dockerfile"
    client.notify("textDocument/didOpen", {"textDocument": {"uri": path.as_uri(), "languageId": "dockerfile",
                                                            "version": 1, "text": DOCKERFILE}})
    shown = []
    while True:
        message = client.receive()
        if message.get("method") == "window/showMessage":
            shown.append(message["params"])
        elif message.get("method") == "textDocument/publishDiagnostics":
            assert message["params"]["diagnostics"] == []
            break
    assert len(shown) == 1 and shown[0]["type"] == 1
    assert "unknown configuration key 'ignroe'" in shown[0]["message"] and ".dflint.toml:1" in shown[0]["message"]
    client.notify("textDocument/didChange", {"textDocument": {"uri": path.as_uri(), "version": 2},
                                             "contentChanges": [{"text": DOCKERFILE + "\n"}]})
    whole = {"start": {"line": 0, "character": 0}, "end": {"line": 5, "character": 0}}
    answer = client.request("textDocument/codeAction", {"textDocument": {"uri": path.as_uri()}, "range": whole,
                                                        "context": {"diagnostics": []}})
    assert answer["result"] == []
    assert client.diagnostics()["diagnostics"] == []
    assert client.request("shutdown")["result"] is None  # no other showMessage came before the answer


def test_a_percent_sign_in_a_path_is_decoded_once(client, tmp_path):
    project = tmp_path / "50%41 off"  # file:///.../50%2541%20off: not the directory "50A off"
    project.mkdir()
    (project / ".dflint.toml").write_text('ignore = ["untagged-image"]\n')
    client.initialize(tmp_path)
    path = project / "Dockerfile"
    assert "%2541" in path.as_uri()
    assert "DF001" not in {d["code"] for d in client.open(path, DOCKERFILE)["diagnostics"]}
    assert client.close() == 0


def test_windows_file_uris_are_windows_paths(monkeypatch):
    assert uri_to_path("file:///tmp/a%20b/Docker%25file", "/root") == "/tmp/a b/Docker%file"
    assert uri_to_path("untitled:Untitled-1", "/root") == os.path.join("/root", "Dockerfile")
    monkeypatch.setattr(server, "_WINDOWS", True)
    assert uri_to_path("file:///c%3A/Users/me/50%2541/Dockerfile", "c:\\") == "c:\\Users\\me\\50%41\\Dockerfile"
    assert uri_to_path("file://host/share/Dockerfile", "c:\\") == "\\\\host\\share\\Dockerfile"


def test_stdio_flag_is_accepted_and_config_option_is_used(tmp_path):
    config = tmp_path / "strict.toml"
    config.write_text('select = ["DF002"]\n')
    client = Client(tmp_path, "--stdio", "--config", str(config))
    try:
        client.initialize(tmp_path)
        published = client.open(tmp_path / "Dockerfile", "FROM python\nFROM node:latest\n")
        assert [d["code"] for d in published["diagnostics"]] == ["DF002"]
        assert client.close() == 0
    finally:
        if client.process.poll() is None:
            client.process.kill()


def test_protocol_errors_are_answered_not_fatal(client, tmp_path):
    early = client.request("textDocument/codeAction", {})
    assert early["error"]["code"] == -32002  # not initialized
    client.initialize(tmp_path)
    assert client.request("no/such/method")["error"]["code"] == -32601
    assert client.request("initialize", {"capabilities": {}})["error"]["code"] == -32600
    bad = client.request("textDocument/codeAction", {"textDocument": {}})
    assert bad["error"]["code"] == -32602
    unknown = client.request("textDocument/codeAction", {"textDocument": {"uri": "file:///nowhere/Dockerfile"}})
    assert unknown["result"] == []
    client.notify("$/cancelRequest", {"id": 1})  # unknown notifications are ignored
    assert client.close() == 0


def test_exit_without_shutdown_or_end_of_input_is_exit_code_1(tmp_path):
    client = Client(tmp_path)
    client.initialize(tmp_path)
    client.notify("exit", {})
    assert client.process.wait(timeout=30) == 1
    client = Client(tmp_path)
    client.process.stdin.close()
    assert client.process.wait(timeout=30) == 1


def test_a_garbled_stream_stops_the_server_with_a_message(tmp_path):
    client = Client(tmp_path)
    client.process.stdin.write(b"Content-Length: nope\r\n\r\n{}")
    client.process.stdin.close()
    assert client.process.wait(timeout=30) == 1
    assert b"bad Content-Length" in client.process.stderr.read()


def test_a_garbled_header_after_a_message_stops_the_server_without_a_traceback(client, tmp_path):
    client.initialize(tmp_path)
    client.process.stdin.write(client.frame({"method": "initialized", "params": {}}) + b"Content-Length: nope\r\n\r\n")
    client.process.stdin.close()
    assert client.process.wait(timeout=30) == 1
    stderr = client.process.stderr.read()
    assert b"bad Content-Length" in stderr and b"Traceback" not in stderr


@pytest.mark.parametrize("body, code", [(b"{bad}", -32700), (b"[]", -32600), ("\"é\"".encode(), -32600)])
def test_a_message_that_is_not_json_rpc_is_answered_and_the_server_goes_on(client, tmp_path, body, code):
    client.initialize(tmp_path)
    client.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
    client.process.stdin.flush()
    answer = client.receive()
    assert answer["id"] is None and answer["error"]["code"] == code  # JSON-RPC: id null when it cannot be read
    assert client.close() == 0


@pytest.mark.parametrize("encoding", [UTF8, UTF16, UTF32])
def test_document_positions_round_trip(encoding):
    text = "FROM a\r\nRUN echo 'ß😀x' \\\n  && ls\r\rLAST 𝔘\n\nEND"
    document = Document(text, encoding)
    index = LineIndex(text)
    for offset in range(len(text) + 1):
        lsp = document.lsp_position(index.position(offset))
        assert _offset(text, lsp, encoding) == document.offset(lsp)
        inside_crlf = text[offset - 1:offset + 1] == "\r\n"
        assert document.offset(lsp) == offset - inside_crlf, (offset, lsp)  # inside \r\n: the end of the line


def test_lines_end_where_a_client_ends_them():
    document = Document("a\rb\r\nc\nd", UTF16)
    index = LineIndex(document.text)
    assert [document.lsp_position(index.position(offset)) for offset in (2, 5, 7)] == [
        {"line": 1, "character": 0}, {"line": 2, "character": 0}, {"line": 3, "character": 0}]
    assert document.lsp_position(index.position(4)) == {"line": 1, "character": 1}  # between \r and \n
    assert document.full_range() == {"start": {"line": 0, "character": 0}, "end": {"line": 3, "character": 1}}


def test_a_lone_carriage_return_is_a_line_break_for_the_client(client, tmp_path):
    # BuildKit (and dflint) read `\r` alone as part of a line; editors break the line there.
    text = "# built by CI\rby hand too\nFROM alpine:3.20 as build\r\nRUN apt-get install curl\n"
    path = tmp_path / "Dockerfile"
    path.write_bytes(text.encode())
    client.initialize(tmp_path)
    published = client.open(path, text)["diagnostics"]
    assert {d["code"]: covered(text, d["range"]) for d in published} == {
        "DF104": "as", "DF201": "apt-get install", "DF202": "apt-get install"}
    assert {d["code"]: d["range"]["start"]["line"] for d in published} == {"DF104": 2, "DF201": 3, "DF202": 3}
    whole = {"start": {"line": 0, "character": 0}, "end": {"line": 4, "character": 0}}
    actions = client.request("textDocument/codeAction", {"textDocument": {"uri": path.as_uri()}, "range": whole,
                                                         "context": {"diagnostics": []}})["result"]
    fix_all = [a for a in actions if a["kind"] == "source.fixAll.dflint"][0]
    fixed = apply(text, fix_all["edit"]["changes"][path.as_uri()])
    subprocess.run([sys.executable, "-m", "dflint", "--fix", str(path)], capture_output=True, timeout=120)
    assert fixed == path.read_bytes().decode() != text
    for action in actions:
        if action["kind"] == "quickfix":
            assert "apt-get install" in apply(text, action["edit"]["changes"][path.as_uri()])
    assert client.close() == 0


def test_document_offsets_clamp_out_of_range_positions():
    document = Document("ab\ncd", UTF16)
    assert document.offset({"line": 0, "character": 99}) == 2
    assert document.offset({"line": 9, "character": 0}) == 5
    assert document.offset({"line": -1, "character": 0}) == 0


def test_choose_encoding_prefers_code_points_and_defaults_to_utf16():
    assert choose_encoding(["utf-16", "utf-32"]) == UTF32
    assert choose_encoding(["utf-8"]) == UTF8
    assert choose_encoding(None) == UTF16
    assert choose_encoding(["latin-1"]) == UTF16


def test_edits_carry_the_document_version_where_the_client_takes_it(client, tmp_path):
    kinds = {"valueSet": ["quickfix", "source.fixAll"]}
    client.initialize(tmp_path, capabilities={
        "textDocument": {"codeAction": {"codeActionLiteralSupport": {"codeActionKind": kinds}}},
        "workspace": {"workspaceEdit": {"documentChanges": True}}})
    text = "FROM alpine:3.20 as build\n"
    path = tmp_path / "Dockerfile"
    client.open(path, text, version=7)
    whole = {"start": {"line": 0, "character": 0}, "end": {"line": 1, "character": 0}}
    actions = client.request("textDocument/codeAction", {"textDocument": {"uri": path.as_uri()}, "range": whole,
                                                         "context": {"diagnostics": []}})["result"]
    assert {a["kind"] for a in actions} == {"quickfix", "source.fixAll.dflint"}
    for action in actions:
        [change] = action["edit"]["documentChanges"]
        assert change["textDocument"] == {"uri": path.as_uri(), "version": 7}
        assert apply(text, change["edits"]) == "FROM alpine:3.20 AS build\n"
    assert client.close() == 0
