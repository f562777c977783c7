"""The plain lines a comparison prints as its runs finish, in a terminal and in a log alike: one per finished run
(plan, seed, score, time, and how many of the batch are done) and, while runs are still going, a "k of n runs
done" line every `every` seconds. Runs trained in worker processes print nothing themselves; these lines come
from the process that collects their entries."""

from __future__ import annotations

import threading
import time
from typing import Any

from ..console import logger
from .metric import metric_label

EVERY = 30.0  # seconds between "k of n runs done" lines while no run finishes


def _clock(seconds: float) -> str:
    minutes, rest = divmod(int(round(seconds)), 60)
    return f"{minutes} min {rest:02d} s" if minutes else f"{rest} s"


def run_line(entry: dict[str, Any], metric: str = "accuracy") -> str:
    """'linear-probe@lr-x1 · seed 0: val accuracy 91.2%, 14.3 s' (or the error of a failed run)."""
    where = f"rung {entry['rung'] + 1} · " if entry.get("rung") is not None else ""
    name = f"{where}{entry.get('candidate') or entry.get('plan')} · seed {entry.get('seed')}"
    if entry.get("status") != "ok":
        return f"{name}: failed ({entry.get('error', 'no entry')})"
    score = entry.get("val")
    shown = "not measured" if score is None else f"{score:.1%}"
    seconds = entry.get("seconds")
    return f"{name}: val {metric_label(metric)} {shown}" + ("" if seconds is None else f", {seconds:.1f} s")


class RunLines:
    """Counts the finished runs of one batch of `total` runs and prints their lines (as INFO log lines, so that
    --quiet silences them). Used as a context manager, it also says where the batch stands every `every` seconds
    while no run finishes, with `parallel` runs at a time (whatever executes them)."""

    def __init__(self, total: int, metric: str = "accuracy", every: float | None = None, parallel: int = 1):
        self.total, self.metric, self.parallel = total, metric, parallel
        self.every = EVERY if every is None else every
        self.done = 0
        self.started = self.last = time.perf_counter()
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None

    def __enter__(self) -> RunLines:
        self._ticker = threading.Thread(target=self._tick, name="transferkit-run-lines", daemon=True)
        self._ticker.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._ticker is not None:
            self._ticker.join()

    def _tick(self) -> None:
        while not self._stop.wait(min(self.every, 5.0)):
            if self.done < self.total:
                self.waiting(min(self.parallel, self.total - self.done))

    def finished(self, entry: dict[str, Any]) -> None:
        self.done += 1
        self.last = time.perf_counter()
        logger.info("%d of %d runs done: %s", self.done, self.total, run_line(entry, self.metric))

    def waiting(self, running: int) -> None:
        """Say where the batch stands when nothing was said for `every` seconds."""
        now = time.perf_counter()
        if now - self.last >= self.every:
            self.last = now
            logger.info("%d of %d runs done; %d running; %s so far", self.done, self.total, running,
                        _clock(now - self.started))
