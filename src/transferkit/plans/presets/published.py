"""Recipes as published by two libraries: the Keras transfer-learning guide and fastai's `fine_tune`."""

from __future__ import annotations

from ..phase import Phase
from ..plan import Plan
from ..registry import register_strategy
from .checks import FINE_TUNING_BN, at_least, positive


@register_strategy(
    "keras-guide",
    summary="Head with the base in inference mode, then everything at a much lower rate; batch norm stays frozen.",
    reference="Chollet, Transfer learning & fine-tuning, keras.io guide (Adam 1e-3, then Adam 1e-5)",
)
def keras_guide(epochs: int = 20, fine_tune_epochs: int = 10, lr: float = 1e-3, fine_tune_lr: float = 1e-5) -> Plan:
    at_least("keras-guide", "epochs", epochs, 1)
    at_least("keras-guide", "fine_tune_epochs", fine_tune_epochs, 1)
    positive("keras-guide", "fine_tune_lr", fine_tune_lr)
    # Keras: Adam without weight decay, constant rate; BatchNormalization called with training=False throughout
    keras = {"optimizer": "adamw", "weight_decay": 0.0, "schedule": "constant", "warmup": 0.0, "bn": "frozen"}
    # "only do this step after the model with frozen layers has been trained to convergence": an epoch budget
    # (--epochs, compare) rescales only the fine-tuning phase
    head = Phase(name="head, base in inference mode", epochs=epochs, fixed_epochs=True, train=["head"], lr=lr, **keras)
    tune = Phase(name="fine-tune all, batch norm in inference mode", epochs=fine_tune_epochs, train=["all"],
                 lr=fine_tune_lr, **keras)
    return Plan(phases=[head, tune])


@register_strategy(
    "fastai",
    summary="fastai fine_tune: 1 frozen epoch (norm layers train), then all stages, discriminative rates, one-cycle.",
    reference="fastai Learner.fine_tune (Howard & Gugger, Information 2020); Smith, one-cycle, 2018",
)
def fastai(epochs: int = 10, freeze_epochs: int = 1, lr: float = 2e-3, lr_mult: float = 100.0,
           bn: str = FINE_TUNING_BN) -> Plan:
    at_least("fastai", "epochs", epochs, 1)
    at_least("fastai", "freeze_epochs", freeze_epochs, 1)
    at_least("fastai", "lr_mult", lr_mult, 1)
    # fastai: Adam with decoupled weight decay 0.01; freeze() keeps batch-norm affine parameters trainable (train_bn=True).
    # fastai also updates their running statistics (bn=train); the default keeps them (FINE_TUNING_BN).
    frozen = Phase(name="frozen body, batch norm trains", epochs=freeze_epochs, train=["all"], params="norm", lr=lr,
                   weight_decay=0.01, schedule="onecycle", warmup=0.99, bn=bn)
    # then base_lr /= 2 and fit_one_cycle(epochs, slice(base_lr / lr_mult, base_lr), pct_start=0.3)
    unfrozen = Phase(name="unfrozen, discriminative rates", epochs=epochs, train=["all"], lr=lr / 2,
                     lr_spread=lr_mult, weight_decay=0.01, schedule="onecycle", warmup=0.3, bn=bn)
    return Plan(phases=[frozen, unfrozen])
