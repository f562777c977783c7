"""Progress of a training run: epochs, and batches within long epochs.

In a terminal: rich bars (a bar per phase; a bar of batches once an epoch has run for a few seconds). Elsewhere
(piped, redirected to a log file): one plain line per epoch with loss, accuracy and time, and a line about the
batches done every half minute inside a long epoch.
"""

from __future__ import annotations

import time

from . import console as shared
from .console import make_progress, progress_enabled


class RunProgress:
    """`with RunProgress(name, enabled) as p:` then per phase `p.phase(...)`, per epoch `p.epoch_started(e)`,
    `p.batch(done, total)` after each batch and `p.epoch_done(e, info, seconds)`; `p.phase_done()` at its end."""

    batches_after = 5.0  # seconds into an epoch before its batches are shown (terminal)
    line_every = 30.0  # seconds between plain lines about batches inside an epoch (not a terminal)

    def __init__(self, description: str, enabled: bool = True):
        self.description = description
        self.enabled = progress_enabled(enabled)
        self.bars = make_progress(transient=True) if self.enabled and shared.console.is_terminal else None
        self.name, self.epochs = "", 0
        self._phase_task = self._batch_task = None
        self._epoch, self._epoch_started, self._last_line = 0, 0.0, 0.0

    def __enter__(self) -> RunProgress:
        if self.bars is not None:
            self.bars.start()
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if self.bars is not None:
            self.bars.stop()

    def phase(self, name: str, epochs: int, done: int = 0) -> None:
        self.name, self.epochs = name, epochs
        if self.bars is not None:
            self._phase_task = self.bars.add_task(f"{self.description} · {name}", total=epochs, completed=done,
                                                  info="")
            self._batch_task = self.bars.add_task("  batches", total=1, info="", visible=False)

    def epoch_started(self, epoch: int) -> None:
        self._epoch = epoch
        self._epoch_started = self._last_line = time.perf_counter()
        if self.bars is not None:
            self.bars.update(self._batch_task, completed=0, visible=False)

    def batch(self, done: int, total: int) -> None:
        """`done` of `total` batches of the current epoch are trained."""
        if not self.enabled:
            return
        now = time.perf_counter()
        if self.bars is not None:
            if now - self._epoch_started >= self.batches_after:
                self.bars.update(self._batch_task, completed=done, total=total, visible=True)
        elif now - self._last_line >= self.line_every and done < total:
            self._last_line = now
            self._line(f"batch {done}/{total}, {now - self._epoch_started:.0f} s into the epoch")

    def epoch_done(self, epoch: int, info: str, seconds: float) -> None:
        if self.bars is not None:
            self.bars.update(self._phase_task, advance=1, info=info)
            self.bars.update(self._batch_task, visible=False)
        elif self.enabled:
            self._line(f"{info}, {seconds:.1f} s")

    def phase_done(self) -> None:
        if self.bars is not None:
            self.bars.remove_task(self._phase_task)
            self.bars.remove_task(self._batch_task)

    def _line(self, text: str) -> None:
        where = f"{self.description} · {self.name} · epoch {self._epoch + 1}/{self.epochs}"
        shared.console.print(f"{where}: {text}", markup=False, highlight=False, soft_wrap=True)
