"""Profiles dflint's parser on the benchmark corpus, to find where the time goes.

Run by hand::

    python bench/profile_parse.py                 # cProfile over the 2,000 files
    python bench/profile_parse.py --large         # the 50k-line file instead
    python bench/profile_parse.py --pyinstrument  # a call tree (pip install pyinstrument)

Prints the functions with the most own time, then the time per area (lark's
parser and lexer, dflint's scanner, builder, AST helpers, ...), then CPython's
garbage collector's share, measured with ``gc.callbacks`` in a separate run.
(Named ``profile_parse`` because a ``profile.py`` here would shadow the
standard module that cProfile imports.)
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import logging
import pstats
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Callable, Optional

REPO = str(Path(__file__).resolve().parent.parent)  # shortens paths in the report

sys.path.insert(0, str(Path(__file__).resolve().parent))
import corpus  # noqa: E402

log = logging.getLogger("bench.profile")

AREAS = (
    ("lark/parsers", "lark: LALR parser"),
    ("lark/lexer", "lark: lexer"),
    ("lark/", "lark: other (tree, frontends)"),
    ("dflint/syntax/scanner", "dflint: scanner (lines, continuations)"),
    ("dflint/syntax/builder", "dflint: builder (tokens -> nodes)"),
    ("dflint/syntax/parser", "dflint: file parser (events, heredocs, partition)"),
    ("dflint/syntax/heredocs", "dflint: heredoc markers"),
    ("dflint/syntax/mounts", "dflint: --mount CSV"),
    ("dflint/expansion", "dflint: shell-word lexer (expansion.py)"),
    ("dflint/ast", "dflint: ast helpers (span_in, position_in)"),
    ("dflint/source", "dflint: source (LineIndex)"),
    ("<string>", "dataclass __init__ / namedtuple __new__ (generated code)"),
    ("~", "builtins (str, re, list, dict, object creation)"),
)


def area_of(filename: str) -> str:
    for needle, name in AREAS:
        if needle in filename:
            return name
    return "other"


def load_texts(corpus_dir: Path, large: bool, files: Optional[int]) -> list[str]:
    from dflint.source import decode_bytes

    corpus.ensure(corpus_dir)
    if large:
        paths = [corpus_dir / "large-50k.Dockerfile"]
    else:
        paths = sorted((corpus_dir / "files").glob("*.Dockerfile"))[:files]
    return [decode_bytes(p.read_bytes()) for p in paths]


def gc_share(texts: list[str]) -> tuple[float, float, dict[int, int]]:
    """Total parse seconds and the seconds spent in collections, per generation counts."""
    from dflint.syntax import parse_syntax

    spent = [0.0]
    started = [0.0]
    counts: dict[int, int] = defaultdict(int)

    def callback(phase: str, info: dict) -> None:
        if phase == "start":
            started[0] = time.perf_counter()
        else:
            spent[0] += time.perf_counter() - started[0]
            counts[info["generation"]] += 1

    gc.collect()
    gc.callbacks.append(callback)
    try:
        t0 = time.perf_counter()
        for text in texts:
            parse_syntax(text)
        total = time.perf_counter() - t0
    finally:
        gc.callbacks.remove(callback)
    return total, spent[0], dict(counts)


def call_tree(run: Callable[[], None]) -> str:
    """pyinstrument's call tree of ``run()`` (pip install pyinstrument)."""
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.0005)
    profiler.start()
    run()
    profiler.stop()
    return profiler.output_text(unicode=True, color=False, show_all=False)


def profiled(run: Callable[[], None], out: Optional[Path] = None) -> pstats.Stats:
    """cProfile's statistics of ``run()``, also saved to ``out`` (a .prof file) when given."""
    profile = cProfile.Profile()
    profile.enable()
    run()
    profile.disable()
    if out:
        profile.dump_stats(str(out))
    return pstats.Stats(profile)


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="Profile dflint's parser on the benchmark corpus.")
    parser.add_argument("--corpus", type=Path, default=corpus.DEFAULT_OUT)
    parser.add_argument("--large", action="store_true", help="profile the 50k-line file")
    parser.add_argument("--files", type=int, default=None, metavar="N")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--pyinstrument", action="store_true", help="print a pyinstrument call tree instead")
    parser.add_argument("--out", type=Path, default=None, help="save the cProfile stats (.prof) here")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    from dflint.syntax import parse_syntax

    texts = load_texts(args.corpus, args.large, args.files)
    parse_syntax("FROM scratch\n")  # grammar loaded before profiling

    def run() -> None:
        for text in texts:
            parse_syntax(text)

    if args.pyinstrument:
        print(call_tree(run))
        return 0

    stats = profiled(run, args.out)
    total = stats.total_tt
    print(f"cProfile: {len(texts)} file(s), {sum(t.count(chr(10)) for t in texts):,} lines, "
          f"{total:.3f} s profiled (profiling inflates small functions)\n")
    rows = sorted(stats.stats.items(), key=lambda kv: kv[1][2], reverse=True)
    print(f"{'own s':>7} {'own %':>6} {'cum %':>6} {'calls':>10}  function")
    for (filename, line, name), (_cc, calls, tottime, cumtime, _callers) in rows[: args.top]:
        short = filename.split("site-packages/")[-1].split(f"{REPO}/")[-1]
        print(f"{tottime:7.3f} {100 * tottime / total:6.1f} {100 * cumtime / total:6.1f} {calls:10d}  "
              f"{name} ({short}:{line})")
    areas: dict[str, float] = defaultdict(float)
    for (filename, _line, _name), (_cc, _calls, tottime, _cum, _callers) in stats.stats.items():
        areas[area_of(filename)] += tottime
    print("\nown time per area:")
    for name, seconds in sorted(areas.items(), key=lambda kv: -kv[1]):
        print(f"  {100 * seconds / total:5.1f}%  {name}")

    total_s, gc_s, counts = gc_share(texts)
    print(f"\nwithout the profiler: {total_s:.3f} s, of which cyclic GC {gc_s:.3f} s "
          f"({100 * gc_s / total_s:.1f}%; collections per generation {counts})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
