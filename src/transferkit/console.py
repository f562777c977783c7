"""The shared rich console, progress bars and the 'transferkit' logger."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Iterator
from typing import TypeVar

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

T = TypeVar("T")

console = Console(stderr=True)  # progress, logs and errors
results = Console()  # tables and results, on stdout
logger = logging.getLogger("transferkit")


def progress_enabled(requested: bool = True) -> bool:
    """Progress bars show unless turned off by the caller or TRANSFERKIT_PROGRESS=0."""
    return requested and os.environ.get("TRANSFERKIT_PROGRESS", "1") != "0"


def make_progress(transient: bool = True) -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[info]}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=transient,
    )


def track(items: Iterable[T], total: int, description: str, enabled: bool = True) -> Iterator[T]:
    """Iterate with a progress bar (when enabled and the work is not trivially short)."""
    if not progress_enabled(enabled) or total < 2:
        yield from items
        return
    with make_progress() as progress:
        task = progress.add_task(description, total=total, info="")
        for item in items:
            yield item
            progress.advance(task)
