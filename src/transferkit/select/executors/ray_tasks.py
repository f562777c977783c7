"""`--executor ray`: each run a Ray task holding `--cpus-per-run` CPUs and `--gpus-per-run` GPUs, on the cluster at
`--ray-address` or on a local one started for the comparison and stopped after it.

Only as many tasks as the cluster can run at once are submitted, the longest first; so the first Ctrl-C stops
submitting and waits for the tasks in flight, and the second cancels them at once. A task whose worker process or node
dies is retried by Ray (`max_retries`); a run that fails is an outcome with its one-line reason. Ray is imported only
here, when a comparison uses it.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from ...errors import RunError
from .base import DoneFn, Executor, StopFlag, Work, register_executor

POLL_SECONDS = 0.2  # how often the driver looks at the stop flag while it waits for tasks
RETRIES = 3  # times Ray runs a task again whose worker process died
MISSING = "--executor ray needs Ray, an optional extra; install it with: pip install 'transferkit[ray]'."


def import_ray():
    """The ray module, or the one-line error naming the extra that installs it."""
    try:
        import ray
    except ImportError:
        raise RunError(MISSING) from None
    return ray


@register_executor("ray")
class RayExecutor(Executor):
    """Runs as Ray tasks; starts (and stops) a local cluster when no address is given."""

    def __enter__(self) -> RayExecutor:
        self.ray = ray = import_ray()
        address = self.settings.ray_address
        self.started = not ray.is_initialized()
        try:
            if self.started:
                ray.init(address=address, include_dashboard=False, logging_level=logging.WARNING,
                         log_to_driver=False, configure_logging=False,
                         **({} if address else {"num_cpus": os.cpu_count()}))
        except ConnectionError as exc:
            raise RunError(f"Cannot reach the Ray cluster at {address!r} ({exc}); start one with 'ray start --head' "
                           "or give the address it printed.") from None
        resources = ray.cluster_resources()
        self.cpus = self.settings.cpus_per_run
        gpus = self.settings.gpus_per_run
        self.gpus = gpus if gpus is not None else (1 if resources.get("GPU", 0) > 0 else 0)
        fits = [resources.get("CPU", 0) / self.cpus] + ([resources.get("GPU", 0) / self.gpus] if self.gpus else [])
        self.slots = int(min(fits) + 1e-9)
        if self.slots < 1:
            raise RunError(f"No node of the Ray cluster has {self.cpus:g} CPUs and {self.gpus:g} GPUs for one run "
                           f"(the cluster has {resources.get('CPU', 0):g} CPUs, {resources.get('GPU', 0):g} GPUs); "
                           "lower --cpus-per-run or --gpus-per-run.")
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if self.started:
            self.ray.shutdown()

    @property
    def description(self) -> str:
        return (f"Ray tasks of {self.cpus:g} CPUs and {self.gpus:g} GPUs, {self.slots} at a time"
                f"{'' if self.settings.ray_address is None else ' on ' + self.settings.ray_address}")

    @property
    def parallel(self) -> int:
        return self.slots

    def run(self, work: Work, jobs: list[Any], done: DoneFn, stop: StopFlag) -> None:
        ray = self.ray
        task = ray.remote(_run_task).options(num_cpus=self.cpus, num_gpus=self.gpus, max_retries=RETRIES,
                                             retry_exceptions=False)
        shared = ray.put(work)
        threads = max(1, int(self.cpus))
        waiting = list(range(len(jobs)))
        running: dict[Any, int] = {}
        try:
            while waiting or running:
                while waiting and len(running) < self.slots and not stop.requested:
                    index = waiting.pop(0)
                    running[task.remote(shared, jobs[index], threads)] = index
                if not running:
                    return
                ready, _ = ray.wait(list(running), num_returns=1, timeout=POLL_SECONDS)
                for ref in ready:
                    done(running.pop(ref), self._outcome(ref))
        except KeyboardInterrupt:  # the second Ctrl-C: cancel the tasks in flight
            for ref in running:
                ray.cancel(ref, force=True)
            raise

    def _outcome(self, ref) -> dict[str, Any]:
        try:
            return self.ray.get(ref)
        except self.ray.exceptions.RayError as exc:  # the task raised, or its worker died more than RETRIES times
            cause = getattr(exc, "cause", None) or exc
            text = str(cause).strip().splitlines()
            return {"status": "failed", "error": f"{type(cause).__name__}: {text[-1] if text else ''}"}


def _run_task(work: Work, job: Any, threads: int) -> dict[str, Any]:
    """In a Ray worker: one run with `threads` torch threads, drawing nothing."""
    import torch

    os.environ["TRANSFERKIT_PROGRESS"] = "0"
    torch.set_num_threads(threads)
    return work(job)
