"""transferkit: transfer learning with PyTorch — pretrain, adapt with any recipe, and record exactly what was done."""

from importlib import metadata as _metadata

from .api import Diagnosis, Run, adapt, describe, diagnose, load_model, load_target, pretrain, stages, strategies
from .compare_api import Comparison, compare
from .errors import TransferkitError
from .plans import Phase, Plan, build_plan, load_plan, register_strategy, save_plan
from .report.rebuild import build_report

try:
    __version__ = _metadata.version("transferkit")
except _metadata.PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0"

__all__ = [
    "Comparison",
    "Diagnosis",
    "Phase",
    "Plan",
    "Run",
    "TransferkitError",
    "__version__",
    "adapt",
    "build_plan",
    "build_report",
    "compare",
    "describe",
    "diagnose",
    "load_model",
    "load_plan",
    "load_target",
    "pretrain",
    "register_strategy",
    "save_plan",
    "stages",
    "strategies",
]
