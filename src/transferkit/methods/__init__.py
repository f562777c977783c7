"""Small losses and helpers that a phase can switch on."""

from .adabn import DomainStatistics
from .alignment import make_alignment
from .coral import CoralLoss
from .dann import DANNLoss, DomainCritic, dann_lambda, reverse_gradient
from .l2sp import L2SP
from .lora import LowRankAdapters, adapter_targets
from .mk_mmd import MultiKernelMMD

__all__ = ["CoralLoss", "DANNLoss", "DomainCritic", "DomainStatistics", "L2SP", "LowRankAdapters", "MultiKernelMMD",
           "adapter_targets", "dann_lambda", "make_alignment", "reverse_gradient"]
