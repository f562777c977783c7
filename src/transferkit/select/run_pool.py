"""Runs: how a comparison executes its runs, one after another or several at once in worker processes.

A comparison's runs are independent (each trains from the same starting weights on its own seed's split), so on a
machine with more cores than one small run can use, `jobs` worker processes each train one run at a time with
their share of the torch threads. Workers are forked: they inherit the loaded backbone and splits, and only
(candidate, seed, epochs, rung) goes to them and the entry comes back. Entries come back in job order, whatever
finished first, so the leaderboard does not depend on `jobs`.

A worker that dies (killed for memory) fails the comparison with one line; a pool per batch lets each rung of
successive halving fork from the parent's current state. The workers are those of executors/local.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .candidates import Candidate
from .run_lines import RunLines

# run(candidate, seed, epochs, rung) -> entry
RunFn = Callable[[Candidate, int, int, "int | None"], dict[str, Any]]
# update(entries so far, what runs now or None when done)
UpdateFn = Callable[[list[dict[str, Any]], "str | None"], None]
Job = tuple[Candidate, int, int, "int | None"]


def describe(job: Job) -> str:
    candidate, seed, epochs, rung = job
    where = "" if rung is None else f"rung {rung + 1} · "
    return f"{where}{candidate.key} · seed {seed} · {epochs} epochs"


def longest_first(jobs: list[Job]) -> list[int]:
    """Job indices, the most planned epochs first (equal ones in their order): the long runs start early, so no
    worker is left with one at the end while the others idle."""
    return sorted(range(len(jobs)), key=lambda i: -sum(p.epochs for p in jobs[i][0].plan_at(jobs[i][2]).phases))


class Runs:
    """Runs jobs one after another in this process (`jobs` 1), or in `jobs` forked worker processes."""

    def __init__(self, run: RunFn, update: UpdateFn | None = None, jobs: int = 1, metric: str = "accuracy"):
        self.run, self.update, self.jobs, self.metric = run, update, jobs, metric

    def all(self, jobs: list[Job], done: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The entries of `jobs`, in their order; `done`: the entries of earlier batches (for the live table)."""
        with RunLines(len(jobs), self.metric, parallel=min(self.jobs, len(jobs))) as lines:
            if self.jobs == 1 or len(jobs) < 2:
                out: list[dict[str, Any]] = []
                for job in jobs:
                    self._show(done + out, describe(job))
                    out.append(self.run(*job))
                    lines.finished(out[-1])
                return out
            return self._in_workers(jobs, done, lines)

    def finished(self, entries: list[dict[str, Any]]) -> None:
        self._show(entries, None)

    def _show(self, entries: list[dict[str, Any]], running: str | None) -> None:
        if self.update is not None:
            self.update(entries, running)

    def _in_workers(self, jobs: list[Job], done: list[dict[str, Any]], lines: RunLines) -> list[dict[str, Any]]:
        from .executors.base import StopFlag
        from .executors.local import forked_workers

        order = longest_first(jobs)
        results: list[dict[str, Any] | None] = [None] * len(jobs)
        self._show(done, f"{len(jobs)} runs, {min(self.jobs, len(jobs))} at a time")

        def finished(index: int, entry: dict[str, Any]) -> None:
            results[order[index]] = entry
            lines.finished(entry)
            left = sum(r is None for r in results)
            self._show(done + [r for r in results if r is not None], f"{left} more" if left else None)

        forked_workers(lambda job: self.run(*job), [jobs[i] for i in order], finished, StopFlag(), self.jobs)
        return [r for r in results if r is not None]
