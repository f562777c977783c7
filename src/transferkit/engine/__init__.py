"""Executes plans: trainable sets, batch-norm policies, optimizers, schedules, metrics."""

from .devices import make_accelerator
from .metrics import classification_metrics
from .processes import close_processes
from .result import EpochRecord, PhaseRecord, RunResult
from .runner import RunConfig, prepare_network, run_plan
from .seeding import derive_seed, seed_everything

__all__ = [
    "EpochRecord",
    "PhaseRecord",
    "RunConfig",
    "RunResult",
    "classification_metrics",
    "close_processes",
    "derive_seed",
    "make_accelerator",
    "prepare_network",
    "run_plan",
    "seed_everything",
]
