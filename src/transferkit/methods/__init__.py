"""Small losses and helpers that a phase can switch on. Importing an alignment loss's module registers it."""

from .adabn import DomainStatistics
from .alignment import ALIGNMENTS, AlignmentLoss, AlignmentMethod, alignment_method, alignment_names, \
    make_alignment, register_alignment
from .cdan import ConditionalAdversarialLoss, multilinear_map, randomized_map
from .coral import CoralLoss
from .dann import DANNLoss, DomainCritic, dann_lambda, reverse_gradient
from .l2sp import L2SP
from .lora import LowRankAdapters, adapter_targets
from .mcc import MinimumClassConfusion, class_confusion
from .mk_mmd import MultiKernelMMD

__all__ = ["ALIGNMENTS", "AlignmentLoss", "AlignmentMethod", "ConditionalAdversarialLoss", "CoralLoss", "DANNLoss",
           "DomainCritic", "DomainStatistics", "L2SP", "LowRankAdapters", "MinimumClassConfusion", "MultiKernelMMD",
           "adapter_targets", "alignment_method", "alignment_names", "class_confusion", "dann_lambda",
           "make_alignment", "multilinear_map", "randomized_map", "reverse_gradient", "register_alignment"]
