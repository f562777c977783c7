"""Weights between phases: run every prefix of a plan and keep the network's state after each.

The engine seeds each (phase, epoch) from the run seed, so the first k phases of a plan run alone are exactly the
first k phases of the whole plan; the state after a prefix is the state at that phase boundary.
"""

from __future__ import annotations

import copy
import dataclasses

import torch

from transferkit.data.loading import ImageTensors
from transferkit.engine import RunConfig, prepare_network, run_plan
from transferkit.settings import Execution, KeepRule
from transferkit.plans import Plan


def state_of(backbone) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in backbone.model.state_dict().items()}


def phase_states(plan: Plan, backbone, data, seed: int = 0):
    """([state before phase 1, after phase 1, ...], result of the whole plan)."""
    states = [state_of(prepare_network(plan, backbone, len(data.classes), seed))]
    result = None
    for k in range(1, len(plan.phases) + 1):
        prefix = Plan(phases=copy.deepcopy(plan.phases[:k]), strategy=plan.strategy, init=plan.init)
        # the weights at the phase boundary: the last epoch's, whichever epoch validated best
        config = RunConfig(seed=seed, execution=Execution(progress=False, eval_every=0), keep=KeepRule(keep="last"))
        result = run_plan(prefix, backbone, data, config)
        states.append(state_of(result.backbone))
    return states, result


def key_stages(backbone) -> dict[str, str]:
    """Stage of every state-dict entry: parameters by the stage map, buffers (BN statistics) by their module."""
    params = dict(backbone.model.named_parameters())
    out = {}
    for key in backbone.model.state_dict():
        if key in params:
            out[key] = backbone.stage_of_param(key)
        else:
            out[key] = backbone.stage_of_module(key.rpartition(".")[0])
    return out


def changed(before: dict, after: dict, keys) -> set[str]:
    return {k for k in keys if not torch.equal(before[k], after[k])}


def stages_changed(before: dict, after: dict, stage_of: dict[str, str], params: set[str]) -> set[str]:
    """Stages with at least one parameter that changed."""
    return {stage_of[k] for k in changed(before, after, params)}


def small_eval(data, images: int = 40):
    """The same training set with short validation and test sets, for tests that look at weights, not accuracy."""
    def head(part: ImageTensors) -> ImageTensors:
        return ImageTensors(part.images[:images], part.labels[:images], part.fingerprint + f"[:{images}]")

    return dataclasses.replace(data, val=head(data.val), test=head(data.test))
