"""Presets where every stage trains, each at its own learning rate: layer-wise decay, discriminative rates, Auto-RGN."""

from __future__ import annotations

from ..phase import Phase
from ..plan import Plan
from ..registry import register_strategy
from .checks import FINE_TUNING_BN, at_least, fraction


@register_strategy(
    "layer-decay",
    summary="Every stage trains; stage i learns at lr * decay^(stages above it), the head at lr.",
    reference="Clark et al., ELECTRA, ICLR 2020; Bao et al., BEiT, ICLR 2022 (timm's layer_decay)",
)
def layer_decay(decay: float = 0.7, epochs: int = 10, lr: float = 1e-3,
                bn: str = FINE_TUNING_BN) -> Plan:
    # Stages come from timm's group_matcher (the grouping timm's layer decay uses), one rate per stage.
    fraction("layer-decay", "decay", decay)
    at_least("layer-decay", "epochs", epochs, 1)
    return Plan(phases=[Phase(name="fine-tune all, layer-wise decay", epochs=epochs, train=["all"], lr=lr,
                              lr_decay=decay, bn=bn)])


@register_strategy(
    "discriminative",
    summary="Every stage trains; learning rates spread geometrically from lr/ratio (stem) to lr (head).",
    reference="Howard & Ruder, ULMFiT, ACL 2018 (fastai's slice(lr/ratio, lr))",
)
def discriminative(ratio: float = 100.0, epochs: int = 10, lr: float = 1e-3,
                   bn: str = FINE_TUNING_BN) -> Plan:
    at_least("discriminative", "ratio", ratio, 1)
    at_least("discriminative", "epochs", epochs, 1)
    return Plan(phases=[Phase(name="fine-tune all, discriminative rates", epochs=epochs, train=["all"], lr=lr,
                              lr_spread=ratio, bn=bn)])


@register_strategy(
    "auto-rgn",
    summary="Every stage trains; each tensor's rate is scaled by its relative gradient norm (max 1), every epoch.",
    reference="Lee et al., Surgical Fine-Tuning Improves Adaptation to Distribution Shifts, ICLR 2023 (Auto-RGN)",
)
def auto_rgn(epochs: int = 10, lr: float = 1e-3,
             bn: str = FINE_TUNING_BN) -> Plan:
    at_least("auto-rgn", "epochs", epochs, 1)
    return Plan(phases=[Phase(name="fine-tune all, Auto-RGN rates", epochs=epochs, train=["all"], lr=lr,
                              auto_rgn=True, bn=bn)])
