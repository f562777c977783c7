"""Checkpoints of a running plan: one safetensors file per run (tensors plus a JSON header, replaced atomically),
the training state in it (weights, optimizer, schedule, every process's random generators), and resuming from it."""

from .files import CHECKPOINT_FILE, read_checkpoint, read_checkpoint_meta, write_checkpoint
from .resume import Checkpointer, PhaseProgress, ResumeState, RunToSave, describe_position, load_weights
from .train_state import load_optimizer_state, optimizer_state, restore_rng, rng_state

__all__ = [
    "CHECKPOINT_FILE",
    "Checkpointer",
    "PhaseProgress",
    "ResumeState",
    "RunToSave",
    "describe_position",
    "load_weights",
    "load_optimizer_state",
    "optimizer_state",
    "read_checkpoint",
    "read_checkpoint_meta",
    "restore_rng",
    "rng_state",
    "write_checkpoint",
]
