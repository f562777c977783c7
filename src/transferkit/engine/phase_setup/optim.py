"""Optimizer of one phase, built from the trainable parameters only (its schedule: schedules.py).

Parameter groups are one per trainable stage (split into decayed and non-decayed tensors, as timm
does: 1-D tensors such as biases and norm scales get no weight decay), each with the stage's
learning rate from the resolved phase. A phase with `auto_rgn` gets one group per tensor, named after it,
so that each tensor's learning rate can carry its own multiplier.
"""

from __future__ import annotations

import torch

from ...plans import ResolvedPhase


def parameter_groups(backbone, phase: ResolvedPhase, trainable: list[str]) -> list[dict]:
    """Optimizer groups {name, stage, params, param_names, lr, weight_decay} for the trainable tensors."""
    params = dict(backbone.model.named_parameters())
    skip_decay = _no_weight_decay_names(backbone.model)
    per_tensor = phase.phase.auto_rgn
    groups: dict[tuple[str, bool] | str, dict] = {}
    for name in trainable:
        stage = backbone.stage_of_param(name)
        setting = phase.setting(stage)
        tensor = params[name]
        decay = tensor.ndim > 1 and name not in skip_decay
        key = name if per_tensor else (stage, decay)
        if key not in groups:
            groups[key] = {
                "name": name if per_tensor else (stage if decay else f"{stage} (no decay)"),
                "stage": stage,
                "params": [],
                "param_names": [],
                "lr": setting.lr,
                "initial_lr": setting.lr,
                "weight_decay": phase.phase.weight_decay if decay else 0.0,
            }
        groups[key]["params"].append(tensor)
        groups[key]["param_names"].append(name)
    order = {s.stage: i for i, s in enumerate(phase.stages)}
    if per_tensor:
        return sorted(groups.values(), key=lambda g: order[g["stage"]])
    return sorted(groups.values(), key=lambda g: (order[g["stage"]], g["weight_decay"] == 0.0))


def _no_weight_decay_names(model) -> set[str]:
    """timm models list tensors that must not decay (position embeddings, class tokens)."""
    names = getattr(model, "no_weight_decay", None)
    if callable(names):
        try:
            return set(names())
        except TypeError:
            return set()
    return set()


def build_optimizer(phase: ResolvedPhase, groups: list[dict]) -> torch.optim.Optimizer:
    p = phase.phase
    if p.optimizer == "sgd":
        return torch.optim.SGD(groups, lr=p.lr, momentum=p.momentum, nesterov=p.momentum > 0)
    return torch.optim.AdamW(groups, lr=p.lr, betas=(p.momentum, 0.999))
