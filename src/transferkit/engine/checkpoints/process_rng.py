"""The random generators, and the epoch so far, of every process of a run, in one checkpoint.

Process 0's states are stored as a single process stores them (tensors `rng.*`, JSON `rng`); each other process p
adds tensors `process{p}.rng.*` and its JSON as entry p - 1 of `process_rng`. Values every process has its own of
(the sums of an epoch stopped mid-way) are stored the same way: process 0's where one process keeps it, the others'
in a list beside it. Resuming needs the same number of processes (the run's identity records it).
"""

from __future__ import annotations

from typing import Any

from ..processes.coordination import every_process, process_state
from .train_state import TensorsAndMeta, restore_rng, rng_state


def own_entry(first: Any, others: list[Any] | None) -> Any:
    """This process's entry of a value stored as process 0's (`first`) and the others' (`others`)."""
    index = process_state().process_index
    return first if index == 0 else others[index - 1]


def process_rng_state() -> TensorsAndMeta:
    """(tensors, {'rng': ..., 'process_rng': [...]}) of every process's generators, the same on every process."""
    states = every_process(rng_state())
    tensors, meta = dict(states[0][0]), {"rng": states[0][1]}
    if len(states) > 1:
        meta["process_rng"] = [more_meta for _, more_meta in states[1:]]
    for p, (more, _) in enumerate(states[1:], 1):
        tensors.update({f"process{p}.{k}": v for k, v in more.items()})
    return tensors, meta


def own_rng(tensors: dict[str, Any], meta: dict[str, Any]) -> TensorsAndMeta:
    """This process's generator states in a checkpoint's tensors and JSON."""
    index = process_state().process_index
    prefix = "" if index == 0 else f"process{index}."
    mine = {k[len(prefix):]: v for k, v in tensors.items() if k.startswith(prefix + "rng.")}
    return mine, own_entry(meta["rng"], meta.get("process_rng"))


def restore_process_rng(tensors: dict[str, Any], meta: dict[str, Any]) -> None:
    """Set this process's generators back to its state in a checkpoint's tensors and JSON."""
    restore_rng(*own_rng(tensors, meta))
