"""Errors as users see them: a TransferkitError is one line on stderr and exit code 2 (no traceback); Ctrl-C is
"interrupted" and exit code 130."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import typer
from rich.markup import escape

from ..console import console
from ..errors import Interrupted, TransferkitError, one_line


def user_errors(fn: Callable) -> Callable:
    """Turn TransferkitError into one line on stderr and exit code 2 (no traceback)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except TransferkitError as exc:
            console.print(f"[bold red]error:[/] {escape(one_line(exc))}", highlight=False, soft_wrap=True)
            raise typer.Exit(2) from None
        except KeyboardInterrupt as exc:
            said = f" {escape(str(exc))}" if isinstance(exc, Interrupted) else ""
            console.print(f"[bold red]interrupted:[/]{said}" if said else "[bold red]interrupted[/]", highlight=False,
                          soft_wrap=True)
            raise typer.Exit(130) from None

    return wrapper
