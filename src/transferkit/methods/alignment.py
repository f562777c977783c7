"""The alignment losses a phase can switch on (`alignment: {method: ..., weight: ..., ...}`), by method name."""

from __future__ import annotations

from torch import nn

from .coral import CoralLoss
from .dann import DANNLoss
from .mk_mmd import MultiKernelMMD

TERMS = {"coral": "Deep CORAL", "mmd": "DAN multi-kernel MMD", "dann": "DANN"}


def make_alignment(settings: dict, features: int) -> nn.Module:
    """The loss module of an alignment setting, for features of size `features` (the head's input)."""
    method = settings["method"]
    if method == "coral":
        return CoralLoss()
    if method == "mmd":
        return MultiKernelMMD(kernels=int(settings.get("kernels", 5)), spread=float(settings.get("spread", 2.0)))
    if method == "dann":
        return DANNLoss(features, hidden=int(settings.get("hidden", 256)))
    raise ValueError(f"unknown alignment method {method!r}")
