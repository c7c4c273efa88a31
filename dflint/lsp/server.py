"""``dflint lsp``: a Language Server Protocol server over standard input and output.

Editors lint on every keystroke; starting a process each time costs more
than the lint. The server loads the rules once and keeps the open documents
in memory, synchronised incrementally (a change sends the range it replaces):
each change is linted in milliseconds, and a burst of changes is
linted once, when no message is waiting. It publishes diagnostics (with the
rule's docs as ``codeDescription``) and offers fixes as code actions: one
quick fix per finding with a safe or unsafe fix, and ``source.fixAll.dflint``
for every safe fix at once. Configuration is found as for the command, from
each document's path, and re-read whenever the client saves a document or
reports changed files.
"""

from __future__ import annotations

import os
import sys
import traceback
from typing import TYPE_CHECKING, Any, BinaryIO, Callable, Optional

from .. import __version__
from .positions import UTF16, Document, choose_encoding
from .protocol import (
    INTERNAL_ERROR,
    INVALID_PARAMS,
    INVALID_REQUEST,
    METHOD_NOT_FOUND,
    SERVER_NOT_INITIALIZED,
    InvalidMessage,
    MessageReader,
    MessageWriter,
    ProtocolError,
)

if TYPE_CHECKING:  # pragma: no cover
    from ..config import Config
    from ..diagnostic import Diagnostic

FIX_ALL = "source.fixAll.dflint"
QUICK_FIX = "quickfix"
_LSP_SEVERITY = {"error": 1, "warning": 2, "info": 3, "style": 4}


#: TextDocumentSyncKind.Incremental: a change names the range it replaces (one keystroke, a few bytes),
#: where full synchronisation would send the whole document each time.
_INCREMENTAL = 2


def _changed(document: Document, change: dict[str, Any]) -> str:
    """The text after one ``contentChanges`` entry: a range replaced, or the whole document without one."""
    where = change.get("range")
    if where is None:
        return change["text"]
    start, end = document.offset(where["start"]), document.offset(where["end"])
    text = document.text
    return text[:start] + change["text"] + text[max(start, end):]


class _Open:
    """An open document: its text and version, and the diagnostics of its latest lint."""

    def __init__(self, uri: str, path: str, text: str, version: Optional[int], encoding: str) -> None:
        self.uri = uri
        self.path = path
        self.version = version
        self.document = Document(text, encoding)
        self.diagnostics: Optional[list["Diagnostic"]] = None  # None: not linted since the last change
        self.published = False  # the diagnostics of this text and configuration have been published

    def changed(self) -> None:
        """The text or the configuration changed: lint again, and publish."""
        self.diagnostics = None
        self.published = False


_WINDOWS = os.name == "nt"


def uri_to_path(uri: str, root: str) -> str:
    """The file system path of a ``file:`` URI; other schemes (untitled:) lint as ``root/Dockerfile``."""
    if not uri.startswith("file:"):
        return os.path.join(root, "Dockerfile")
    from urllib.parse import unquote, urlsplit

    try:
        parts = urlsplit(uri)
    except ValueError:  # not a URI Python can split: lint it as an unsaved file
        return os.path.join(root, "Dockerfile")
    path = unquote(parts.path)  # once: a file named 50%41 is file:///50%2541, not 50A
    if parts.netloc and parts.netloc != "localhost":  # a UNC path
        path = f"//{parts.netloc}{path}"
    elif _WINDOWS and path[:1] == "/" and path[2:3] == ":":  # /c:/x (VS Code writes /c%3A/x) is c:/x
        path = path[1:]
    return path.replace("/", "\\") if _WINDOWS else path


def _stamp(path: str) -> Optional[tuple[int, int, int]]:
    """What changes when a file is written, created or deleted."""
    try:
        status = os.stat(path)
    except OSError:
        return None
    return status.st_mtime_ns, status.st_size, status.st_ino


