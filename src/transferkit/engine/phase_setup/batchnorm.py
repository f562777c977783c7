"""Batch-norm policies per stage: `frozen` (eval mode, statistics untouched), `train` (batch statistics,
running statistics update) and `adapt` (re-estimate running statistics once at phase start, then frozen).
Frozen stages also run their dropout in eval mode, so a frozen stage is a fixed function."""

from __future__ import annotations

import torch
from torch import nn

from ...plans import ResolvedPhase


def is_batchnorm(module: nn.Module) -> bool:
    return isinstance(module, nn.modules.batchnorm._BatchNorm)


def _module_stages(backbone) -> dict[str, set[str]]:
    """Each module's stages: those of all parameters below it, or its nearest stage if it has none."""
    out: dict[str, set[str]] = {}
    for name, module in backbone.model.named_modules():
        if not name:
            continue
        stages = {backbone.stage_of_param(f"{name}.{p}") for p, _ in module.named_parameters()}
        if not stages:
            stage = backbone.stage_of_module(name)
            stages = {stage} if stage else set()
        out[name] = stages
    return out


def set_modes(backbone, phase: ResolvedPhase) -> dict[str, str]:
    """Put every module in the mode the phase asks for; return the applied BN policy per stage.

    A module whose stages are all frozen runs in eval mode (dropout, drop-path, batch norm), except
    batch-norm layers whose stage policy is `train`.
    """
    model = backbone.model
    model.train()
    applied: dict[str, str] = {}
    stages_by_module = _module_stages(backbone)
    for name, stages in stages_by_module.items():
        if not stages:
            continue
        module = model.get_submodule(name)
        settings = [phase.setting(s) for s in stages]
        if is_batchnorm(module):
            policy = settings[0].bn
            module.train(policy == "train")
            applied[settings[0].stage] = policy
        elif not any(s.trainable for s in settings):
            module.eval()
    # a container switched to eval above also switched its children; restore BN layers asked to train
    for name, stages in stages_by_module.items():
        module = model.get_submodule(name)
        if stages and is_batchnorm(module):
            module.train(phase.setting(next(iter(stages))).bn == "train")
    return applied


def batchnorm_modules(backbone, stages: set[str]) -> list[nn.Module]:
    return [
        m for n, m in backbone.model.named_modules() if n and is_batchnorm(m) and backbone.stage_of_module(n) in stages
    ]


@torch.no_grad()
def reestimate_statistics(model: nn.Module, modules: list[nn.Module], batches) -> int:
    """Reset and recompute running mean/var of `modules` from `batches`; return the number of images seen.

    Each batch's statistics are averaged in with weight proportional to its size, so the running mean is
    exactly the mean over all images (the variance is the size-weighted mean of per-batch variances).
    """
    if not modules:
        return 0
    saved = [(m, m.momentum) for m in modules]
    was_training = model.training
    model.eval()
    for m in modules:
        m.reset_running_stats()
        m.train()
    seen = 0
    for x in batches:
        n = x.shape[0]
        for m in modules:
            m.momentum = n / (seen + n)
        model(x)
        seen += n
    for m, momentum in saved:
        m.momentum = momentum
        m.eval()
    model.train(was_training)
    return seen
