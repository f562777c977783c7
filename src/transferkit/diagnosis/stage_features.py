"""Pooled features of every stage, from one forward pass with forward hooks.

How a stage's output is found: every submodule that lies in exactly one stage (`Backbone.stage_of_module`: by its
parameters, or for a parameter-free module such as an activation or pooling layer, by its nearest neighbours) gets
a forward hook. A hook fires when its module's forward returns, so containers fire after their children; the
output of the *last* hook that fires for a stage is that stage's output (e.g. `layer1` of a ResNet, the `maxpool`
after a ResNet's stem convolution, `blocks.3` of a ViT whose stage 4 is that block). Outputs are global-average
pooled: (N, C, H, W) over H and W, (N, T, C) tokens over T; (N, C) is kept. Networks that keep feature maps
channels-last inside their stages would need their own pooling (not done here).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ..data import uint8_batches
from ..errors import ModelError

DEFAULT_BATCH = 256


@dataclass
class StageFeatures:
    """Per-stage pooled features (N, C_s) float32, the head's input (N, D), the head's logits and predictions."""

    stages: dict[str, np.ndarray]
    pre_logits: np.ndarray
    predicted: np.ndarray
    logits: np.ndarray | None = None

    def __len__(self) -> int:
        return int(len(self.predicted))

    def subset(self, index: np.ndarray) -> StageFeatures:
        return StageFeatures({k: v[index] for k, v in self.stages.items()}, self.pre_logits[index],
                             self.predicted[index], None if self.logits is None else self.logits[index])


def pool(output: torch.Tensor) -> torch.Tensor:
    """Global average pooling of a stage output to (N, C)."""
    if output.ndim == 4:
        return output.mean(dim=(2, 3))
    if output.ndim == 3:
        return output.mean(dim=1)
    if output.ndim == 2:
        return output
    raise ModelError(f"A stage output has shape {tuple(output.shape)}; transferkit can pool only (N, C), (N, T, C) "
                     "or (N, C, H, W) outputs.")


def _stage_modules(backbone) -> dict[str, str]:
    """module name -> stage, for every submodule that lies in one body stage."""
    body = set(backbone.stage_names[:-1])
    out = {}
    for name, _ in backbone.model.named_modules():
        if name:
            stage = backbone.stage_of_module(name)
            if stage in body:
                out[name] = stage
    return out


@torch.no_grad()
def extract_stage_features(backbone, images: torch.Tensor, *, batch_size: int = DEFAULT_BATCH,
                           device: str | torch.device = "cpu") -> StageFeatures:
    """Run uint8 images (N, 3, H, W) at the model's input size (a tensor, or streamed images decoded batch by batch)
    through `backbone` in eval mode."""
    model = backbone.model
    was_training = model.training
    model.eval()
    last: dict[str, torch.Tensor] = {}
    head_input: list[torch.Tensor] = []
    hooks = []
    for name, stage in _stage_modules(backbone).items():
        hooks.append(model.get_submodule(name).register_forward_hook(
            lambda _m, _args, out, stage=stage: last.__setitem__(stage, out)))
    hooks.append(backbone.head_module().register_forward_pre_hook(lambda _m, args: head_input.append(args[0])))
    parts: dict[str, list[np.ndarray]] = {s: [] for s in backbone.stage_names[:-1]}
    pre_logits, predicted, all_logits = [], [], []
    try:
        for batch in uint8_batches(images, batch_size):
            batch = backbone.preprocessing.normalize(batch.to(device))
            last.clear()
            head_input.clear()
            logits = model(batch)
            missing = [s for s in parts if s not in last]
            if missing or not head_input:
                what = f"stage {missing[0]}" if missing else "the head"
                raise ModelError(f"The forward pass never ran {what}; transferkit cannot read its features.")
            for stage in parts:
                parts[stage].append(pool(last[stage]).float().cpu().numpy())
            pre_logits.append(head_input[-1].float().reshape(len(batch), -1).cpu().numpy())
            predicted.append(logits.argmax(1).cpu().numpy())
            all_logits.append(logits.float().cpu().numpy())
    finally:
        for hook in hooks:
            hook.remove()
        model.train(was_training)
    if not predicted:
        empty = {s: np.zeros((0, 0), np.float32) for s in parts}
        return StageFeatures(empty, np.zeros((0, 0), np.float32), np.zeros(0, np.int64), np.zeros((0, 0), np.float32))
    return StageFeatures({s: np.concatenate(v) for s, v in parts.items()}, np.concatenate(pre_logits),
                         np.concatenate(predicted).astype(np.int64), np.concatenate(all_logits))