class LanguageServer:
    def __init__(self, stdin: BinaryIO, stdout: BinaryIO, config: Optional[str] = None) -> None:
        self.reader = MessageReader(stdin)
        self.writer = MessageWriter(stdout)
        self.explicit_config = config
        self.encoding = UTF16
        self.root = os.getcwd()
        self.documents: dict[str, _Open] = {}
        self.initialized = False
        self.shutting_down = False
        self.code_actions = False  # the client takes CodeAction literals
        self.versioned_edits = False  # the client takes documentChanges, which carry the document's version
        self._resolver: Any = None
        self._linter: Any = None
        self._config_errors_shown: set[str] = set()
        self._config_stamps: dict[str, Optional[tuple[int, int, int]]] = {}
        self._requests: dict[str, Callable[[Any], Any]] = {
            "initialize": self.initialize,
            "shutdown": self.shutdown,
            "textDocument/codeAction": self.code_action,
        }
        self._notifications: dict[str, Callable[[Any], None]] = {
            "initialized": lambda params: None,
            "textDocument/didOpen": self.did_open,
            "textDocument/didChange": self.did_change,
            "textDocument/didSave": self.configuration_changed,
            "textDocument/didClose": self.did_close,
            "workspace/didChangeConfiguration": self.configuration_changed,
            "workspace/didChangeWatchedFiles": self.configuration_changed,
        }

    # -- the loop ------------------------------------------------------------------------

    def serve(self) -> int:
        """Answers messages until ``exit`` (0 after ``shutdown``, 1 without) or the end of input (1)."""
        while True:
            if not self.reader.pending():
                self._notice_config_changes()
                self._lint_changed()  # nothing waiting: the burst of edits is over
            try:
                message = self.reader.read()
            except InvalidMessage as exc:  # one bad message: say so, read on
                self._error(None, exc.code, str(exc))
                continue
            except ProtocolError as exc:
                print(f"dflint lsp: {exc}", file=sys.stderr)
                return 1
            if message is None:
                return 0 if self.shutting_down else 1
            if message.get("method") == "exit":
                return 0 if self.shutting_down else 1
            self._notice_config_changes()  # before a code action uses what was linted
            self.handle(message)

    def handle(self, message: dict[str, Any]) -> None:
        method, params = message.get("method"), message.get("params")
        if "id" not in message:
            handler = self._notifications.get(method or "")
            if handler and self.initialized and not self.shutting_down:
                self._guard(method, lambda: handler(params or {}))
            return  # unknown notifications ($/cancelRequest, $/setTrace...) need no answer
        if method is None:
            return  # a response to a request this server never sends
        request_id = message["id"]
        handler = self._requests.get(method)
        if handler is None:
            self._error(request_id, METHOD_NOT_FOUND, f"unknown method {method}")
        elif not self.initialized and method != "initialize":
            self._error(request_id, SERVER_NOT_INITIALIZED, "initialize first")
        elif self.initialized and method == "initialize":
            self._error(request_id, INVALID_REQUEST, "already initialized")
        elif self.shutting_down:
            self._error(request_id, INVALID_REQUEST, "the server is shutting down")
        else:
            try:
                result = handler(params if isinstance(params, dict) else {})
            except (KeyError, TypeError, ValueError) as exc:
                self._error(request_id, INVALID_PARAMS, f"{method}: invalid params: {exc}")
            except Exception as exc:  # never die on one bad request
                self._log(f"{method} failed:\n{traceback.format_exc()}")
                self._error(request_id, INTERNAL_ERROR, f"{method} failed: {type(exc).__name__}: {exc}")
            else:
                self.writer.write({"id": request_id, "result": result})

    def _guard(self, method: Optional[str], action: Callable[[], None]) -> None:
        try:
            action()
        except Exception:
            self._log(f"{method} failed:\n{traceback.format_exc()}")

    def _error(self, request_id: Any, code: int, message: str) -> None:
        self.writer.write({"id": request_id, "error": {"code": code, "message": message}})

    def _log(self, message: str) -> None:
        self.writer.write({"method": "window/logMessage", "params": {"type": 1, "message": message}})

    # -- lifecycle -----------------------------------------------------------------------

    def initialize(self, params: dict[str, Any]) -> dict[str, Any]:
        from ..cli import load_rules
        from ..linter import Linter
        from ..registry import installed

        load_rules()
        rules, plugins = installed()
        for error in plugins.errors:
            self._log(f"dflint: {error}")
        self._linter = Linter(rules)
        capabilities = params.get("capabilities") or {}
        self.encoding = choose_encoding((capabilities.get("general") or {}).get("positionEncodings"))
        # Without codeActionLiteralSupport a client takes only Commands from textDocument/codeAction,
        # and the fixes are CodeAction literals: such a client is offered none.
        code_action = (capabilities.get("textDocument") or {}).get("codeAction") or {}
        self.code_actions = isinstance(code_action.get("codeActionLiteralSupport"), dict)
        workspace_edit = (capabilities.get("workspace") or {}).get("workspaceEdit") or {}
        self.versioned_edits = workspace_edit.get("documentChanges") is True
        folders = params.get("workspaceFolders") or []
        root_uri = folders[0].get("uri") if folders and isinstance(folders[0], dict) else params.get("rootUri")
        if isinstance(root_uri, str) and root_uri.startswith("file:"):
            self.root = uri_to_path(root_uri, self.root)
        self.initialized = True
        server_capabilities: dict[str, Any] = {
            "positionEncoding": self.encoding,
            "textDocumentSync": {"openClose": True, "change": _INCREMENTAL, "save": {"includeText": False}},
        }
        if self.code_actions:
            server_capabilities["codeActionProvider"] = {"codeActionKinds": [QUICK_FIX, FIX_ALL]}
        return {"capabilities": server_capabilities, "serverInfo": {"name": "dflint", "version": __version__}}

    def shutdown(self, params: dict[str, Any]) -> None:
        self.shutting_down = True
        return None

    # -- documents -----------------------------------------------------------------------

    def did_open(self, params: dict[str, Any]) -> None:
        item = params["textDocument"]
        uri = item["uri"]
        self.documents[uri] = _Open(uri, uri_to_path(uri, self.root), item["text"], item.get("version"),
                                    self.encoding)

    def did_change(self, params: dict[str, Any]) -> None:
        identifier = params["textDocument"]
        opened = self.documents.get(identifier["uri"])
        changes = params.get("contentChanges") or []
        if opened is None or not changes:
            return
        for change in changes:  # each applies to the text the ones before it left
            opened.document = Document(_changed(opened.document, change), self.encoding)
        opened.version = identifier.get("version")
        opened.changed()

    def did_close(self, params: dict[str, Any]) -> None:
        uri = params["textDocument"]["uri"]
        if self.documents.pop(uri, None) is not None:
            self.writer.write({"method": "textDocument/publishDiagnostics", "params": {"uri": uri, "diagnostics": []}})

    def _notice_config_changes(self) -> None:
        """Re-reads the configuration when a file that may apply to an open document was written,
        created or deleted since the last look.

        Most clients report changed files only to a server that registers
        watchers, and some cannot watch at all; a few dozen stat() calls per
        message cost microseconds, so the server looks for itself.
        """
        if not self.documents:
            return
        from ..config import CONFIG_FILES

        folders: set[str] = set()
        for opened in self.documents.values():
            folder = os.path.dirname(os.path.abspath(opened.path))
            while folder not in folders:
                folders.add(folder)
                folder, parent = os.path.dirname(folder), folder
                if folder == parent:
                    break
        paths = [os.path.join(folder, name) for folder in folders for name in CONFIG_FILES]
        if self.explicit_config:
            paths.append(self.explicit_config)
        stamps = {path: _stamp(path) for path in paths}
        previous, self._config_stamps = self._config_stamps, stamps
        if any(previous.get(path, stamp) != stamp for path, stamp in stamps.items()):  # new paths: not a change
            self.configuration_changed({})

    def configuration_changed(self, params: dict[str, Any]) -> None:
        self._resolver = None
        self._config_errors_shown.clear()  # re-read: an error still there is worth saying again
        for opened in self.documents.values():
            opened.changed()

    # -- linting -------------------------------------------------------------------------

    def _config(self, path: str) -> "Config":
        if self._resolver is None:
            from ..config import ConfigResolver, Overrides
            from ..registry import installed

            rules, plugins = installed()
            self._resolver = ConfigResolver(rules, Overrides(), self.explicit_config, plugins.default_config)
        return self._resolver.for_path(path)

    def _config_or_report(self, path: str) -> Optional["Config"]:
        """The configuration for ``path``; None, after telling the user, when it cannot be loaded."""
        try:
            return self._config(path)
        except Exception as exc:  # a broken configuration file: say so (once), lint nothing
            message = f"dflint: {exc}"
            self._log(message)
            if message not in self._config_errors_shown:  # not on every keystroke
                self._config_errors_shown.add(message)
                self.writer.write({"method": "window/showMessage", "params": {"type": 1, "message": message}})
            return None

    def _lint(self, opened: _Open) -> list["Diagnostic"]:
        if opened.diagnostics is None:
            config = self._config_or_report(opened.path)
            if config is None:
                opened.diagnostics = []
            elif config.excluded(opened.path):
                opened.diagnostics = []
            else:
                _, opened.diagnostics = self._linter.check(opened.document.text, opened.path, config)
        return opened.diagnostics

    def _lint_changed(self) -> None:
        for opened in list(self.documents.values()):
            if not opened.published:  # a code action may have linted it already, but not published
                self._guard("lint", lambda: self._publish(opened))

    def _publish(self, opened: _Open) -> None:
        opened.published = True  # once, even if linting fails: a failing lint is not retried on every message
        diagnostics = [self._lsp_diagnostic(opened, d) for d in self._lint(opened)]
        params: dict[str, Any] = {"uri": opened.uri, "diagnostics": diagnostics}
        if opened.version is not None:
            params["version"] = opened.version
        self.writer.write({"method": "textDocument/publishDiagnostics", "params": params})

    def _lsp_diagnostic(self, opened: _Open, diagnostic: "Diagnostic") -> dict[str, Any]:
        document = opened.document
        result: dict[str, Any] = {
            "range": document.lsp_range(diagnostic.span),
            "severity": _LSP_SEVERITY[diagnostic.severity.label],
            "code": diagnostic.code,
            "source": "dflint",
            "message": f"{diagnostic.message} [{diagnostic.name}]",
        }
        if diagnostic.docs_url:
            result["codeDescription"] = {"href": diagnostic.docs_url}
        if diagnostic.related:
            result["relatedInformation"] = [
                {"location": {"uri": opened.uri, "range": document.lsp_range(span)}, "message": note}
                for note, span in diagnostic.related
            ]
        return result

    # -- fixes ---------------------------------------------------------------------------

    def code_action(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        from ..fix import Applicability

        uri = params["textDocument"]["uri"]
        opened = self.documents.get(uri)
        if opened is None or not self.code_actions:
            return []
        only = (params.get("context") or {}).get("only")

        def wanted(kind: str) -> bool:
            return not only or any(kind == k or kind.startswith(k + ".") for k in only)

        actions: list[dict[str, Any]] = []
        document = opened.document
        if wanted(QUICK_FIX):
            requested = params.get("range") or {}
            start = document.offset(requested.get("start") or {})
            end = document.offset(requested.get("end") or {})
            for diagnostic in self._lint(opened):
                fix = diagnostic.fix
                if fix is None or fix.applicability is Applicability.DISPLAY:
                    continue
                if not (diagnostic.span.start.offset <= end and start <= diagnostic.span.end.offset):
                    continue
                safe = fix.applicability is Applicability.SAFE
                actions.append({
                    "title": f"{fix.message} ({diagnostic.code}{'' if safe else ', unsafe'})",
                    "kind": QUICK_FIX,
                    "diagnostics": [self._lsp_diagnostic(opened, diagnostic)],
                    "isPreferred": safe,
                    "edit": self._edit(opened, [{"range": document.lsp_range(edit.span), "newText": edit.content}
                                                for edit in fix.edits]),
                })
        # Only what is linted is fixed (not an excluded file, nor one without a configuration), and
        # only when there is something to fix: editors ask at every cursor move, and fixing lints again.
        if wanted(FIX_ALL) and any(d.fix and d.fix.applicability is Applicability.SAFE for d in self._lint(opened)):
            config = self._config(opened.path)
            fixed = self._linter.lint_text(document.text, opened.path, config, fix=True)
            if fixed.changed and fixed.text is not None:
                actions.append({
                    "title": f"Apply every safe dflint fix ({fixed.fixes_applied})",
                    "kind": FIX_ALL,
                    "edit": self._edit(opened, [{"range": document.full_range(), "newText": fixed.text}]),
                })
        return actions


    def _edit(self, opened: _Open, edits: list[dict[str, Any]]) -> dict[str, Any]:
        """A WorkspaceEdit of ``edits``; versioned where the client allows, so that it refuses them
        on a document that changed since they were computed rather than damage it."""
        if self.versioned_edits and opened.version is not None:
            return {"documentChanges": [{"textDocument": {"uri": opened.uri, "version": opened.version},
                                         "edits": edits}]}
        return {"changes": {opened.uri: edits}}


def serve(config: Optional[str] = None) -> int:
    """Runs the server on this process's standard input and output."""
    return LanguageServer(sys.stdin.buffer, sys.stdout.buffer, config).serve()
