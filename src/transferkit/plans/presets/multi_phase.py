"""Presets that change what trains from phase to phase: LP-FT and gradual unfreezing."""

from __future__ import annotations

from ..phase import Phase
from ..plan import Plan
from ..registry import register_strategy
from .checks import FINE_TUNING_BN, at_least


@register_strategy(
    "lp-ft",
    summary="A linear probe trained as `linear-probe` trains it, then full fine-tuning from the probed head at a 100x "
    "lower rate, batch norm frozen.",
    reference="Kumar et al., Fine-Tuning can Distort Pretrained Features and Underperform Out-of-Distribution, "
    "ICLR 2022",
)
def lp_ft(probe_epochs: int = 10, epochs: int = 10, probe_lr: float = 1e-2, lr: float = 1e-4,
          bn: str = FINE_TUNING_BN, fit: str = "lbfgs") -> Plan:
    at_least("lp-ft", "probe_epochs", probe_epochs, 1)
    at_least("lp-ft", "epochs", epochs, 1)
    # Kumar et al. train the probe to convergence first: the probe phase is `linear-probe`'s phase, and an epoch
    # budget (--epochs, compare) rescales only the fine-tuning phase
    probe = Phase(name="linear probe", epochs=probe_epochs, fixed_epochs=True, train=["head"], lr=probe_lr,
                  weight_decay=1e-4, standardize_features=True, fit=fit)
    # Kumar et al. fine-tune at a rate 10-100x below the probe's, so the probed head's features are kept
    tune = Phase(name="fine-tune all", epochs=epochs, train=["all"], lr=lr, bn=bn)
    return Plan(phases=[probe, tune])


@register_strategy(
    "gradual",
    summary="Gradual unfreezing: the head first, then one more stage per phase, top down.",
    reference="Howard & Ruder, Universal Language Model Fine-tuning for Text Classification (ULMFiT), ACL 2018",
)
def gradual(stages: int = 4, epochs_per_phase: int = 2, lr: float = 1e-3) -> Plan:
    at_least("gradual", "stages", stages, 1)
    at_least("gradual", "epochs_per_phase", epochs_per_phase, 1)
    phases = [Phase(name="head only", epochs=epochs_per_phase, train=["head"], lr=lr)]
    phases += [
        Phase(name=f"unfreeze top {k}", epochs=epochs_per_phase, train=[f"top:{k}", "head"], lr=lr)
        for k in range(1, stages + 1)
    ]
    return Plan(phases=phases)


@register_strategy(
    "wise-ft",
    summary="LP-FT, then WiSE-FT: the fine-tuned weights mixed with the probed ones (pretrained backbone, probed head) "
    "at alpha, chosen on validation (auto) or given; batch-norm statistics interpolated, or re-estimated with wise_bn=reestimate.",
    reference="Wortsman et al., Robust Fine-Tuning of Zero-Shot Models, CVPR 2022",
)
def wise_ft(probe_epochs: int = 10, epochs: int = 10, probe_lr: float = 1e-2, lr: float = 1e-4,
            bn: str = FINE_TUNING_BN, alpha: float | str = "auto") -> Plan:
    plan = lp_ft(probe_epochs, epochs, probe_lr, lr, bn)
    plan.phases[-1].wise = alpha
    plan.phases[-1].validate()
    return plan
