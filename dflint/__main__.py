"""``python -m dflint``."""

from .cli import run

run()
