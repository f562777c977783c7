"""Experiment trackers a comparison can also log its runs to (`--track NAME[:TARGET]`): one module plus one
registration each. They read what the run directories hold after the comparison is written, so they work the same
with every executor, and run.json stays the record; their libraries are imported only when they log."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .base import TRACKERS, needs, register_tracker
from . import mlflow_store as _mlflow  # noqa: F401 - registers "mlflow"
from . import tensorboard_events as _tensorboard  # noqa: F401 - registers "tensorboard"


def track(choice: str | None, out: Path, doc: dict[str, Any], records: dict[str, dict[str, Any]]) -> None:
    """Log every run of the written comparison `out` (its leaderboard `doc`, its run.json `records` by run
    directory) to the tracker `choice` ('mlflow', 'mlflow:URI', 'tensorboard'); nothing when None."""
    if choice is None:
        return
    name, _, target = choice.partition(":")
    TRACKERS.get(name)(target or None, out, doc, records)


def check_tracker(choice: str | None) -> None:
    """Fail at once (one line naming the extra) when the tracker's library is not installed."""
    if choice is not None:
        name = choice.partition(":")[0]
        TRACKERS.get(name)
        needs(name, name, f"--track {name}")


__all__ = ["TRACKERS", "check_tracker", "register_tracker", "track"]
