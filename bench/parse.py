"""Parser benchmark: dflint against BuildKit's Go parser and hadolint, on the same files.

Run by hand, never from the tests::

    python bench/parse.py                     # full run: 2,000 files + 25k/50k-line files, 3 rounds
    python bench/parse.py --files 200 --rounds 1 --skip-hadolint   # a quick look
    python bench/parse.py --json out.json     # also write every number as JSON

What is timed (see bench/README.md for the caveats):

* ``dflint``: ``dflint.syntax.parse_syntax`` in this process, on text decoded
  with ``dflint.source.decode_bytes``; and ``dflint.parse`` (the public API)
  when it exists;
* ``go``: ``dockerfile.parse_string`` (BuildKit's parser through a Go binding)
  in this process, on the same text decoded as UTF-8;
* ``hadolint``: the binary, which lints (parsing included, plus ShellCheck on
  every RUN), with ``--no-fail``, ``-f json`` and a config that ignores
  nothing; files are passed in batches, two batches run at once so both cores
  are used. It is timed twice: with the binary's own RTS settings (``-N5``:
  five Haskell capabilities on a 2-core machine) and with ``+RTS -N1`` per
  process, which is faster here.

File contents are read into memory before timing; in-process runs include the
decode. Every measurement is repeated ``--rounds`` times with the tools in a
rotated order, and the median is reported. The linearity verdict (exit status
1 on FAIL) compares dflint's median CPU time on the 50k and 25k-line files;
``--from-json FILE`` prints the report of a saved run again.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import gc
import json
import logging
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional

sys.path.insert(0, str(Path(__file__).resolve().parent))
import corpus  # noqa: E402  (bench/corpus.py, next to this file)

log = logging.getLogger("bench.parse")

LINEARITY_LIMIT = 2.2
HADOLINT_SAMPLE = 50
HADOLINT_TIMEOUT = 3600


@dataclass
class Doc:
    """One benchmark input, already in memory."""

    path: Path
    data: bytes
    lines: int


@dataclass
class Timing:
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)

    def add(self, wall: float, cpu: float) -> None:
        self.wall.append(wall)
        self.cpu.append(cpu)

    @property
    def median(self) -> float:
        return statistics.median(self.wall)

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu)


# -- tools ------------------------------------------------------------------------


def dflint_syntax_runner() -> Callable[[bytes], Any]:
    from dflint.source import decode_bytes
    from dflint.syntax import parse_syntax

    def run(data: bytes) -> Any:
        return parse_syntax(decode_bytes(data))

    return run


def dflint_api_runner() -> tuple[Optional[Callable[[bytes], Any]], str]:
    """``dflint.parse`` if it exists and accepts text, else ``(None, why)``."""
    try:
        import dflint

        # dflint.__getattr__ imports dflint.api lazily: a missing module raises
        # ImportError, not AttributeError, so hasattr() alone is not enough.
        parse = getattr(dflint, "parse", None)
    except Exception as exc:  # noqa: BLE001 - any failure means "not there yet"
        return None, f"dflint.parse unavailable ({type(exc).__name__}: {exc})"
    if not callable(parse):
        return None, "dflint has no parse()"
    from dflint.source import decode_bytes

    try:
        parse("FROM scratch\n")
    except Exception as exc:  # noqa: BLE001
        return None, f"dflint.parse(text) failed on a probe ({type(exc).__name__}: {exc})"

    def run(data: bytes) -> Any:
        return parse(decode_bytes(data))

    return run, "dflint.parse(text)"


def go_runner() -> Callable[[bytes], Any]:
    import dockerfile

    def run(data: bytes) -> Any:
        return dockerfile.parse_string(data.decode("utf-8"))

    return run


def time_in_process(run: Callable[[bytes], Any], docs: list[Doc], gc_off: bool = False) -> tuple[float, float]:
    gc.collect()
    if gc_off:
        gc.disable()
    try:
        c0, t0 = time.process_time(), time.perf_counter()
        for doc in docs:
            run(doc.data)
        return time.perf_counter() - t0, time.process_time() - c0
    finally:
        gc.enable()


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class Hadolint:
    """Runs the hadolint binary on batches of files."""

    def __init__(self, binary: str, workdir: Path, batch: int, jobs: int) -> None:
        self.binary = binary
        self.config = workdir / "hadolint.yaml"
        self.config.write_text("ignored: []\nfailure-threshold: none\n", encoding="utf-8")
        self.workdir = workdir
        self.batch = batch
        self.jobs = jobs
        # No HADOLINT_* variables: only the config file above applies.
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("HADOLINT_")}
        self.parse_failures: set[str] = set()
        self.findings: dict[str, int] = {}

    def command(self, paths: list[Path], rts: Optional[str]) -> list[str]:
        cmd = [self.binary, "--no-fail", "-c", str(self.config), "-f", "json", *map(str, paths)]
        return cmd + ["+RTS", rts, "-RTS"] if rts else cmd

    def _run(self, paths: list[Path], rts: Optional[str], check: bool = True) -> None:
        proc = subprocess.run(self.command(paths, rts), cwd=self.workdir, env=self.env,
                              capture_output=True, timeout=HADOLINT_TIMEOUT)
        if proc.returncode != 0:
            raise RuntimeError(f"hadolint exited {proc.returncode}: {proc.stderr[:500]!r}")
        if check:
            self._record(proc.stdout.decode("utf-8", "replace"))

    def _record(self, out: str) -> None:
        # One JSON array per file, concatenated.
        decoder = json.JSONDecoder()
        pos = 0
        while True:
            while pos < len(out) and out[pos].isspace():
                pos += 1
            if pos >= len(out):
                break
            items, pos = decoder.raw_decode(out, pos)
            if items:
                self.findings[items[0].get("file", "?")] = len(items)
            for item in items:
                if item.get("code") == "DL1000":
                    self.parse_failures.add(item.get("file", "?"))

    def time(self, docs: list[Doc], rts: Optional[str]) -> tuple[float, float]:
        """Wall and CPU seconds for linting ``docs`` (``jobs`` batches at a time).

        The output is read (a few milliseconds) to catch files hadolint cannot parse.
        """
        paths = [doc.path for doc in docs]
        batches = [paths[i:i + self.batch] for i in range(0, len(paths), self.batch)]
        c0, t0 = _children_cpu(), time.perf_counter()
        with concurrent.futures.ThreadPoolExecutor(max_workers=self.jobs) as pool:
            for future in [pool.submit(self._run, batch, rts) for batch in batches]:
                future.result()
        return time.perf_counter() - t0, _children_cpu() - c0

    def startup(self, docs: list[Doc], trivial_runs: int = 20) -> dict[str, float]:
        """Process start-up: a one-line file many times; and the sample one file per process."""
        tiny = self.workdir / "tiny.Dockerfile"
        tiny.write_text("FROM scratch\n", encoding="utf-8")
        trivial = []
        for _ in range(trivial_runs):
            t0 = time.perf_counter()
            self._run([tiny], None, False)
            trivial.append(time.perf_counter() - t0)
        single = []
        for doc in docs:
            t0 = time.perf_counter()
            self._run([doc.path], None, False)
            single.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        self._run([doc.path for doc in docs], None, False)
        batched = time.perf_counter() - t0
        return {
            "files": len(docs),
            "one_line_file_median_s": statistics.median(trivial),
            "per_file_single_process_s": statistics.mean(single),
            "per_file_in_one_batch_s": batched / len(docs),
        }


def hadolint_version(binary: str) -> str:
    out = subprocess.run([binary, "--version"], capture_output=True, text=True, check=True).stdout
    return out.strip()


# -- memory and start-up, in fresh processes ------------------------------------------

_MEMORY_SNIPPET = r"""
import json, resource, sys, tracemalloc
kind, path, trace = sys.argv[1], sys.argv[2], sys.argv[3] == "1"

