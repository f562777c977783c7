"""The runs of a comparison, batch by batch (all of them; or one rung of successive halving), through an executor:
finished run directories are reused, the missing runs go to the executor, and the entries are read back from the run
directories. The first Ctrl-C lets the runs in flight finish and leaves the rest missing (see compare_interrupt.py)."""

from __future__ import annotations

import dataclasses
from typing import Any

from ..console import logger
from ..select.executors import Executor, StopFlag
from ..select.run_lines import RunLines
from ..select.run_pool import Job, UpdateFn, describe, longest_first
from ..settings import RunSpec
from .compare_jobs import JobRunner, run_job


class Sweep:
    """What search.py's `exhaustive` and `successive_halving` run their batches with (like select's `Runs`)."""

    def __init__(self, runner: JobRunner, executor: Executor, spec: RunSpec, factors: list[float],
                 update: UpdateFn | None = None):
        self.runner, self.executor, self.spec, self.factors, self.update = runner, executor, spec, factors, update
        self.stop = StopFlag()
        self.reused = self.trained = 0
        self.missing: list[str] = []  # the runs a stop left out, described

    def all(self, jobs: list[Job], done: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The entries of `jobs` that finished, in job order; `done`: the entries of earlier batches."""
        networks = self.runner.networks
        run_jobs = [run_job(*job, dataclasses.replace(self.spec, model=networks.of(job[0]).model), self.factors)
                    for job in jobs]
        entries: list[dict[str, Any] | None] = [None] * len(jobs)
        for i, job in enumerate(run_jobs):
            if self.runner.finished(job):
                entries[i] = self.runner.entry(job, {"status": "ok"})
        reused = sum(e is not None for e in entries)
        if reused:
            logger.info("Reusing %d finished run%s of %d.", reused, "" if reused == 1 else "s", len(jobs))
        self.reused += reused
        todo = [i for i in longest_first(jobs) if entries[i] is None]

        def running() -> str | None:
            left = [i for i in todo if entries[i] is None]
            if not left:
                return None
            more = f" ({len(left)} runs left; {self.executor.description})" if len(left) > 1 else ""
            return describe(jobs[left[0]]) + more

        def finished(index: int, outcome: dict[str, Any]) -> None:
            entries[todo[index]] = self.runner.entry(run_jobs[todo[index]], outcome)
            lines.finished(entries[todo[index]])
            self.trained += not outcome.get("reused")
            self._show(done + [e for e in entries if e is not None], running())

        if todo and not self.stop.requested:
            self._show(done + [e for e in entries if e is not None], running())
            with RunLines(len(todo), self.runner.metric, parallel=min(self.executor.parallel, len(todo))) as lines:
                self.executor.run(self.runner, [run_jobs[i] for i in todo], finished, self.stop)
        self.missing += [describe(jobs[i]) for i, e in enumerate(entries) if e is None]
        return [e for e in entries if e is not None]

    def finished(self, entries: list[dict[str, Any]]) -> None:
        self._show(entries, None)

    def _show(self, entries: list[dict[str, Any]], running: str | None) -> None:
        if self.update is not None:
            self.update(entries, running)
