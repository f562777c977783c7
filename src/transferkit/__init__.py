"""transferkit: transfer learning with PyTorch — pretrain, adapt with any recipe, and record exactly what was done.

Names are imported when first used, so that `import transferkit` (and the command line) starts fast; the settings
records are light, the training API loads PyTorch.
"""

from __future__ import annotations

import importlib
from importlib import metadata as _metadata
from typing import Any

try:
    __version__ = _metadata.version("transferkit")
except _metadata.PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0"

# public name -> the module that defines it
_EXPORTS = {
    **{name: "transferkit.api" for name in (
        "Comparison", "Diagnosis", "LoadedModel", "Reproduction", "Run", "adapt", "compare", "describe", "diagnose",
        "evaluate", "export", "load", "load_model", "load_target", "networks", "predict", "pretrain", "rank", "reproduce",
        "stages", "strategies")},
    **{name: "transferkit.settings" for name in (
        "CompareSettings", "DataRef", "DiagnoseSettings", "Execution", "KeepRule", "ModelRef", "Output", "Overrides",
        "RankSettings", "RunSpec")},
    **{name: "transferkit.plans" for name in ("Phase", "Plan", "build_plan", "load_plan", "register_strategy",
                                              "save_plan")},
    "TransferkitError": "transferkit.errors",
    "build_report": "transferkit.report",
}

__all__ = sorted([*_EXPORTS, "__version__"])


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'transferkit' has no attribute {name!r}")
    value = getattr(importlib.import_module(_EXPORTS[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
