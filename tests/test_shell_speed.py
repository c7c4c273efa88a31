"""How fast RUNs parse: printed, never asserted (see it with ``pytest -s tests/test_shell_speed.py``).

"cold" defeats the parse cache with a unique text each time (a RUN just
edited); "cached" re-parses the same text (an unchanged RUN when the editor
re-lints the file). CPU time, so a busy machine does not inflate it.
"""

import itertools
import time

from dflint.shell import parse_shell

ONE_LINE = "pip install --no-cache-dir -r requirements.txt"
FIVE_LINES = (
    "apt-get update "
    "    && apt-get install -y --no-install-recommends ca-certificates curl git gnupg "
    "    && curl -fsSL https://deb.nodesource.com/setup_20.x | bash - "
    "    && apt-get install -y nodejs=20.11.1-1nodesource1 "
    "    && rm -rf /var/lib/apt/lists/*"
)
HEREDOC_SCRIPT = """set -eux
arch="$(dpkg --print-architecture)"
case "$arch" in
    amd64) url="https://example.com/x-amd64.tar.gz" ;;
    arm64) url="https://example.com/x-arm64.tar.gz" ;;
    *) echo "unsupported $arch" >&2; exit 1 ;;
esac
curl -fsSLo /tmp/x.tar.gz "$url"
tar -xzf /tmp/x.tar.gz -C /usr/local/bin
for f in /usr/local/bin/x*; do chmod +x "$f"; done
if ! command -v x >/dev/null; then
    echo "missing" >&2
    exit 1
fi
rm -rf /tmp/x.tar.gz
useradd --no-log-init -r -u 1000 app
"""
_unique = itertools.count()


def _microseconds(texts):
    start = time.process_time()
    for text in texts:
        parse_shell(text)
    return (time.process_time() - start) / len(texts) * 1e6


def test_speed_report():
    parse_shell("echo warm up")
    lines = []
    for name, text, expected in [("1-line RUN", ONE_LINE, 1), ("5-line RUN", FIVE_LINES, 6),
                                 ("16-line heredoc", HEREDOC_SCRIPT, 15)]:
        assert len(parse_shell(text).commands) == expected
        cold = min(_microseconds([f"{text} # {next(_unique)}" for _ in range(50)]) for _ in range(3))
        cached = min(_microseconds([text] * 50) for _ in range(3))
        lines.append(f"{name:16} {len(text):4} chars: cold {cold:6.0f} us, cached {cached:6.0f} us")
    print("\nshell parse speed (CPU time per script)\n" + "\n".join(lines))
