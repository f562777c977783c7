"""What a run produced: per-phase records, per-epoch history, final metrics and the trained backbone."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from ..plans import Plan


@dataclass
class EpochRecord:
    """One epoch: training loss and accuracy, validation accuracy, learning rate per group as applied, and the
    training images it saw (over all processes)."""

    phase: int
    epoch: int
    train_loss: float
    train_accuracy: float
    val_accuracy: float | None
    lr: dict[str, dict[str, float]]
    seconds: float
    images: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class PhaseRecord:
    """Exactly what one phase did to each stage."""

    index: int
    name: str
    epochs: int
    stages: dict[str, dict[str, Any]]
    trainable_tensors: list[str]
    groups: list[dict[str, Any]]
    settings: dict[str, Any]
    bn_applied: dict[str, str] = field(default_factory=dict)
    bn_adapted_images: int = 0
    seconds: float = 0.0
    extras: dict[str, Any] = field(default_factory=dict)
    tensor_stages: dict[str, str] = field(default_factory=dict)  # stage of each trainable tensor, as named then

    @property
    def trainable_params(self) -> int:
        return sum(s["trainable_params"] for s in self.stages.values())

    @property
    def frozen_params(self) -> int:
        return sum(s["frozen_params"] for s in self.stages.values())


@dataclass
class RunResult:
    plan: Plan
    backbone: Any
    classes: list[str]
    seed: int
    phases: list[PhaseRecord]
    history: list[EpochRecord]
    metrics: dict[str, Any]
    timing: dict[str, Any]
    device: str
    predictions: dict[str, Any] = field(default_factory=dict)
    resumes: list[dict[str, Any]] = field(default_factory=list)  # where each resume continued from
    domain_statistics: Any = None  # methods.DomainStatistics of a domain-adaptation run that adapts batch norm
    kept: dict[str, Any] = field(default_factory=dict)  # which epoch's weights the run ended with (KeptWeights.summary)
    test_probabilities: Any = None  # numpy (test images, classes): softmax of the kept weights' logits
    stopped_early: dict[str, Any] | None = None  # where a stop request ended training (None: the plan ran to its end)
    processes: dict[str, Any] = field(default_factory=lambda: {"count": 1})  # data-parallel processes (describe_processes)
