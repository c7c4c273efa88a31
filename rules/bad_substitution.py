"""DF807 bad-substitution: a ${...} BuildKit cannot expand."""

from __future__ import annotations

from typing import Iterator, Optional

from dflint import ast
from dflint.diagnostic import Severity
from dflint.model.expanded import ExpandedWord, expanded_words
from dflint.rule import Finding, Rule, RuleContext


class BadSubstitution(Rule):
    r"""A variable reference BuildKit rejects when it expands the instruction.

    ## What it does
    Reports words of instructions Docker expands (ENV, ARG, LABEL, COPY, ADD,
    WORKDIR, USER, EXPOSE, VOLUME, STOPSIGNAL and their flags) whose
    `${...}` BuildKit cannot process: an unsupported modifier (`${V^^}`,
    `${V:#x}`), an unclosed `${`, or an unmatched quote. Shell commands in RUN,
    CMD and ENTRYPOINT are left alone: the shell expands those.

    The body of a COPY or ADD here-document whose delimiter is not quoted
    (`COPY <<EOF /usr/local/bin/start.sh`) is checked too: BuildKit expands
    it, always with the `\` escape and leaving quotes as they are (an
    apostrophe in the text is no error), and fails on a shell-only
    expansion such as `${NAME,,}` or `${#ITEMS[@]}` in a script written
    that way. The first `${...}` it cannot expand is reported, and the
    message says how to write it as it is (`\${`, or `<<'EOF'`). A quoted
    delimiter makes the body literal, and a RUN here-document is read by
    the shell: neither is checked.

    ## Why is this bad?
    `docker build` fails on this instruction with "failed to process" after
    the earlier steps have already run.

    ## Example
    ```dockerfile
    FROM alpine:3.20
    ARG VERSION=1.2
    ENV APP_VERSION=${VERSION^^}
    ```

    ## Use instead
    ```dockerfile
    FROM alpine:3.20
    ARG VERSION=1.2
    ENV APP_VERSION=${VERSION:-1.0}
    ```

    ## Fix safety
    This rule has no fix.
    """

    code = "DF807"
    name = "bad-substitution"
    summary = "Variable substitution BuildKit cannot expand"
    severity = Severity.ERROR

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for node in ctx.instructions:
            if isinstance(node, ast.InvalidInstruction):
                continue
            for word in expanded_words(node):
                expansion = word.expand(ctx.model)
                if not expansion.error:
                    continue
                detail = _detail(expansion.error)
                if word.heredoc is None:
                    yield ctx.finding(word.span, f"{node.name} cannot expand {word.text!r}: {detail}")
                    continue
                start, end = _failing_reference(ctx, word)
                if start is not None:
                    detail = _detail(word.expand_text(ctx.model, word.text[start:end]).error or expansion.error)
                    end = min(end, _line_end(word.text, start))
                shown = word.text[start:end] if start is not None else word.heredoc.name
                yield ctx.finding(word.span_of(start, end) if start is not None else word.span,
                                  f"{node.name} cannot expand {shown!r} in the body of here-document "
                                  f"{word.heredoc.name}: {detail}; BuildKit expands the body as the delimiter is "
                                  f"not quoted: escape the `$` (\\$) or quote the delimiter (<<'{word.heredoc.name}') "
                                  f"to write it as it is")


def _detail(error: str) -> str:
    detail = error.split(": ", 1)[-1]
    if "(\ufffd)" in detail:  # BuildKit read the end of the word as the modifier
        return "missing '}'"
    if detail.startswith(("unsupported modifier (\n", "unsupported modifier (\r", "unsupported modifier (:\n",
                          "unsupported modifier (:\r")):  # the end of a here-document's line, in its body
        return "missing '}' before the end of the line"
    return detail


def _line_end(text: str, start: int) -> int:
    end = text.find("\n", start)
    return len(text) if end < 0 else end


def _failing_reference(ctx: RuleContext, word: ExpandedWord) -> tuple[Optional[int], int]:
    """The first ``${...}`` of a here-document's body that BuildKit cannot expand on its own: where it
    starts and ends (the end of the body when it is not closed); (None, 0) when none is."""
    text, pos = word.text, 0
    while pos < len(text):
        if text[pos] == "\\":
            pos += 2
            continue
        if not text.startswith("${", pos):
            pos += 1
            continue
        depth, end = 1, pos + 2
        while end < len(text) and depth:
            if text[end] == "\\":
                end += 1
            elif text.startswith("${", end):
                depth += 1
                end += 1
            elif text[end] == "}":
                depth -= 1
            end += 1
        if word.expand_text(ctx.model, text[pos:end]).error:
            return pos, end
        pos = end
    return None, 0
