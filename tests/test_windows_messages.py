"""Advice on Windows stages must be something cmd and PowerShell can follow."""

from dflint.testing import lint_snippet


def test_json_args_advice_on_windows_has_no_exec():
    found = lint_snippet("# escape=`\nFROM mcr.microsoft.com/windows/servercore:ltsc2022\nCMD C:\\app\\app.exe\n",
                         "json-args-recommended").diagnostics
    assert len(found) == 1
    assert found[0].message.endswith("use the exec form (a JSON array)")  # cmd has no `exec`
