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


def _messages(text: str) -> list[str]:
    return [d.message for d in lint_snippet(text, "DF005").diagnostics]


def test_an_account_that_may_exist_already_is_not_called_missing():
    """`groupadd -f` succeeds on an existing group, and `userdel node && useradd node` recreates the
    base image's user: neither says the account is missing when COPY runs."""
    forced = _messages("FROM debian:bookworm-slim\nCOPY app/ /app/\nRUN groupadd -f staff && chown -R root:staff /app\n")
    recreated = _messages("FROM node:22-slim\nCOPY app/ /app/\n"
                          "RUN userdel -r node && useradd -u 1001 node && chown -R node /app\n")
    created = _messages("FROM debian:bookworm-slim\nCOPY app/ /app/\nRUN groupadd staff && chown -R root:staff /app\n")
    assert len(forced) == len(recreated) == 1
    assert "does not exist yet" not in forced[0] and "does not exist yet" not in recreated[0]
    assert "`staff` does not exist yet when COPY runs on line 2" in created[0]
