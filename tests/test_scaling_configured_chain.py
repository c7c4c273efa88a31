"""package_config.configured() down a long chain of FROM stages: counted, never timed.

Whether an earlier RUN of the image wrote a setting is found in one pass per stage, started from
what its parent stage's lineage ended with, not by searching every RUN of the lineage again for
each stage (a chain of N stages was N*N/2 searches).
"""

from dflint import parse
from dflint.analysis import Analysis
from dflint.model import package_config
from dflint.model.layers import run_steps


class _CountingPattern:
    """A pattern that counts the texts it searches."""

    def __init__(self, pattern):
        self.pattern, self.searched = pattern, 0

    def search(self, text):
        self.searched += 1
        return self.pattern.search(text)


def test_configured_searches_each_run_once_in_a_chain_of_stages():
    stages, setting = 400, 150
    lines = []
    for i in range(stages):
        lines.append("FROM debian:12 AS s0" if i == 0 else f"FROM s{i - 1} AS s{i}")
        if i == setting:
            lines.append("RUN echo 'APT::Get::Assume-Yes \"true\";' > /etc/apt/apt.conf.d/90yes")
        lines.append("RUN apt-get install x")
    analysis = Analysis("Dockerfile", parse("\n".join(lines) + "\n"))
    pattern = _CountingPattern(package_config.APT_ASSUME_YES)
    found = []
    for stage in analysis.model.stages:
        node = stage.instructions[-1]
        found.append(package_config.configured(analysis, node, run_steps(analysis, node)[0], pattern))
    assert found == [i >= setting for i in range(stages)]  # from the RUN that writes it on, not before
    assert pattern.searched <= 3 * stages  # the RUNs before the setting once each, and each install's own RUN
