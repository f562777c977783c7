"""What an executor is: it runs a list of jobs with one picklable function and reports each outcome as it arrives."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ...errors import RunError
from ...registry import Registry

# the outcome of one job: {"status": "ok"} or {"status": "failed", "error": one line}, plus what the job adds
Outcome = dict[str, Any]
Work = Callable[[Any], Outcome]
DoneFn = Callable[[int, Outcome], None]

EXECUTORS: Registry[type[Executor]] = Registry("executor", RunError)


def register_executor(name: str):
    """`@register_executor("name")` on an Executor subclass: `--executor name` runs a comparison's jobs with it."""
    return EXECUTORS.decorator(name)


class StopFlag:
    """Set by the first Ctrl-C: executors start no new job, and return once the jobs in flight have finished."""

    training = True  # (as an engine StopRequest: a Ctrl-C requests the stop rather than raising)

    def __init__(self) -> None:
        self.requested = False

    def request(self) -> None:
        self.requested = True


class Executor:
    """Constructed from the comparison's settings (CompareSettings), used as a context manager around the whole
    comparison (a cluster is started and stopped there), and `run` once per batch of independent jobs (every run of
    an exhaustive search; one rung of successive halving)."""

    def __init__(self, settings) -> None:
        self.settings = settings

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        return None

    @property
    def description(self) -> str:
        """How the runs execute, in a few words (for the log and the leaderboard)."""
        raise NotImplementedError

    @property
    def parallel(self) -> int:
        """How many runs go at once."""
        return self.settings.jobs

    def run(self, work: Work, jobs: list[Any], done: DoneFn, stop: StopFlag) -> None:
        """Run `work(job)` for every job, starting them in the given order, and call `done(index, outcome)` in this
        process as each finishes. Once `stop.requested`, start no new job and return when those running finished.
        A KeyboardInterrupt (the second Ctrl-C) ends the jobs in flight at once."""
        raise NotImplementedError
