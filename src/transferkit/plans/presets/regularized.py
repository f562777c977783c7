"""L2-SP: full fine-tuning pulled toward the pretrained weights instead of toward zero."""

from __future__ import annotations

from ..phase import Phase
from ..plan import Plan
from ..registry import register_strategy
from .checks import FINE_TUNING_BN, at_least


@register_strategy(
    "l2sp",
    summary="Every stage trains with a penalty alpha/2*||w - w0||^2 toward the pretrained weights (+ beta on the head).",
    reference="Li, Grandvalet & Davoine, Explicit Inductive Bias for Transfer Learning with CNNs, ICML 2018",
)
def l2sp(alpha: float = 0.1, beta: float = 0.01, epochs: int = 10, lr: float = 1e-3, bn: str = FINE_TUNING_BN) -> Plan:
    at_least("l2sp", "alpha", alpha, 0)
    at_least("l2sp", "beta", beta, 0)
    at_least("l2sp", "epochs", epochs, 1)
    # L2-SP replaces weight decay (which would pull toward zero instead of toward the pretrained weights)
    phase = Phase(name="fine-tune all with L2-SP", epochs=epochs, train=["all"], lr=lr, weight_decay=0.0, bn=bn,
                  regularizers={"l2sp": {"alpha": alpha, "beta": beta}})
    return Plan(phases=[phase])
