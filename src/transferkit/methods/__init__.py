"""Small losses and helpers that a phase can switch on. Importing an alignment loss's module registers it."""

from .adabn import DomainStatistics
from .alignment import ALIGNMENTS, AlignmentLoss, AlignmentMethod, alignment_method, alignment_names, \
    make_alignment, register_alignment
from .coral import CoralLoss
from .dann import DANNLoss, DomainCritic, dann_lambda, reverse_gradient
from .l2sp import L2SP
from .lora import LowRankAdapters, adapter_targets
from .mk_mmd import MultiKernelMMD

__all__ = ["ALIGNMENTS", "AlignmentLoss", "AlignmentMethod", "CoralLoss", "DANNLoss", "DomainCritic",
           "DomainStatistics", "L2SP", "LowRankAdapters", "MultiKernelMMD", "adapter_targets", "alignment_method", "alignment_names",
           "dann_lambda", "make_alignment", "reverse_gradient", "register_alignment"]
