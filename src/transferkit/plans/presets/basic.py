"""The baseline presets: training from scratch, linear probing, partial and full fine-tuning."""

from __future__ import annotations

from ..phase import Phase
from ..plan import Plan
from ..registry import register_strategy
from .checks import FINE_TUNING_BN


@register_strategy(
    "scratch",
    summary="Same architecture, random weights, every stage trains: the no-transfer baseline.",
)
def scratch(epochs: int = 10, lr: float = 2e-3) -> Plan:
    return Plan(phases=[Phase(name="train from scratch", epochs=epochs, train=["all"], lr=lr)], init="random")


@register_strategy(
    "linear-probe",
    summary="Backbone frozen (batch norm in inference mode); only a new linear head trains.",
    reference="Kornblith et al., Do Better ImageNet Models Transfer Better?, CVPR 2019",
)
def linear_probe(epochs: int = 10, lr: float = 1e-2, init: str = "pretrained", fit: str = "lbfgs") -> Plan:
    # fitted to convergence by L-BFGS on the cached features, L2 strength chosen on validation (Kornblith et al.);
    # fit=sgd: `epochs` of AdamW at `lr` instead
    phase = Phase(name="linear probe", epochs=epochs, train=["head"], lr=lr, weight_decay=1e-4,
                  standardize_features=True, fit=fit)
    return Plan(phases=[phase], init=init)


@register_strategy(
    "partial",
    summary="The top k stages and the head train; the stages below stay frozen.",
    reference="Yosinski et al., How transferable are features in deep neural networks?, NeurIPS 2014",
)
def partial(k: int = 1, epochs: int = 10, lr: float = 1e-3) -> Plan:
    phase = Phase(name=f"fine-tune top {k}", epochs=epochs, train=[f"top:{k}", "head"], lr=lr)
    return Plan(phases=[phase])


@register_strategy(
    "full",
    summary="Every stage trains from the pretrained weights, with one learning rate; batch norm in inference mode.",
)
def full(epochs: int = 10, lr: float = 1e-3, bn: str = FINE_TUNING_BN) -> Plan:
    return Plan(phases=[Phase(name="fine-tune all", epochs=epochs, train=["all"], lr=lr, bn=bn)])
