"""The `transferkit` command line: thin commands built from the settings records; heavy libraries are imported by the
command that runs, never to show --help or refuse a bad option."""

from __future__ import annotations

import sys

import typer.rich_utils

from ..console import output_width
from . import run_commands, plan_commands, compare_commands, network_commands, use_commands  # noqa: F401 I001 - each registers its commands, in the order --help lists them
from .app import app, close_processes


def main() -> None:
    typer.rich_utils.MAX_WIDTH = output_width(sys.stdout)  # --help piped or redirected: wide, not cut at 80
    try:
        app(prog_name="transferkit")
    except SystemExit as done:
        if done.code in (0, None):  # (a failed process ends the launch: the others are stopped, not waited for)
            close_processes()
        raise
    close_processes()


__all__ = ["app", "main"]
