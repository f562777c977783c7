"""Cut a network's forward pass at a stage boundary: the trunk (input -> boundary) and the rest (boundary -> logits).

A family whose forward pass is a plain sequence of stage modules is listed here as an ordered list of steps (each
naming the modules and parameters it reads). A cut before stage S is offered only when the steps before it hold
exactly the parameters of the stages below S, so the split always matches `Backbone.stages`.

timm's `forward_intermediates` runs a network up to a block but cannot continue from one, so the step lists are
written out here from each family's `forward_features` and reuse its `forward_head` for the tail.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
from torch import nn

PRE_LOGITS = "pre-logits"


@dataclass(frozen=True)
class Step:
    """One piece of the forward pass; `owners` are the modules and parameters it reads ("*": all that are left)."""

    owners: tuple[str, ...]
    run: Callable[[torch.Tensor], torch.Tensor]


@dataclass(frozen=True)
class Cut:
    """The network split at `boundary`: `rest(trunk(x))` equals `model(x)`; `trunk_stages` lie below the cut."""

    boundary: str
    trunk: Callable[[torch.Tensor], torch.Tensor]
    rest: Callable[[torch.Tensor], torch.Tensor]
    trunk_stages: tuple[str, ...]


def _modules(model: nn.Module, names: Sequence[str]) -> Callable[[torch.Tensor], torch.Tensor]:
    """Apply the named submodules in order (looked up at call time, so replaced modules are followed)."""

    def run(x: torch.Tensor) -> torch.Tensor:
        for name in names:
            x = model.get_submodule(name)(x)
        return x

    return run


def _chain(model: nn.Module, stem: Sequence[str], stages: Sequence[str], final: Sequence[str],
           tail: Callable[[torch.Tensor], torch.Tensor]) -> list[Step]:
    steps = [Step(tuple(stem), _modules(model, stem))]
    steps += [Step((name,), _modules(model, [name])) for name in stages]
    if final:
        steps.append(Step(tuple(final), _modules(model, final)))
    steps.append(Step(("*",), tail))
    return steps


def _children(model: nn.Module, container: str) -> list[str]:
    return [f"{container}.{n}" for n, _ in model.get_submodule(container).named_children()]


def _timm_vit(m: nn.Module) -> list[Step]:
    # as timm's forward_features: patch_embed, _pos_embed (tokens, positions, pos_drop), patch_drop, norm_pre,
    # blocks, norm
    stem = ("patch_embed", "cls_token", "reg_token", "pos_embed", "pos_drop", "patch_drop", "norm_pre")
    embed = Step(stem, lambda x: m.norm_pre(m.patch_drop(m._pos_embed(m.patch_embed(x)))))
    blocks = [Step((name,), _modules(m, [name])) for name in _children(m, "blocks")]
    return [embed, *blocks, Step(("norm",), _modules(m, ["norm"])), Step(("*",), m.forward_head)]


def _timm_steps(model: nn.Module) -> list[Step] | None:
    from timm.models import convnext, efficientnet, mobilenetv3, regnet, resnet, vision_transformer

    head = model.forward_head
    if isinstance(model, resnet.ResNet):
        layers = [n for n, _ in model.named_children() if n.startswith("layer")]
        return _chain(model, ["conv1", "bn1", "act1", "maxpool"], layers, [], head)
    if isinstance(model, convnext.ConvNeXt):
        return _chain(model, ["stem"], _children(model, "stages"), ["norm_pre"], head)
    if isinstance(model, efficientnet.EfficientNet):
        return _chain(model, ["conv_stem", "bn1"], _children(model, "blocks"), ["conv_head", "bn2"], head)
    if isinstance(model, mobilenetv3.MobileNetV3):
        return _chain(model, ["conv_stem", "bn1"], _children(model, "blocks"), [], head)
    if isinstance(model, regnet.RegNet):
        return _chain(model, ["stem"], ["s1", "s2", "s3", "s4"], ["final_conv"], head)
    if isinstance(model, vision_transformer.VisionTransformer):
        return _timm_vit(model)
    return None


def _torchvision_steps(model: nn.Module) -> list[Step] | None:
    from torchvision import models as tvm

    if isinstance(model, tvm.ResNet):
        layers = ["layer1", "layer2", "layer3", "layer4"]
        return _chain(model, ["conv1", "bn1", "relu", "maxpool"], layers, [],
                      lambda x: model.fc(torch.flatten(model.avgpool(x), 1)))
    features = _children(model, "features") if isinstance(getattr(model, "features", None), nn.Sequential) else []
    if isinstance(model, (tvm.EfficientNet, tvm.MobileNetV3)):
        return _chain(model, features[:1], features[1:], [],
                      lambda x: model.classifier(torch.flatten(model.avgpool(x), 1)))
    if isinstance(model, tvm.MobileNetV2):
        pool = nn.functional.adaptive_avg_pool2d
        return _chain(model, features[:1], features[1:], [],
                      lambda x: model.classifier(torch.flatten(pool(x, (1, 1)), 1)))
    if isinstance(model, tvm.ConvNeXt):
        return _chain(model, features[:1], features[1:], [], lambda x: model.classifier(model.avgpool(x)))
    return None


def forward_steps(backbone) -> list[Step] | None:
    """The forward pass as ordered steps, or None when the family is not known to run as a plain sequence."""
    model, library = backbone.model, backbone.arch.get("library")
    if library == "timm":
        return _timm_steps(model)
    if library == "torchvision":
        return _torchvision_steps(model)
    if type(model) is nn.Sequential:  # its forward is its children in order, by definition
        return [Step((name,), _modules(model, [name])) for name, _ in model.named_children()]
    return None


def _owned_params(owners: Sequence[str], all_params: list[str]) -> set[str]:
    names = set()
    for owner in owners:
        prefix = owner + "."
        names.update(p for p in all_params if p == owner or p.startswith(prefix))
    return names


def _compose(steps: Sequence[Step]) -> Callable[[torch.Tensor], torch.Tensor]:
    def run(x: torch.Tensor) -> torch.Tensor:
        for step in steps:
            x = step.run(x)
        return x

    return run


def pre_logits_cut(backbone) -> Cut:
    """The split every backbone has: pooled pre-logits features, then the classifier."""
    head = backbone.head_module
    return Cut(PRE_LOGITS, backbone.features, lambda h: head()(h), tuple(backbone.stage_names[:-1]))


def stage_cut(backbone, stage: str) -> tuple[Cut | None, str]:
    """The split just below `stage` (its input is the boundary), or (None, why not)."""
    steps = forward_steps(backbone)
    arch = f"{backbone.arch.get('library')}:{backbone.arch.get('name')}"
    if steps is None:
        return None, f"backbone does not split into stages ({arch}, {type(backbone.model).__name__})"
    names = backbone.stage_names
    below = set(names[: names.index(stage)])
    all_params = [n for n, _ in backbone.model.named_parameters()]
    claimed: set[str] = set()
    owned = []
    for step in steps:
        params = set(all_params) - claimed if step.owners == ("*",) else _owned_params(step.owners, all_params)
        claimed |= params
        owned.append(params)
    stage_of = backbone.stage_of_param
    index = next((i for i, params in enumerate(owned) if any(stage_of(p) not in below for p in params)), len(steps))
    trunk_params = set().union(*owned[:index])
    expected = {p for p in all_params if stage_of(p) in below}
    if index == len(steps) or trunk_params != expected:
        return None, f"the forward pass of {arch} does not split cleanly before {stage}"
    trunk_stages = tuple(n for n in names if n in below)
    return Cut(f"before {stage}", _compose(steps[:index]), _compose(steps[index:]), trunk_stages), ""
