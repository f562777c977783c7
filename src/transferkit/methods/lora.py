"""LoRA: low-rank adapters on the conv and linear layers of chosen stages (Hu et al., ICLR 2022), through
Hugging Face PEFT. Attached for one phase, trained while every base weight stays fixed, then merged into the
base weights so that the saved network is a plain one that loads without PEFT."""

from __future__ import annotations

import copy
import re

import torch
from torch import nn

from ..errors import PlanError

ADAPTER_NAME = "default"


def adapter_targets(net, stages: list[str]) -> dict[str, str]:
    """{module name: stage} of the layers PEFT can adapt (nn.Linear, ungrouped nn.Conv2d) in `stages`."""
    wanted = set(stages)
    targets = {}
    for name, module in net.model.named_modules():
        adaptable = isinstance(module, nn.Linear) or (isinstance(module, nn.Conv2d) and module.groups == 1)
        if name and adaptable:
            stage = net.stage_of_module(name)
            if stage in wanted:
                targets[name] = stage
    return targets


class LowRankAdapters:
    """Adapters attached to a Backbone in place. While attached, the backbone's stage map also covers the
    adapter tensors (`*.lora_A.*`, `*.lora_B.*`) and the wrapped base weights (`*.base_layer.*`)."""

    def __init__(self, net, tuner, targets: dict[str, str], original_stages, settings: dict):
        self.net, self._tuner, self.targets = net, tuner, targets
        self._original_stages, self.settings = original_stages, settings

    @classmethod
    def attach(cls, net, stages: list[str], r: int = 4, alpha: float = 8.0, dropout: float = 0.0) -> LowRankAdapters:
        from peft import LoraConfig  # imported here: PEFT (and transformers) take seconds to import
        from peft.tuners.lora import LoraModel

        if not stages:
            raise PlanError("params: lora puts adapters in the trained stages below the head, but this phase trains "
                            f"none; add some of {net.stage_names[:-1]} to 'train'.")
        targets = adapter_targets(net, stages)
        if not targets:
            raise PlanError(
                f"Stages {stages} have no linear or (ungrouped) conv layers for low-rank adapters; "
                f"choose other stages from {net.stage_names[:-1]}."
            )
        original = copy.deepcopy(net.stages)
        owner = {p: s.name for s in original for p in s.params}
        pattern = "^(" + "|".join(re.escape(t) for t in targets) + ")$"
        config = LoraConfig(r=int(r), lora_alpha=float(alpha), lora_dropout=float(dropout), target_modules=pattern)
        tuner = LoraModel(net.model, config, ADAPTER_NAME)
        net.set_stages(_restaged(net.model, original, owner, targets))
        return cls(net, tuner, targets, original, {"method": "lora", "r": int(r), "alpha": float(alpha),
                                                   "dropout": float(dropout)})

    def adapter_params(self) -> int:
        return sum(p.numel() for n, p in self.net.model.named_parameters() if "lora_" in n)

    @torch.no_grad()
    def merge(self) -> None:
        """Fold every adapter into its base weight (W + alpha/r * B A) and restore the plain network."""
        self._tuner.merge_and_unload()
        self.net.set_stages(self._original_stages)

    def describe(self) -> dict:
        return {**self.settings, "layers": len(self.targets), "stages": sorted(set(self.targets.values()),
                key=[s.name for s in self._original_stages].index), "adapter_params": self.adapter_params()}


def _restaged(model: nn.Module, original, owner: dict[str, str], targets: dict[str, str]):
    """The original stages with PEFT's names: base weights keep their stage, adapter tensors take their layer's."""
    stages = copy.deepcopy(original)
    by_name = {s.name: s for s in stages}
    for s in stages:
        s.params = []
    for name, _ in model.named_parameters():
        plain = name.replace(".base_layer.", ".")
        if plain in owner:
            stage = owner[plain]
        else:
            layer = next(t for t in targets if name.startswith(t + "."))
            stage = targets[layer]
        by_name[stage].params.append(name)
    return stages