def hwm_kib():
    # VmHWM belongs to this process's own address space; ru_maxrss would also
    # count the parent's resident set inherited at fork.
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

if kind == "dflint":
    from dflint.source import decode_bytes
    from dflint.syntax import parse_syntax
    parse_syntax("FROM scratch\n")
    run = lambda data: parse_syntax(decode_bytes(data))
else:
    import dockerfile
    dockerfile.parse_string("FROM scratch\n")
    run = lambda data: dockerfile.parse_string(data.decode("utf-8"))
data = open(path, "rb").read()
base = hwm_kib()
if trace:
    tracemalloc.start()
result = run(data)
out = {"baseline_maxrss_kib": base, "maxrss_kib": hwm_kib()}
if trace:
    current, peak = tracemalloc.get_traced_memory()
    out.update(tracemalloc_peak_bytes=peak, tracemalloc_retained_bytes=current)
print(json.dumps(out))
"""

_CHILD_RSS_SNIPPET = r"""
import json, resource, subprocess, sys
subprocess.run(sys.argv[1:], capture_output=True, check=False)
print(json.dumps({"maxrss_kib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))
"""


def _python_json(code: str, *args: str) -> dict[str, Any]:
    proc = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def memory(path: Path, hadolint: Optional[Hadolint]) -> dict[str, Any]:
    """Peak memory of each parser on one file, each in a fresh process."""
    result: dict[str, Any] = {}
    for kind in ("dflint", "go"):
        rss = _python_json(_MEMORY_SNIPPET, kind, str(path), "0")
        traced = _python_json(_MEMORY_SNIPPET, kind, str(path), "1")
        result[kind] = {
            "maxrss_mib": rss["maxrss_kib"] / 1024,
            "maxrss_growth_mib": (rss["maxrss_kib"] - rss["baseline_maxrss_kib"]) / 1024,
            "tracemalloc_peak_mib": traced["tracemalloc_peak_bytes"] / 2**20,
            "tracemalloc_retained_mib": traced["tracemalloc_retained_bytes"] / 2**20,
        }
    if hadolint is not None:
        child = _python_json(_CHILD_RSS_SNIPPET, *hadolint.command([path], None))
        result["hadolint"] = {"maxrss_mib": child["maxrss_kib"] / 1024}
    return result


def cold_start() -> dict[str, float]:
    """Seconds for a fresh interpreter to import dflint's parser and parse one line."""
    def once(code: str) -> float:
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        return time.perf_counter() - t0

    python = statistics.median(once("pass") for _ in range(3))
    dflint = statistics.median(
        once("from dflint.syntax import parse_syntax; parse_syntax('FROM scratch\\n')") for _ in range(3))
    return {"python_s": python, "dflint_import_and_first_parse_s": dflint, "dflint_extra_s": dflint - python}


# -- the run --------------------------------------------------------------------------


def load(paths: list[Path]) -> list[Doc]:
    docs = []
    for path in paths:
        data = path.read_bytes()
        lines = data.count(b"\n") + (0 if data.endswith(b"\n") or not data else 1)
        docs.append(Doc(path, data, lines))
    return docs


def sanity(docs: list[Doc], dflint_run: Callable[[bytes], Any], go_run: Callable[[bytes], Any]) -> dict[str, Any]:
    """Untimed: dflint finds no errors and as many instructions as BuildKit."""
    errors, mismatched = [], []
    for doc in docs:
        tree = dflint_run(doc.data)
        if tree.errors:
            errors.append(doc.path.name)
        if len(tree.instructions) != len(go_run(doc.data)):
            mismatched.append(doc.path.name)
    return {"files": len(docs), "dflint_files_with_errors": errors, "instruction_count_mismatch": mismatched}


def git_commit(repo: Path) -> str:
    try:
        return subprocess.run(["git", "-C", str(repo), "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def run(args: argparse.Namespace) -> dict[str, Any]:
    load_start = os.getloadavg()
    manifest = corpus.ensure(args.corpus)
    small_paths = sorted((args.corpus / "files").glob("*.Dockerfile"))
    if args.files is not None:
        small_paths = small_paths[: args.files]
    sets = {
        "files": load(small_paths),
        "25k": load([args.corpus / "large-25k.Dockerfile"]),
        "50k": load([args.corpus / "large-50k.Dockerfile"]),
    }

    tools: dict[str, Callable[[list[Doc]], tuple[float, float]]] = {}
    notes: list[str] = []
    syntax_run = dflint_syntax_runner()
    go_run = go_runner()
    tools["dflint parse_syntax"] = lambda docs: time_in_process(syntax_run, docs)
    # Diagnostic: the same without CPython's cyclic GC, whose full collections
    # walk the whole growing tree (see README).
    tools["dflint, gc off"] = lambda docs: time_in_process(syntax_run, docs, gc_off=True)
    api_run, api_note = dflint_api_runner()
    if api_run is not None:
        tools["dflint.parse"] = lambda docs: time_in_process(api_run, docs)
    notes.append(api_note)
    tools["go (BuildKit)"] = lambda docs: time_in_process(go_run, docs)

    hadolint: Optional[Hadolint] = None
    workdir = Path(tempfile.mkdtemp(prefix="dflint-bench-"))
    binary = shutil.which("hadolint")
    if not args.skip_hadolint:
        if binary is None:
            notes.append("hadolint not on PATH: skipped")
        else:
            hadolint = Hadolint(binary, workdir, args.batch, args.jobs)
            h = hadolint
            tools["hadolint"] = lambda docs: h.time(docs, None)
            tools["hadolint +RTS -N1"] = lambda docs: h.time(docs, "-N1")
            notes.append(
                f"hadolint: batches of {args.batch} files, {args.jobs} batches at once "
                f"(machine has {os.cpu_count()} CPUs); 'hadolint' keeps the binary's RTS default "
                f"(-N5, parallel inside one process), 'hadolint +RTS -N1' runs each process on one capability")

    log.info("sanity check (untimed, also warms up) on %d + 2 files", len(sets["files"]))
    check = sanity(sets["files"] + sets["25k"] + sets["50k"], syntax_run, go_run)
    if api_run is not None:
        messages: dict[str, int] = {}
        for doc in sets["files"] + sets["50k"]:
            for error in api_run(doc.data).errors:
                messages[error.message] = messages.get(error.message, 0) + 1
        check["dflint_parse_error_messages"] = messages

    timings: dict[str, dict[str, Timing]] = {name: {s: Timing() for s in sets} for name in tools}
    startup: list[dict[str, float]] = []
    names = list(tools)
    for round_no in range(args.rounds):
        order = names[round_no % len(names):] + names[: round_no % len(names)]
        for name in order:
            for set_name, docs in sets.items():
                wall, cpu = tools[name](docs)
                timings[name][set_name].add(wall, cpu)
                log.info("round %d  %-20s %-6s %8.3f s (cpu %.3f)", round_no + 1, name, set_name, wall, cpu)
        if hadolint is not None:
            sample = sets["files"][:: max(1, len(sets["files"]) // HADOLINT_SAMPLE)][:HADOLINT_SAMPLE]
            startup.append(hadolint.startup(sample))

    if hadolint is not None:
        check["hadolint_parse_failures"] = sorted(hadolint.parse_failures)
        check["hadolint_findings"] = sum(hadolint.findings.values())
    log.info("memory (fresh processes)")
    mem = memory(args.corpus / "large-50k.Dockerfile", hadolint)
    cold = cold_start()
    shutil.rmtree(workdir, ignore_errors=True)

    return summarize(args, manifest, sets, timings, startup, mem, cold, check, notes,
                     hadolint_version(binary) if hadolint is not None and binary else None, load_start)


def summarize(args: argparse.Namespace, manifest: dict, sets: dict[str, list[Doc]],
              timings: dict[str, dict[str, Timing]], startup: list[dict[str, float]],
              mem: dict[str, Any], cold: dict[str, float], check: dict[str, Any], notes: list[str],
              hadolint_ver: Optional[str], load_start: tuple[float, float, float]) -> dict[str, Any]:
    sizes = {s: {"files": len(d), "lines": sum(x.lines for x in d), "bytes": sum(len(x.data) for x in d)}
             for s, d in sets.items()}
    tools: dict[str, Any] = {}
    for name, per_set in timings.items():
        entry: dict[str, Any] = {}
        for set_name, timing in per_set.items():
            sec = timing.median
            entry[set_name] = {
                "seconds": sec, "cpu_seconds": timing.cpu_median, "rounds": timing.wall,
                "files_per_s": sizes[set_name]["files"] / sec, "lines_per_s": sizes[set_name]["lines"] / sec,
            }
        entry["linearity_50k_over_25k"] = entry["50k"]["seconds"] / entry["25k"]["seconds"]
        entry["linearity_cpu_50k_over_25k"] = entry["50k"]["cpu_seconds"] / entry["25k"]["cpu_seconds"]
        tools[name] = entry

    def ratio(a: str, b: str, set_name: str, key: str = "seconds") -> Optional[float]:
        if a not in tools or b not in tools:
            return None
        return tools[a][set_name][key] / tools[b][set_name][key]

    ratios: dict[str, Optional[float]] = {}
    cpu_ratios: dict[str, Optional[float]] = {}
    dflint_names = [n for n in tools if n.startswith("dflint") and "gc off" not in n]
    hadolint_names = [n for n in tools if n.startswith("hadolint")]
    for d in dflint_names:
        for set_name in ("files", "50k"):
            for other in ["go (BuildKit)", *hadolint_names]:
                ratios[f"{d} / {other} [{set_name}]"] = ratio(d, other, set_name)
                cpu_ratios[f"{d} / {other} [{set_name}]"] = ratio(d, other, set_name, "cpu_seconds")
    startup_summary = ({k: statistics.median(s[k] for s in startup) for k in startup[0]} if startup else None)
    return {
        "environment": {
            "python": platform.python_version(), "platform": platform.platform(),
            "cpus": os.cpu_count(), "dflint_commit": git_commit(Path(__file__).resolve().parent.parent),
            "hadolint": hadolint_ver, "dockerfile_package": _package_version("dockerfile"),
            "lark": _package_version("lark"),
            "load_average_start": load_start, "load_average_end": os.getloadavg(),
        },
        "corpus": {"dir": str(args.corpus), "seed": manifest["seed"], "sha256": manifest["sha256"],
                   "generator_version": manifest["generator_version"]},
        "rounds": args.rounds, "sizes": sizes, "tools": tools, "ratios": ratios, "cpu_ratios": cpu_ratios,
        "linearity": linearity(tools),
        "memory_50k": mem, "dflint_cold_start": cold, "hadolint_startup": startup_summary,
        "sanity": check, "notes": notes,
    }


def linearity(tools: dict[str, Any]) -> dict[str, Any]:
    """The verdict: dflint's median CPU time on the 50k file over the 25k file.

    CPU time rather than wall clock: both runs are single-threaded in this
    process, and on a shared 2-core machine the wall-clock ratio mostly
    measures what other processes did meanwhile. Both are reported.
    """
    entry = tools["dflint parse_syntax"]
    cpu = entry["linearity_cpu_50k_over_25k"]
    return {"tool": "dflint parse_syntax", "measure": "cpu", "cpu_ratio": cpu,
            "wall_ratio": entry["linearity_50k_over_25k"], "limit": LINEARITY_LIMIT,
            "pass": cpu <= LINEARITY_LIMIT,
            "gc_off_cpu_ratio": tools.get("dflint, gc off", {}).get("linearity_cpu_50k_over_25k")}


def _package_version(name: str) -> Optional[str]:
    from importlib import metadata

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


# -- report ---------------------------------------------------------------------------


def render(result: dict[str, Any]) -> str:
    sizes = result["sizes"]
    env = result["environment"]
    out = [
        f"dflint parser benchmark  (median of {result['rounds']} round(s); dflint {env['dflint_commit']}, "
        f"Python {env['python']}, {env['cpus']} CPUs, {env['hadolint'] or 'no hadolint'}, "
        f"dockerfile {env['dockerfile_package']}, lark {env['lark']})",
        "load average (1/5/15 min) at start {:.2f} {:.2f} {:.2f}, at end {:.2f} {:.2f} {:.2f}".format(
            *env["load_average_start"], *env["load_average_end"]),
        f"corpus {result['corpus']['dir']} seed {result['corpus']['seed']} sha256 {result['corpus']['sha256'][:12]}",
        f"  files set: {sizes['files']['files']} files, {sizes['files']['lines']:,} lines, "
        f"{sizes['files']['bytes']:,} bytes;  large: {sizes['50k']['lines']:,} and {sizes['25k']['lines']:,} lines",
        "",
    ]
    header = (f"{'tool':<20} | {'files: s':>9} {'cpu s':>8} {'files/s':>9} {'lines/s':>10} | "
              f"{'50k: s':>8} {'lines/s':>10} | {'25k: s':>8} | {'50k/25k':>7} {'(cpu)':>6}")
    out += [header, "-" * len(header)]
    for name, t in result["tools"].items():
        f, big, half = t["files"], t["50k"], t["25k"]
        out.append(f"{name:<20} | {f['seconds']:9.3f} {f['cpu_seconds']:8.3f} {f['files_per_s']:9.1f} "
                   f"{f['lines_per_s']:10,.0f} | {big['seconds']:8.3f} {big['lines_per_s']:10,.0f} | "
                   f"{half['seconds']:8.3f} | {t['linearity_50k_over_25k']:7.3f} {t['linearity_cpu_50k_over_25k']:6.3f}")
    out += ["", f"{'ratios (> 1: dflint is slower)':<55} {'wall':>9} {'cpu':>9}"]
    cpu_ratios = result.get("cpu_ratios", {})
    for key, value in result["ratios"].items():
        cpu = cpu_ratios.get(key)
        out.append(f"  {key:<53} " + (f"{value:8.3f}x" if value is not None else "     n/a ")
                   + (f" {cpu:8.3f}x" if cpu is not None else ""))
    lin = result["linearity"]
    gc_off = lin.get("gc_off_cpu_ratio")
    out += ["", f"linearity: {lin['tool']} CPU time(50k) / time(25k) = {lin['cpu_ratio']:.3f} "
                f"(limit {lin['limit']}): {'PASS' if lin['pass'] else 'FAIL'}  "
                f"[wall-clock ratio {lin['wall_ratio']:.3f}"
                + (f"; CPU ratio with GC off {gc_off:.3f}]" if gc_off is not None else "]")]
    out += ["", "peak memory on the 50k-line file (fresh process each):"]
    for name, m in result["memory_50k"].items():
        parts = [f"maxrss {m['maxrss_mib']:.1f} MiB"]
        if "maxrss_growth_mib" in m:
            parts += [f"growth over import {m['maxrss_growth_mib']:.1f} MiB",
                      f"tracemalloc peak {m['tracemalloc_peak_mib']:.1f} MiB",
                      f"retained (tree) {m['tracemalloc_retained_mib']:.1f} MiB"]
        out.append(f"  {name:<8} " + ", ".join(parts))
    cold = result["dflint_cold_start"]
    out += ["", f"dflint cold start: python alone {cold['python_s']:.3f} s, import + first parse "
                f"{cold['dflint_import_and_first_parse_s']:.3f} s (+{cold['dflint_extra_s']:.3f} s)"]
    hs = result["hadolint_startup"]
    if hs:
        out.append(f"hadolint start-up: {hs['one_line_file_median_s'] * 1000:.1f} ms per process (median, "
                   f"a one-line file); {hs['files']:.0f} sample files one process each: "
                   f"{hs['per_file_single_process_s'] * 1000:.1f} ms/file, the same in one invocation: "
                   f"{hs['per_file_in_one_batch_s'] * 1000:.1f} ms/file")
    s = result["sanity"]
    out += ["", f"sanity (untimed): dflint errors in {len(s['dflint_files_with_errors'])} file(s); instruction "
                f"counts differ from BuildKit in {len(s['instruction_count_mismatch'])} of {s['files']} file(s)"
                + (f"; hadolint parse failures (DL1000) in {len(s['hadolint_parse_failures'])} file(s)"
                   if "hadolint_parse_failures" in s else "")]
    if s.get("dflint_parse_error_messages"):
        found = sorted(s["dflint_parse_error_messages"].items(), key=lambda kv: -kv[1])
        out.append("dflint.parse (with instruction checks) reports: "
                   + "; ".join(f"{count}x {message!r}" for message, count in found[:5]))
    out += [f"note: {n}" for n in result["notes"]]
    return "\n".join(out)


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="Time dflint's parser against BuildKit's and hadolint.")
    parser.add_argument("--rounds", type=int, default=3, help="repetitions; the median is reported (default 3)")
    parser.add_argument("--files", type=int, default=None, metavar="N", help="use only the first N small files")
    parser.add_argument("--corpus", type=Path, default=corpus.DEFAULT_OUT,
                        help="corpus directory, generated when missing (default: %(default)s)")
    parser.add_argument("--skip-hadolint", action="store_true", help="do not run hadolint")
    parser.add_argument("--batch", type=int, default=200, help="files per hadolint invocation (default 200)")
    parser.add_argument("--jobs", type=int, default=2, help="hadolint invocations at once (default 2)")
    parser.add_argument("--json", type=Path, default=None, metavar="OUT", help="write the results as JSON")
    parser.add_argument("--from-json", type=Path, default=None, metavar="IN",
                        help="print the report of a saved run instead of running")
    args = parser.parse_args(argv)
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    if args.from_json:
        result = json.loads(args.from_json.read_text(encoding="utf-8"))
        result["linearity"] = linearity(result["tools"])
    else:
        result = run(args)
    print(render(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
        log.info("wrote %s", args.json)
    return 0 if result["linearity"]["pass"] else 1


if __name__ == "__main__":
    sys.exit(main())
