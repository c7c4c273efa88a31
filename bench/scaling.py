"""How dflint's lint time grows with the size of a file, for shapes of Dockerfile that stress the model.

Each shape is written at two sizes, N and 4N units, and linted in a fresh
process with every rule selected; the report gives both CPU times and their
ratio. A ratio near 4 is linear; near 16 is quadratic, which a user meets as a
linter that hangs on one generated or machine-made Dockerfile. Run by hand:

    python bench/scaling.py                 # N = 500
    python bench/scaling.py --units 1000 --shape stages

Shapes that were quadratic before stop 27 are here so that they stay linear.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
from typing import Callable

#: name -> the Dockerfile text of ``n`` units of that shape.
SHAPES: dict[str, Callable[[int], str]] = {
    # A chain of stages, each built FROM the last and copying from the one before it.
    "stages": lambda n: "FROM debian:12-slim AS s0\n" + "".join(
        f"FROM s{i - 1} AS s{i}\nRUN touch /f{i}\nCOPY --from=s{i - 1} /f{i - 1} /g{i}\n" for i in range(1, n)),
    # Many RUNs of one stage, each installing: the user and accounts in effect are asked per RUN.
    "runs": lambda n: "FROM debian:12-slim\n" + "".join(f"RUN echo {i} && apt-get install -y curl\n" for i in range(n)),
    # ENV and ARG each defined from the previous one.
    "env": lambda n: "FROM debian:12-slim\n" + "".join(f"ENV V{i}=${{V{i - 1}:-x}}/{i}\nARG A{i}=$V{i}\n"
                                                        for i in range(1, n)),
    # Many COPYs, each followed by a RUN on what it copied.
    "copy": lambda n: "FROM debian:12-slim\n" + "".join(
        f"COPY src{i} /app/src{i}\nRUN chmod +x /app/src{i}/run && rm -rf /app/src{i - 1}/tmp\n" for i in range(1, n)),
    # One RUN of many commands.
    "longrun": lambda n: "FROM debian:12-slim\nRUN " + " && \\\n    ".join(
        f"apt-get install -y p{i} && rm -rf /tmp/x{i}" for i in range(n)) + "\n",
    # Users created and switched to, with user installs.
    "users": lambda n: "FROM debian:12-slim\n" + "".join(
        f"RUN useradd -m u{i}\nUSER u{i}\nRUN pip install --user x{i}\nUSER root\n" for i in range(n)),
    # Heredoc RUNs.
    "heredoc": lambda n: "FROM debian:12-slim\n" + "".join(
        f"RUN <<EOF\nset -e\napt-get install -y p{i}\ncd /x{i} && make\nEOF\n" for i in range(n)),
    # Node projects: a manifest copied and installed in many directories (lockfile-missing, copy index).
    "installs": lambda n: "FROM node:20-slim\n" + "".join(
        f"WORKDIR /app{i}\nCOPY package.json ./\nRUN yarn install --immutable\n" for i in range(n)),
    # A build stage on the build platform compiling and copying many programs (build-platform-binary).
    "programs": lambda n: "FROM --platform=$BUILDPLATFORM golang:1.22 AS build\nWORKDIR /src\n" + "".join(
        f"RUN go build -o /out/app{i} ./cmd/app{i} && cp /out/app{i} /bin/app{i}\n" for i in range(n))
        + "FROM alpine:3.20\n" + "".join(f"COPY --from=build /bin/app{i} /usr/local/bin/\n" for i in range(n)),
    # Downloads saved with curl, checked later (curl-without-fail).
    "downloads": lambda n: "FROM debian:12-slim\n" + "".join(
        f"RUN curl -sSL -o /tmp/f{i}.tgz https://example.com/f{i}.tgz && tar -xzf /tmp/f{i}.tgz\n" for i in range(n)),
}


def cpu_seconds(path: str) -> float:
    """CPU time (user + system) of one `dflint --select ALL` run on ``path``, in a fresh process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([sys.executable, "-m", "dflint", "--select", "ALL", "--format", "json", "-o", os.devnull, path],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=tempfile.gettempdir(), check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--units", type=int, default=500, help="N: the small size (the large one is 4N)")
    parser.add_argument("--shape", action="append", choices=sorted(SHAPES), help="only these shapes")
    args = parser.parse_args()
    print(f"{'shape':<10} {'N':>6} {'4N':>6} {'cpu N':>8} {'cpu 4N':>8} {'ratio':>6}")
    with tempfile.TemporaryDirectory() as directory:
        for name in args.shape or SHAPES:
            times = []
            for units in (args.units, 4 * args.units):
                path = os.path.join(directory, f"{name}-{units}.Dockerfile")
                with open(path, "w", encoding="utf-8") as handle:
                    handle.write(SHAPES[name](units))
                times.append(cpu_seconds(path))
            ratio = times[1] / times[0] if times[0] else float("nan")
            print(f"{name:<10} {args.units:>6} {4 * args.units:>6} {times[0]:>7.2f}s {times[1]:>7.2f}s {ratio:>6.1f}")


if __name__ == "__main__":
    main()
