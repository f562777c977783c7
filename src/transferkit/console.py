"""The shared rich consoles, progress bars and the 'transferkit' logger.

In a terminal, progress shows as rich bars and logs as rich lines. Piped or redirected, output stays readable:
plain log lines, progress as plain lines (see run_progress.py) and consoles wide enough that tables and help
are never cut at 80 columns.
"""

from __future__ import annotations

import io
import logging
import os
import sys
import time
from collections.abc import Iterable, Iterator
from typing import Any, TypeVar

from rich.console import Console
from rich.logging import RichHandler
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

T = TypeVar("T")

console = Console(stderr=True)  # progress, logs and errors
results = Console()  # tables and results, on stdout
logger = logging.getLogger("transferkit")
WIDE = 200  # columns of a console that is not a terminal (a pipe or a file): wide enough for every table


def progress_enabled(requested: bool = True) -> bool:
    """Progress bars show unless turned off by the caller or TRANSFERKIT_PROGRESS=0."""
    return requested and os.environ.get("TRANSFERKIT_PROGRESS", "1") != "0"


def output_width(stream) -> int | None:
    """The width for output to `stream`: None (the terminal's own) in a terminal, else WIDE or a wider COLUMNS."""
    if hasattr(stream, "isatty") and stream.isatty():
        return None
    columns = os.environ.get("COLUMNS", "")
    return max(WIDE, int(columns)) if columns.isdigit() else WIDE


def fit_to_output() -> None:
    """Give both consoles the width of where they write (called when the command line starts)."""
    for shared, stream in ((console, sys.stderr), (results, sys.stdout)):
        shared.width = output_width(stream)  # None: follow the terminal


class PlainFormatter(logging.Formatter):
    """'message' for information, 'warning: message' for warnings and worse."""

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        return text if record.levelno < logging.WARNING else f"{record.levelname.lower()}: {text}"


class StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is when a line is logged (it may be replaced after set-up, as in tests)."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:  # StreamHandler.__init__ assigns it; the current sys.stderr always wins
        pass


def log_handler() -> logging.Handler:
    """Rich log lines in a terminal; plain lines, never padded or wrapped, elsewhere. Each handler brings its own
    formatter (the message alone), so that logging.basicConfig does not add 'INFO:transferkit:' to it."""
    if console.is_terminal:
        handler = RichHandler(console=console, show_time=False, show_path=False)
        handler.setFormatter(logging.Formatter("%(message)s"))
        return handler
    handler = StderrHandler()
    handler.setFormatter(PlainFormatter("%(message)s"))
    return handler


def render_text(renderable: Any, width: int = WIDE) -> str:
    """What `renderable` (a rich table, text with markup, ...) prints as, in plain text without colours."""
    buffer = io.StringIO()
    Console(file=buffer, width=width, color_system=None, force_terminal=False, soft_wrap=True).print(renderable)
    return buffer.getvalue().rstrip("\n")


def render_html(renderable: Any, width: int = WIDE) -> str:
    """`renderable` as an HTML fragment with inline styles (for notebooks)."""
    recorder = Console(file=io.StringIO(), width=width, record=True, force_terminal=True)
    recorder.print(renderable)
    return recorder.export_html(inline_styles=True, code_format="<pre style=\"font-family:monospace\">{code}</pre>")


class Printable:
    """A rich renderable that print(), str() and notebooks show readably, as the command line prints it."""

    def __init__(self, renderable: Any):
        self.renderable = renderable

    def __rich__(self) -> Any:
        return self.renderable

    def __str__(self) -> str:
        return render_text(self.renderable)

    def _repr_html_(self) -> str:
        return render_html(self.renderable)


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


class PlainLines:
    """Progress of long work where no bar can show (piped, logged): a line every `every` seconds and one at the end,
    none at all for work that ends sooner. Silent in a terminal and when progress is off."""

    def __init__(self, description: str, total: int, every: float = 30.0):
        self.description, self.total, self.every = description, total, every
        self.active = progress_enabled() and not console.is_terminal
        self.done, self.printed = 0, False
        self.started = self.last = time.perf_counter()

    def advance(self, count: int = 1) -> None:
        if not self.active:
            return
        self.done += count
        now = time.perf_counter()
        if now - self.last >= self.every and self.done < self.total:
            self.last = now
            self._line(f"{self.done:,}/{self.total:,}, {now - self.started:.0f} s")

    def close(self) -> None:
        if self.printed:
            self._line(f"done, {time.perf_counter() - self.started:.0f} s")

    def _line(self, text: str) -> None:
        self.printed = True
        console.print(f"{self.description}: {text}", markup=False, highlight=False, soft_wrap=True)


def track(items: Iterable[T], total: int, description: str, enabled: bool = True) -> Iterator[T]:
    """Iterate with a progress bar (when enabled and the work is not trivially short); outside a terminal, with
    PlainLines."""
    if not progress_enabled(enabled) or total < 2:
        yield from items
        return
    if not console.is_terminal:
        lines = PlainLines(description, total)
        for item in items:
            yield item
            lines.advance()
        lines.close()
        return
    with make_progress() as progress:
        task = progress.add_task(description, total=total, info="")
        for item in items:
            yield item
            progress.advance(task)
