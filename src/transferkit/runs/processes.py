"""How many processes a launcher started this run as (accelerate launch, torchrun)."""

from __future__ import annotations

import os

from ..errors import RunError


def check_one_process() -> None:
    """RunError when launched as several processes: runs train, evaluate and write in one process so far."""
    try:
        world = int(os.environ.get("WORLD_SIZE") or 1)
    except ValueError:
        world = 1
    if world > 1:
        raise RunError(f"This run was launched as {world} processes, but transferkit runs train in one process so far "
                       "(each process would write the same run directory); launch one process "
                       "(accelerate launch --num_processes 1, or plain transferkit).")
