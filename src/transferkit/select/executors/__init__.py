"""Executors: where a comparison's runs execute. Each is one module plus one registration; a run is a job that any
process able to see the comparison's folder and the data can execute (see runs/compare_jobs.py)."""

from __future__ import annotations

from .base import EXECUTORS, Executor, Outcome, StopFlag, register_executor
from . import local as _local  # noqa: F401 - registers "local"
from . import ray_tasks as _ray  # noqa: F401 - registers "ray" (ray itself is imported only when it runs)

__all__ = ["EXECUTORS", "Executor", "Outcome", "StopFlag", "register_executor"]
