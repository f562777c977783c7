"""Several processes (`accelerate launch`, `torchrun`): which one writes files, and how the others wait for it.

Every process trains; only the main process writes run directories, checkpoints and reports. These helpers work
before the run's Accelerator exists (they share Accelerate's process state with it) and in a single process,
where they do nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import torch
from accelerate import PartialState
from accelerate.utils import broadcast, broadcast_object_list, gather_object

T = TypeVar("T")


def use_cpu(device: str) -> bool:
    """Whether a 'device' setting runs on the CPU: 'cpu', or 'auto' without a CUDA GPU."""
    return device == "cpu" or not torch.cuda.is_available()


def process_state(device: str = "auto") -> PartialState:
    """Accelerate's process state (starting the process group when launched with several processes)."""
    return PartialState(cpu=use_cpu(device))


def main_first(fn: Callable[[], T], device: str = "auto") -> T:
    """Run `fn` on the main process only and hand its result, or the error it raised, to every process."""
    state = process_state(device)
    if state.num_processes == 1:
        return fn()
    outcome: list = [None]
    if state.is_main_process:
        try:
            outcome = [(True, fn())]
        except Exception as exc:  # handed to the other processes, then raised here too
            outcome = [(False, exc)]
    broadcast_object_list(outcome)
    ok, value = outcome[0]
    if not ok:
        raise value
    return value


def every_process(value: Any) -> list[Any]:
    """`value` of every process, in process order (picklable values; the same list on every process)."""
    return [value] if process_state().num_processes == 1 else gather_object([value])


def close_processes() -> None:
    """At the end of a command: every process waits for the others, then leaves the process group (a process that
    exits with it open can abort); nothing with a single process."""
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        torch.distributed.barrier()
        torch.distributed.destroy_process_group()


@torch.no_grad()
def share_buffers(module: torch.nn.Module) -> None:
    """Every process takes the main process's buffers (batch-norm statistics: each process's training batches
    moved its own), so that all hold the same network (nothing with a single process)."""
    if process_state().num_processes == 1:
        return
    broadcast(list(module.buffers()), from_process=0)
