"""Files in an encoding BuildKit cannot read get one error that names it."""

import codecs
import subprocess
import sys

import pytest

import dflint

TEXT = "FROM alpine:3.20\r\nRUN echo hi\r\n"


@pytest.mark.parametrize("data", [
    codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"),
    codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"),
    TEXT.encode("utf-16-le"),  # no byte order mark
], ids=["le-bom", "be-bom", "le-no-bom"])
def test_utf16_is_one_error_naming_the_encoding(data):
    [error] = dflint.parse(data).errors
    assert (error.line, error.column, error.origin) == (1, 1, "parser")
    assert error.message == "the file is UTF-16 encoded; BuildKit reads UTF-8 only"
    assert "Set-Content -Encoding utf8" in error.hint


@pytest.mark.parametrize("data", [
    codecs.BOM_UTF8 + b"FROM alpine:3.20\n",  # BuildKit skips a UTF-8 byte order mark
    b"FROM alpine:3.20\nRUN printf 'a\\0b' && echo '\x00'\n",
    b"\xff\xff" + b"FROM alpine:3.20\n",
    b"",
], ids=["utf8-bom", "a-nul-in-a-script", "other-bad-bytes", "empty"])
def test_other_files_are_not_taken_for_utf16(data):
    assert all("UTF-16" not in e.message for e in dflint.parse(data).errors)


def test_the_command_reports_it_without_printing_nul_characters(tmp_path):
    (tmp_path / "Dockerfile").write_bytes(codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"))
    result = subprocess.run([sys.executable, "-m", "dflint", "--no-color", "Dockerfile"], cwd=tmp_path,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert result.stdout.startswith("Dockerfile:1:1: DF000 syntax-error the file is UTF-16 encoded")
    assert "\x00" not in result.stdout and result.stdout.count("DF000") == 1


@pytest.mark.parametrize("data", [
    TEXT.encode("utf-16-be"),  # big-endian, no byte order mark
    ("# café, naïve, 日本語\n" + TEXT).encode("utf-16-le"),
    ("FROM alpine\n" + "RUN echo x\n" * 2000).encode("utf-16-le"),  # longer than the sample
], ids=["be-no-bom", "le-non-ascii", "le-long"])
def test_more_utf16_is_named_and_not_taken_for_binary(data):
    [error] = dflint.parse(data).errors
    assert error.message == "the file is UTF-16 encoded; BuildKit reads UTF-8 only"


@pytest.mark.parametrize("data", [
    b"FROM alpine:3.20\nRUN printf 'a\\0b' && echo '\x00'\n",
    "# caf\xe9 in Latin-1\nFROM alpine:3.20\n".encode("latin-1"),
    "# 中文注释\nFROM alpine:3.20\n".encode("gbk"),
    b"FROM alpine:3.20\nRUN echo '\x1b[31mred\x1b[0m'\n",
    b"FROM a\n\x00",  # short: one stray NUL is 1 byte in 8
    b"FROM a\n\x00\x01\x02",
], ids=["a-nul-in-a-script", "latin-1", "gbk", "escape-codes", "short-one-nul", "short-three-controls"])
def test_text_with_odd_bytes_is_not_taken_for_binary(data):
    assert all("binary" not in e.message for e in dflint.parse(data).errors)
