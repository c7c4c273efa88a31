"""Pausing Python's cyclic garbage collector around work that makes long-lived objects and no cycles."""

from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Iterator


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic collection inside the block; nests, and leaves a collector paused by the caller paused.

    Parsing and linting allocate hundreds of thousands of tracked objects
    (trees, models, results) that hold no reference cycles: collections in
    the middle only walk them again and again, and make the time grow faster
    than the input. Reference counting frees them all the same.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()
