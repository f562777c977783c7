"""Presets that train a chosen part of the backbone: surgical fine-tuning, BitFit, normalization layers only."""

from __future__ import annotations

from ..phase import Phase
from ..plan import Plan
from ..registry import register_strategy
from .checks import FINE_TUNING_BN, at_least, stage_list


@register_strategy(
    "surgical",
    summary="Only the named stages train (+ the head unless head=false), e.g. surgical:stages=stem+stage1; their "
    "batch-norm statistics are re-estimated on the target at the start, then frozen (bn= one policy for every stage).",
    reference="Lee et al., Surgical Fine-Tuning Improves Adaptation to Distribution Shifts, ICLR 2023",
)
def surgical(stages: tuple[str, ...] = ("stage1",), head: bool = True, epochs: int = 10, lr: float = 1e-3,
             bn: str | None = None) -> Plan:
    chosen = stage_list("surgical", "stages", stages, allow_head=head)
    at_least("surgical", "epochs", epochs, 1)
    train = chosen + (["head"] if head and "head" not in chosen else [])
    body = [s for s in chosen if s != "head"] or ["head"]
    # Lee et al.'s input-level shifts: the tuned stages' statistics follow the target (measured on inverted digits,
    # benchmarks/RESULTS.md); the frozen stages keep theirs
    policy = bn if bn is not None else ({s: "adapt" for s in body if s != "head"} or FINE_TUNING_BN)
    return Plan(phases=[Phase(name=f"fine-tune {'+'.join(body)}", epochs=epochs, train=train, lr=lr, bn=policy)])


@register_strategy(
    "bitfit",
    summary="Only bias terms of the backbone train, plus the head.",
    reference="Ben Zaken, Ravfogel & Goldberg, BitFit, ACL 2022",
)
def bitfit(epochs: int = 10, lr: float = 2e-3, bn: str = FINE_TUNING_BN) -> Plan:
    at_least("bitfit", "epochs", epochs, 1)
    return Plan(phases=[Phase(name="biases and head", epochs=epochs, train=["all"], params="bias", lr=lr, bn=bn)])


@register_strategy(
    "norm-only",
    summary="Only the affine parameters of normalization layers train, plus the head; batch-norm statistics frozen.",
    reference="Frankle, Schwab & Morcos, Training BatchNorm and Only BatchNorm, ICLR 2021",
)
def norm_only(epochs: int = 10, lr: float = 2e-3, bn: str = FINE_TUNING_BN) -> Plan:
    at_least("norm-only", "epochs", epochs, 1)
    return Plan(phases=[Phase(name="normalization layers and head", epochs=epochs, train=["all"], params="norm",
                              lr=lr, bn=bn)])
