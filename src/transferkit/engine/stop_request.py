"""StopRequest: end training after the current epoch and finish the run as at a normal end, with fewer epochs.

Something outside the engine sets it (Ctrl-C, see runs/ctrl_c.py); `reproduce` sets the recorded stop point, so a
run stopped early re-runs to the same epoch. The runner reads it between epochs only.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


class StopRequest:
    """`request()` ends training after the epoch in progress; `at` = (phase, epoch), both 0-based, ends it after
    that epoch. `training` is true while the runner trains, that is while a request can still end it early."""

    def __init__(self, at: tuple[int, int] | None = None):
        self.at = at
        self.requested = False
        self.training = False

    def request(self) -> None:
        self.requested = True

    def due(self, phase: int, epoch: int) -> bool:
        """Whether training ends after `epoch` of `phase`."""
        return self.requested or (self.at is not None and (phase, epoch) >= tuple(self.at))

    @contextmanager
    def during_training(self) -> Iterator[None]:
        """`training` is true inside."""
        self.training = True
        try:
            yield
        finally:
            self.training = False
