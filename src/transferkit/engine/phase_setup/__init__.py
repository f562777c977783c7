"""What a phase sets up before its epochs: which parameters train, batch-norm modes, optimizer groups and schedule,
penalties, auto-RGN learning rates, class balance, batch augmentation, domain adaptation, head-input
standardization and the training objective. PhaseExecution (engine/phase_exec.py) calls these in its setup."""

from .auto_rgn import AutoRGN
from .balance import balanced_class_weights
from .batch_augment import BatchAugment
from .batchnorm import batchnorm_modules, is_batchnorm, reestimate_statistics, set_modes
from .domain import PhaseDomain, unlabeled_of
from .ema import WeightAverage
from .objective import TrainingObjective
from .optim import build_optimizer, parameter_groups
from .penalties import Penalty, build_penalty
from .semi_supervised import SEMI_METHODS, UnlabeledTerm
from .schedules import SCHEDULES, build_scheduler, lr_factor
from .standardize import HeadInputStandardizer
from .trainable import apply_trainable, norm_param_names
from .wise import WISE_GRID, WeightInterpolation

__all__ = [
    "SCHEDULES",
    "SEMI_METHODS",
    "WISE_GRID",
    "AutoRGN",
    "BatchAugment",
    "HeadInputStandardizer",
    "Penalty",
    "PhaseDomain",
    "TrainingObjective",
    "UnlabeledTerm",
    "WeightAverage",
    "WeightInterpolation",
    "apply_trainable",
    "balanced_class_weights",
    "batchnorm_modules",
    "build_optimizer",
    "build_penalty",
    "build_scheduler",
    "is_batchnorm",
    "lr_factor",
    "norm_param_names",
    "parameter_groups",
    "reestimate_statistics",
    "set_modes",
    "unlabeled_of",
]
