"""Linting many files on several processes (each worker keeps its own linter)."""

from __future__ import annotations

import multiprocessing
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from typing import TYPE_CHECKING, Callable, Optional, Sequence

if TYPE_CHECKING:  # pragma: no cover
    from .config import Config
    from .linter import FileResult, Linter

_LINTER: "Optional[Linter]" = None
_CONFIGS: "list[Config]" = []
_FIX = (False, False, False)  # fix, unsafe fixes, diff
_RENDER: "Optional[Callable[[FileResult], str]]" = None


def _init(linter: "Optional[Linter]", configs: "list[Config]", fix: tuple[bool, bool, bool],
          render: "Optional[Callable[[FileResult], str]]") -> None:
    global _LINTER, _CONFIGS, _FIX, _RENDER
    if linter is None:  # spawned worker: load the rules again
        from .startup_cache import startup_cache

        with startup_cache():
            from .linter import Linter
            from .registry import installed

            linter = Linter(installed()[0])
    _LINTER, _CONFIGS, _FIX, _RENDER = linter, configs, fix, render


def _lint(job: tuple[str, int]) -> "FileResult":
    from .linter import rendered

    path, config = job
    assert _LINTER is not None
    return rendered(_LINTER.lint_path(path, _CONFIGS[config], *_FIX), _RENDER)


def run_parallel(linter: "Linter", jobs: "Sequence[tuple[str, Config]]", fix: bool, unsafe_fixes: bool,
                 workers: int, diff: bool = False,
                 render: "Optional[Callable[[FileResult], str]]" = None) -> "list[FileResult]":
    configs: list = []
    index: dict[int, int] = {}
    work = []
    for path, config in jobs:
        if id(config) not in index:
            index[id(config)] = len(configs)
            configs.append(config)
        work.append((path, index[id(config)]))
    method = start_method()
    context = multiprocessing.get_context(method)
    # With fork the workers inherit the loaded rules; spawned ones load them again.
    init_args = (linter if method == "fork" else None, configs, (fix, unsafe_fixes, diff), render)
    # Biggest files first, in small chunks: the last chunks are small files, so the workers finish
    # together (big chunks in file order left a core idle for up to a chunk's time at the end).
    order = sorted(range(len(work)), key=lambda i: -_size(work[i][0]))
    chunk = max(1, len(work) // (workers * 32))
    results: "list[Optional[FileResult]]" = [None] * len(work)
    with ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_init, initargs=init_args) as pool:
        for i, result in zip(order, pool.map(_lint, [work[i] for i in order], chunksize=chunk)):
            results[i] = result
    return results  # type: ignore[return-value]


def start_method() -> str:
    """fork where it is safe and the default (Linux); elsewhere spawn, as Python itself chooses."""
    return "fork" if sys.platform.startswith("linux") else "spawn"


def _size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except OSError:  # reported by the worker that reads it
        return 0
