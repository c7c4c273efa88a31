"""JSON-RPC 2.0 messages framed as the Language Server Protocol frames them (``Content-Length`` headers)."""

from __future__ import annotations

import json
import os
import sys
from typing import Any, BinaryIO, Optional

# JSON-RPC error codes the server answers with.
PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
INTERNAL_ERROR = -32603
SERVER_NOT_INITIALIZED = -32002


class ProtocolError(Exception):
    """The other side sent bytes that are not a framed message: the stream cannot be followed any more."""


class InvalidMessage(Exception):
    """A well-framed message whose body is not a JSON-RPC message; the stream goes on after it.

    JSON-RPC answers it with an error whose id is null (its id cannot be known).
    """

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code


class MessageReader:
    """Reads framed messages from a file descriptor, and tells whether another one is already waiting.

    The server lints only when no message is waiting, so a burst of edits is
    linted once, at its end: that needs to know what is buffered, which a
    plain buffered reader does not say.
    """

    def __init__(self, stream: BinaryIO) -> None:
        self._fd = stream.fileno()
        self._buffer = bytearray()
        self._eof = False

    def _fill(self) -> bool:
        chunk = os.read(self._fd, 65536)
        if not chunk:
            self._eof = True
            return False
        self._buffer += chunk
        return True

    def _complete(self) -> Optional[tuple[int, int]]:
        """(body start, body end) of the first message if the buffer holds all of it."""
        end = self._buffer.find(b"\r\n\r\n")
        if end < 0:
            return None
        length = None
        for line in bytes(self._buffer[:end]).split(b"\r\n"):
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                try:
                    length = int(value.strip())
                except ValueError:
                    raise ProtocolError(f"bad Content-Length header: {line!r}") from None
        if length is None or length < 0:
            raise ProtocolError("message without a Content-Length header")
        start = end + 4
        return (start, start + length) if len(self._buffer) >= start + length else None

    def pending(self) -> bool:
        """A message (or the end of input, or unreadable input) is available without waiting."""
        try:
            if self._eof or self._complete():
                return True
        except ProtocolError:
            return True  # read() says what is wrong
        if sys.platform == "win32":  # pragma: no cover - select() takes no pipes there
            return False
        import select

        try:
            ready, _, _ = select.select([self._fd], [], [], 0)
        except (OSError, ValueError):  # pragma: no cover
            return False
        return bool(ready)

    def read(self) -> Optional[dict[str, Any]]:
        """The next message; None at the end of input.

        Raises :class:`ProtocolError` when the framing is broken, :class:`InvalidMessage`
        when one message's body is not a JSON object.
        """
        while True:
            span = self._complete()
            if span:
                start, end = span
                body = bytes(self._buffer[start:end])
                del self._buffer[:end]
                try:
                    message = json.loads(body.decode("utf-8"))
                except (UnicodeDecodeError, ValueError) as exc:
                    raise InvalidMessage(PARSE_ERROR, f"message is not JSON: {exc}") from None
                if not isinstance(message, dict):
                    raise InvalidMessage(INVALID_REQUEST, "message is not a JSON object")
                return message
            if self._eof or not self._fill():
                return None


class MessageWriter:
    """Writes framed messages; one write and flush per message, so a reader never sees half of one."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream

    def write(self, message: dict[str, Any]) -> None:
        message = {"jsonrpc": "2.0", **message}
        try:
            data = json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        except UnicodeEncodeError:  # text from bytes that were not UTF-8: escape, never send invalid UTF-8
            data = json.dumps(message, ensure_ascii=True, separators=(",", ":")).encode("ascii")
        self._stream.write(b"Content-Length: %d\r\n\r\n" % len(data) + data)
        self._stream.flush()
