"""transferkit: transfer learning with PyTorch — pretrain, adapt with any recipe, and record exactly what was done."""

from importlib import metadata as _metadata

from .api import (Comparison, Diagnosis, LoadedModel, Reproduction, Run, adapt, compare, describe, diagnose, evaluate, export,
                  load, load_model, load_target, predict, pretrain, reproduce, stages, strategies)
from .data import DataRef
from .engine import Execution
from .errors import TransferkitError
from .models import ModelRef
from .plans import Phase, Plan, build_plan, load_plan, register_strategy, save_plan
from .report import build_report
from .runs import CompareSettings, Overrides, RunSpec

try:
    __version__ = _metadata.version("transferkit")
except _metadata.PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0"

__all__ = [
    "CompareSettings",
    "Comparison",
    "DataRef",
    "Diagnosis",
    "Execution",
    "LoadedModel",
    "ModelRef",
    "Overrides",
    "Phase",
    "Plan",
    "Reproduction",
    "Run",
    "RunSpec",
    "TransferkitError",
    "__version__",
    "adapt",
    "build_plan",
    "build_report",
    "compare",
    "describe",
    "diagnose",
    "evaluate",
    "export",
    "load",
    "load_model",
    "load_plan",
    "load_target",
    "predict",
    "pretrain",
    "register_strategy",
    "reproduce",
    "save_plan",
    "stages",
    "strategies",
]
