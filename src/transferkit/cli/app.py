"""The `transferkit` typer app and its set-up: output width, logging, and quiet non-main processes."""

from __future__ import annotations

import logging
import os
import sys

import typer
from rich.markup import escape
from typer.core import TyperGroup

from ..console import console, fit_to_output, log_handler, results


class OneLineErrors(TyperGroup):
    """A command line whose usage errors (an unknown option, a missing one) are one line on stderr, with the command
    whose --help lists the options, and exit code 2; like every other bad input."""

    def main(self, *args, standalone_mode: bool = True, **kwargs):
        if not standalone_mode:
            return super().main(*args, standalone_mode=False, **kwargs)
        try:
            code = super().main(*args, standalone_mode=False, **kwargs)
        except typer.TyperException as exc:  # typer's own copy of click's exceptions
            if type(exc).__name__ == "NoArgsIsHelpError":  # no arguments: the help, as typer shows it
                typer.rich_utils.rich_format_error(exc)
                sys.exit(exc.exit_code)
            where = getattr(exc, "ctx", None)
            hint = f"; see '{where.command_path} --help'" if where is not None else ""
            console.print(f"[bold red]error:[/] {escape(exc.format_message().rstrip('.'))}{hint}.", highlight=False,
                          soft_wrap=True)
            sys.exit(exc.exit_code)
        except typer.Abort:
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)


app = typer.Typer(
    cls=OneLineErrors,
    help="Transfer learning with PyTorch: pretrain, adapt with any recipe, and record exactly what was done.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def launched_rank() -> int:
    """This process's rank as a launcher (accelerate launch, torchrun) set it; 0 when not launched as several."""
    value = os.environ.get("RANK", "0")
    return int(value) if value.isdigit() else 0


@app.callback()
def _setup(quiet: bool = typer.Option(False, "--quiet", "-q", help="Only warnings and errors.")) -> None:
    fit_to_output()
    if launched_rank() != 0:  # one of several processes (accelerate launch): the main process reports
        quiet, results.quiet = True, True
        os.environ["TRANSFERKIT_PROGRESS"] = "0"
    logging.basicConfig(level=logging.WARNING if quiet else logging.INFO, handlers=[log_handler()], force=True)
    for noisy in ("timm", "accelerate", "PIL", "matplotlib"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def close_processes() -> None:
    """Leave the process group of a multi-process run (only when a command started one)."""
    if "transferkit.engine" in sys.modules:
        from ..engine import close_processes as close

        close()
