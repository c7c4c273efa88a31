"""Profiles the whole linter on the benchmark corpus: where a lint's time goes, rule by rule.

Run by hand::

    python bench/profile_lint.py                      # cProfile: time per rule, then the costliest functions
    python bench/profile_lint.py --rules-only         # Dockerfile and shell parsing memoised: rules and model only
    python bench/profile_lint.py --pyinstrument       # a call tree (pip install pyinstrument)
    python bench/profile_lint.py --parts              # wall time: parsing, rules, linter overhead (no profiler)

Every file is linted once before profiling, so that regexes are compiled and
modules imported as in a long run. A rule's time includes the shared facts it
asks for first (the build model, shell scripts, a RUN's steps): the first rule
to need them pays for all; ``--rules-only`` takes the parsers out of that.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from pathlib import Path
from typing import Callable, Optional

sys.path.insert(0, str(Path(__file__).resolve().parent))
import corpus  # noqa: E402
from profile_parse import call_tree, profiled  # noqa: E402


def _texts(corpus_dir: Path, files: int) -> list[tuple[str, str]]:
    from dflint.source import decode_bytes

    corpus.ensure(corpus_dir)
    paths = sorted((corpus_dir / "files").glob("*.Dockerfile"))[:files]
    return [(str(p), decode_bytes(p.read_bytes())) for p in paths]


def _memoise_parsers() -> None:
    """Parse each file and shell script once: later passes spend their time in the rules and model only."""
    import dflint.api
    import dflint.shell

    trees: dict = {}
    parse = dflint.api.parse

    def parse_once(text, path=None):
        key = (path, text)
        if key not in trees:
            trees[key] = parse(text, path)
        return trees[key]

    scripts: dict = {}
    scripts_for = dflint.shell.scripts_for

    def scripts_once(node, shell=("/bin/sh", "-c")):
        key = (id(node), tuple(shell))  # the memoised trees keep every node alive: ids stay unique
        if key not in scripts:
            scripts[key] = scripts_for(node, shell)
        return scripts[key]

    dflint.api.parse = parse_once
    dflint.shell.scripts_for = scripts_once


def _linter() -> Callable[[list[tuple[str, str]]], None]:
    from dflint.config import default_config
    from dflint.linter import Linter
    from dflint.registry import installed

    rules = installed()[0]
    linter, config = Linter(rules), default_config(rules)

    def run(texts: list[tuple[str, str]]) -> None:
        for path, text in texts:
            linter.check(text, path, config)

    return run


def _best(run: Callable[[], None], rounds: int = 3) -> float:
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best


def parts(texts: list[tuple[str, str]]) -> None:
    """Wall time of the whole lint, without the rules' checks, and without parsing either."""
    from dflint.registry import installed

    run = _linter()
    run(texts)
    gc.collect()
    gc.freeze()
    whole = _best(lambda: run(texts))
    for rule in installed()[0].rules:
        rule.check = lambda self, ctx: ()  # type: ignore[method-assign]
    no_rules = _best(lambda: run(texts))
    _memoise_parsers()
    run(texts)
    overhead = _best(lambda: run(texts))
    print(f"{len(texts)} files, best of 3: whole lint {whole:.2f} s; Dockerfile parsing {no_rules - overhead:.2f} s "
          f"({100 * (no_rules - overhead) / whole:.0f}%), rules with their model and shell parsing "
          f"{whole - no_rules:.2f} s ({100 * (whole - no_rules) / whole:.0f}%), linter overhead {overhead:.2f} s")


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="Profile the whole linter on the benchmark corpus.")
    parser.add_argument("--corpus", type=Path, default=corpus.DEFAULT_OUT)
    parser.add_argument("--files", type=int, default=500, metavar="N")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--rules-only", action="store_true", help="memoise Dockerfile and shell parsing")
    parser.add_argument("--pyinstrument", action="store_true", help="print a pyinstrument call tree instead")
    parser.add_argument("--parts", action="store_true", help="time parsing, rules and overhead (no profiler)")
    parser.add_argument("--out", type=Path, default=None, help="save the cProfile stats (.prof) here")
    args = parser.parse_args(argv)
    texts = _texts(args.corpus, args.files)
    if args.parts:
        parts(texts)
        return 0
    if args.rules_only:
        _memoise_parsers()
    run = _linter()
    run(texts)  # compiled regexes, imported modules, memoised parses: as in a long run
    gc.collect()
    gc.freeze()

    if args.pyinstrument:
        print(call_tree(lambda: run(texts)))
        return 0

    stats = profiled(lambda: run(texts), args.out)
    total = stats.total_tt
    print(f"cProfile: {len(texts)} files, {total:.2f} s profiled (profiling inflates small functions)\n")
    per_rule = sorted(((cumtime, filename.rsplit("/", 1)[-1]) for (filename, _line, name), (_cc, _calls, _tt, cumtime, _c)
                       in stats.stats.items() if name == "check" and "/rules/" in filename), reverse=True)
    print(f"{'cum s':>7} {'cum %':>6}  rule (with the shared facts it asked for first)")
    for cumtime, module in per_rule[: args.top]:
        print(f"{cumtime:7.2f} {100 * cumtime / total:6.1f}  {module}")
    print(f"\n{'own s':>7} {'own %':>6} {'calls':>10}  function")
    rows = sorted(stats.stats.items(), key=lambda kv: kv[1][2], reverse=True)
    for (filename, line, name), (_cc, calls, tottime, _cumtime, _callers) in rows[: args.top]:
        short = filename.split("site-packages/")[-1].split("/dflint/", 1)[-1]
        print(f"{tottime:7.3f} {100 * tottime / total:6.1f} {calls:10d}  {short}:{line}({name})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
