"""Executes plans: trainable sets, batch-norm policies, optimizers, schedules, metrics."""

from .devices import make_accelerator
from .execution import Execution
from .keep_rule import KeepRule
from .metrics import classification_metrics
from .result import EpochRecord, PhaseRecord, RunResult
from .runner import RunConfig, prepare_network, run_plan
from .seeding import derive_seed, seed_everything

__all__ = [
    "EpochRecord",
    "Execution",
    "KeepRule",
    "PhaseRecord",
    "RunConfig",
    "RunResult",
    "classification_metrics",
    "derive_seed",
    "make_accelerator",
    "prepare_network",
    "run_plan",
    "seed_everything",
]
