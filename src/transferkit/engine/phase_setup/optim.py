"""Optimizer and schedule of one phase, built from the trainable parameters only.

Parameter groups are one per trainable stage (split into decayed and non-decayed tensors, as timm
does: 1-D tensors such as biases and norm scales get no weight decay), each with the stage's
learning rate from the resolved phase. A phase with `auto_rgn` gets one group per tensor, named after it,
so that each tensor's learning rate can carry its own multiplier.
"""

from __future__ import annotations

import math

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


def lr_factor(schedule: str, step: int, total: int, warmup: float) -> float:
    """Multiplier of the base learning rate at `step` (0-based) of `total` steps."""
    total = max(total, 1)
    warm = int(round(warmup * total))
    if schedule == "constant":
        return (step + 1) / warm if step < warm else 1.0
    if schedule == "onecycle":
        # fastai/Smith one-cycle: cosine up from lr/25 over the warm-up, cosine down to lr/1e5
        warm = max(warm, 1)
        if step < warm:
            t = step / warm
            return 1 / 25 + (1 - 1 / 25) * (1 - math.cos(math.pi * t)) / 2
        t = (step - warm) / max(total - warm, 1)
        return 1e-5 + (1 - 1e-5) * (1 + math.cos(math.pi * t)) / 2
    # cosine with linear warm-up, to zero at the end
    if step < warm:
        return (step + 1) / warm
    t = (step - warm) / max(total - warm, 1)
    return 0.5 * (1 + math.cos(math.pi * t))


def build_scheduler(optimizer: torch.optim.Optimizer, phase: ResolvedPhase, total_steps: int, processes: int = 1):
    """The phase's schedule over `total_steps` optimizer steps. Accelerate steps a prepared schedule once per process
    at each optimizer step, so it counts `processes` steps as one: a data-parallel run follows the schedule of one
    process that takes the global batch."""
    p = phase.phase
    return torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: lr_factor(p.schedule, step // processes, total_steps, p.warmup)
    )
