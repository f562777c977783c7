"""The pre-logits features of a target's training images, computed as the first phase of a plan that trains only the
head computes them: through the run's feature cache, so the store this writes is the one that phase (in `adapt` or
`compare`, same network, data, split and seed) later reuses, and the other way round."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ..data import DataSplits
from ..errors import PlanError
from ..plans import Plan
from ..settings import Execution
from .feature_cache import FeatureCache
from .inputs import ImageInputs
from .phase_exec import PhaseExecution, RunContext
from .processes import make_accelerator
from .runner import prepare_network


@dataclass
class FrozenFeatures:
    """`train`: the pooled pre-logits features (N, D) of the training images in order, float32; `cache`: the
    feature cache's record (used, reused, key, why not)."""

    train: np.ndarray
    cache: dict


@torch.no_grad()
def frozen_features(plan: Plan, backbone, data: DataSplits, seed: int, execution: Execution) -> FrozenFeatures:
    """Features of `data.train` below the head, from the feature cache of `plan`'s first phase (computed and stored
    when absent); straight from the network when that phase cannot use the cache (the record says why)."""
    net = prepare_network(plan, backbone, len(data.classes), seed)
    first = plan.resolve(net.stage_names)[0]
    if first.trainable_stages != ["head"]:
        raise PlanError(f"Frozen features come from a phase that trains only the head; '{first.phase.name}' does not.")
    accelerator = make_accelerator(execution.device, execution.precision)
    model = accelerator.prepare_model(net.model)
    inputs = ImageInputs(net, model, data, accelerator)
    context = RunContext(inputs, {}, seed, feature_cache=FeatureCache(execution.cache, seed, accelerator))
    phase = PhaseExecution(first, context)
    phase.setup()
    return FrozenFeatures(phase.inputs.train_features().float().cpu().numpy(), dict(phase.cache_record))
