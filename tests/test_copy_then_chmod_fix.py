"""copy-then-chmod's fix message names what `COPY --chown`/`--chmod` does not reach that `-R` did."""

from __future__ import annotations

from dflint.testing import lint_snippet


def _fix_messages(text: str) -> list[str]:
    return [d.fix.message for d in lint_snippet(text, "DF005").diagnostics if d.fix]


def test_a_recursive_change_of_a_copied_directory_warns_of_what_was_there_before():
    """nginx's html directory holds the base image's index.html: chown -R changed it, --chown does not."""
    messages = _fix_messages("FROM nginx:1.27-alpine\nCOPY dist /usr/share/nginx/html\n"
                             "RUN chown -R nginx:nginx /usr/share/nginx/html\n")
    assert messages == ["Copy with COPY --chown=nginx:nginx and drop the RUN; unlike chown -R, it does not "
                        "change /usr/share/nginx/html if it exists already, nor files the base image or an "
                        "earlier step put in it"]


def test_a_copied_file_gets_the_plain_message():
    messages = _fix_messages("FROM alpine:3.20\nCOPY run.sh /usr/local/bin/run.sh\n"
                             "RUN chmod 755 /usr/local/bin/run.sh\n")
    assert messages == ["Copy with COPY --chmod=755 and drop the RUN"]
