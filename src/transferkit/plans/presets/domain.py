"""Unsupervised domain adaptation: train on the labelled source (--source), adapt to unlabelled target images
(--unlabeled). Each preset is one phase; run it with `adapt --source S --unlabeled U --data T`."""

from __future__ import annotations

from dataclasses import dataclass

from ..phase import Phase
from ..plan import Plan
from ..registry import register_strategy

_BN = "Batch norm: adapt (statistics per domain, AdaBN) or any policy (e.g. bn=frozen for source statistics)."


@dataclass(frozen=True)
class _Aligned:
    """What coral, dann, mmd, cdan and mcc share: the top `k` stages and the head train on the source for `epochs` at
    `lr` with batch-norm policy `bn`, while an alignment loss of factor `weight` adapts to the target."""

    k: int
    epochs: int
    lr: float
    weight: float
    bn: str

    def plan(self, label: str, method: str, **settings) -> Plan:
        """The one-phase plan with alignment `method` and its `settings` (`label` names it in the phase's name)."""
        train = [f"top:{self.k}", "head"] if self.k > 0 else ["head"]
        phase = Phase(name=f"train on source, align with target ({label})", epochs=self.epochs, train=train,
                      lr=self.lr, bn=self.bn, alignment={"method": method, "weight": self.weight, **settings})
        return Plan(phases=[phase])


@register_strategy(
    "source-only",
    domain_adaptation=True,
    summary="The baseline of domain adaptation: trains like the presets below (head only for k=0, as adabn; the top k "
            "stages and the head otherwise, as coral/dann/mmd/cdan/mcc) on the source, without adapting to the "
            "target.",
)
def source_only(k: int = 1, epochs: int = 10, lr: float | None = None) -> Plan:
    if k == 0:
        phase = Phase(name="head on source", epochs=epochs, train=["head"], lr=1e-2 if lr is None else lr,
                      weight_decay=1e-4, standardize_features=True)
    else:
        phase = Phase(name="train on source", epochs=epochs, train=[f"top:{k}", "head"], lr=1e-3 if lr is None else lr)
    return Plan(phases=[phase])


@register_strategy(
    "adabn",
    domain_adaptation=True,
    summary="Head trained on the source with source batch-norm statistics; the target gets its own (AdaBN).",
    reference="Li et al., Revisiting Batch Normalization for Practical Domain Adaptation, ICLR-W 2017",
)
def adabn(epochs: int = 10, lr: float = 1e-2) -> Plan:
    phase = Phase(name="head on source, batch norm per domain", epochs=epochs, train=["head"], lr=lr,
                  weight_decay=1e-4, bn="adapt", standardize_features=True)
    return Plan(phases=[phase])


@register_strategy(
    "coral",
    domain_adaptation=True,
    summary="The top k stages and the head train on the source while Deep CORAL aligns feature covariances. " + _BN,
    reference="Sun & Saenko, Deep CORAL: Correlation Alignment for Deep Domain Adaptation, ECCV-W 2016",
)
def coral(k: int = 1, epochs: int = 10, lr: float = 1e-3, weight: float = 1.0, bn: str = "adapt") -> Plan:
    return _Aligned(k, epochs, lr, weight, bn).plan("Deep CORAL", "coral")


@register_strategy(
    "dann",
    domain_adaptation=True,
    summary="The top k stages and the head train on the source against a domain critic (gradient reversal). " + _BN,
    reference="Ganin et al., Domain-Adversarial Training of Neural Networks, JMLR 2016",
)
def dann(k: int = 1, epochs: int = 10, lr: float = 1e-3, weight: float = 1.0, bn: str = "adapt") -> Plan:
    return _Aligned(k, epochs, lr, weight, bn).plan("DANN", "dann")


@register_strategy(
    "mmd",
    domain_adaptation=True,
    summary="The top k stages and the head train on the source while multi-kernel MMD aligns the features. " + _BN,
    reference="Long et al., Learning Transferable Features with Deep Adaptation Networks (DAN), ICML 2015",
)
def mmd(k: int = 1, epochs: int = 10, lr: float = 1e-3, weight: float = 1.0, bn: str = "adapt") -> Plan:
    return _Aligned(k, epochs, lr, weight, bn).plan("DAN multi-kernel MMD", "mmd")


@register_strategy(
    "cdan",
    domain_adaptation=True,
    summary="As dann, but the critic sees the multilinear map of features and predictions; entropy=true weights "
            "confident examples more (CDAN+E). " + _BN,
    reference="Long et al., Conditional Adversarial Domain Adaptation, NeurIPS 2018",
)
def cdan(k: int = 1, epochs: int = 10, lr: float = 1e-3, weight: float = 1.0, bn: str = "adapt",
         entropy: bool = False) -> Plan:
    return _Aligned(k, epochs, lr, weight, bn).plan("CDAN+E" if entropy else "CDAN", "cdan", entropy=entropy)


@register_strategy(
    "mcc",
    domain_adaptation=True,
    summary="The top k stages and the head train on the source while the class confusion of the target's "
            "predictions (temperature T) is minimized. " + _BN,
    reference="Jin et al., Minimum Class Confusion for Versatile Domain Adaptation, ECCV 2020",
)
def mcc(k: int = 1, epochs: int = 10, lr: float = 1e-3, weight: float = 1.0, bn: str = "adapt",
        temperature: float = 2.5) -> Plan:
    return _Aligned(k, epochs, lr, weight, bn).plan("MCC", "mcc", temperature=temperature)
