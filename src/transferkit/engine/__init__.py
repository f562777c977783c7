"""Executes plans. The run and phase loop is here (runner.py, phase_exec.py, loop.py); its parts are sub-packages:
phase_setup/ (what a phase sets up), feature_cache/, processes/ (devices, precision, sharding) and checkpoints/.
Other packages import the engine only from here."""

from .batches import drop_ragged_batch
from .checkpoints import CHECKPOINT_FILE, Checkpointer, describe_position, read_checkpoint_meta
from .probe_features import FrozenFeatures, frozen_features
from .lr_range import lr_range_test
from .metrics import TOP_K, classification_metrics
from .phase_setup import SCHEDULES
from .processes import (close_processes, main_first, make_accelerator, process_state,
                        torch_device)
from .result import EpochRecord, PhaseRecord, RunResult
from .runner import RunConfig, prepare_network, run_plan
from .seeding import derive_seed, seed_everything
from .stop_request import StopRequest

__all__ = [
    "CHECKPOINT_FILE",
    "SCHEDULES",
    "TOP_K",
    "Checkpointer",
    "EpochRecord",
    "FrozenFeatures",
    "PhaseRecord",
    "RunConfig",
    "RunResult",
    "StopRequest",
    "classification_metrics",
    "close_processes",
    "derive_seed",
    "describe_position",
    "drop_ragged_batch",
    "frozen_features",
    "lr_range_test",
    "main_first",
    "make_accelerator",
    "prepare_network",
    "process_state",
    "read_checkpoint_meta",
    "run_plan",
    "seed_everything",
    "torch_device",
]
