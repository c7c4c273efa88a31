"""EX001 no-sudo."""

from dflint.diagnostic import Severity
from dflint.rule import Option, Rule


class NoSudo(Rule):
    """RUN already runs as the current user; sudo hides which one.

    ## What it does
    Reports `sudo` at the start of a RUN command line.

    ## Why is this bad?
    Switch users with USER instead: the image history then shows who runs what.

    ## Example
    ```dockerfile
    FROM debian:12
    RUN sudo apt-get update
    ```

    ## Use instead
    ```dockerfile
    FROM debian:12
    USER root
    RUN apt-get update
    ```

    ## Fix safety
    This rule has no fix.
    """

    code = "EX001"
    name = "no-sudo"
    summary = "sudo in RUN"
    severity = Severity.WARNING
    options = (Option("allowed-users", list, [], "users for whom sudo is fine"),)

    def check(self, ctx):
        for node in ctx.instructions:
            text = node.shell_text if node.name == "RUN" else None
            if text is not None and text.value.split()[:1] == ["sudo"]:
                yield ctx.finding(text, "RUN starts with sudo; use USER instead")
