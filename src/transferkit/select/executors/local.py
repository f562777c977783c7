"""`--executor local`: the runs on this machine, one after another in this process (`--jobs 1`), or `--jobs N` at
once in forked worker processes that each train one run at a time with their share of the torch threads.

Workers are forked: they inherit the loaded backbone and splits, and only the job goes to them and its outcome comes
back. They ignore Ctrl-C (a terminal sends it to the whole process group): the first one lets the runs in flight
finish, the second kills the workers. A worker that dies (killed for memory) fails the comparison with one line.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from ...console import logger
from ...errors import RunError
from .base import DoneFn, Executor, StopFlag, Work, register_executor

_WORK: tuple[Work, list[Any]] | None = None  # set in the parent just before forking; read by the workers
POLL_SECONDS = 0.2  # how often the parent looks at the stop flag while it waits for workers


@register_executor("local")
class LocalExecutor(Executor):
    """Runs in this process, or in `settings.jobs` forked workers."""

    @property
    def description(self) -> str:
        jobs = self.settings.jobs
        return "one run at a time in this process" if jobs == 1 else f"{jobs} worker processes on this machine"

    def run(self, work: Work, jobs: list[Any], done: DoneFn, stop: StopFlag) -> None:
        if self.settings.jobs == 1 or len(jobs) < 2:
            for index, job in enumerate(jobs):
                if stop.requested:
                    return
                done(index, work(job))
            return
        forked_workers(work, jobs, done, stop, self.settings.jobs)


def forked_workers(work: Work, jobs: list[Any], done: DoneFn, stop: StopFlag, processes: int) -> None:
    """`work(job)` for every job in `processes` forked workers, started in the given order."""
    import torch

    global _WORK
    processes = min(processes, len(jobs))
    threads = max(1, torch.get_num_threads() // processes)
    _WORK = (work, jobs)
    pool = ProcessPoolExecutor(processes, multiprocessing.get_context("fork"), _start_worker, (threads,))
    waiting, running = list(range(len(jobs))), {}
    try:
        while waiting or running:
            # no more in flight than workers: after the first Ctrl-C nothing new starts
            while waiting and len(running) < processes and not stop.requested:
                index = waiting.pop(0)
                running[pool.submit(_work, index)] = index
            if not running:
                return
            ready, _ = wait(list(running), timeout=POLL_SECONDS, return_when=FIRST_COMPLETED)
            for future in ready:
                running.pop(future)
                done(*future.result())
    except BrokenProcessPool:
        raise RunError(f"A worker process of --jobs {processes} died (often: out of memory); run with fewer "
                       "--jobs.") from None
    except KeyboardInterrupt:  # the second Ctrl-C: the workers stop now
        for process in list((pool._processes or {}).values()):
            process.kill()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        _WORK = None


def _start_worker(threads: int) -> None:
    """A worker uses its share of the cores, draws nothing and leaves Ctrl-C to the parent: the parent's live table
    shows every run; warnings (a failed run) still print."""
    import torch

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    torch.set_num_threads(threads)
    os.environ["TRANSFERKIT_PROGRESS"] = "0"
    logger.setLevel(logging.WARNING)


def _work(index: int) -> tuple[int, Any]:
    work, jobs = _WORK
    return index, work(jobs[index])
