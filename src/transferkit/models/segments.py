"""Cut a network's forward pass at a stage boundary: the trunk (input -> boundary) and the rest (boundary -> logits).

A family whose forward pass is a plain sequence of stage modules gives it as ordered steps (each naming the modules
and parameters it reads; `BackboneFamily.forward_steps`). A cut before stage S is offered only when the steps before
it hold exactly the parameters of the stages below S, so the split always matches `Backbone.stages`.

timm's `forward_intermediates` runs a network up to a block but cannot continue from one, so the families write
their step lists out from each architecture's `forward_features` and reuse its `forward_head` for the tail.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
from torch import nn

from transferkit.models.family import family_named

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


def modules_in_order(model: nn.Module, names: Sequence[str]) -> Callable[[torch.Tensor], torch.Tensor]:
    """Apply the named submodules in order (looked up at call time, so replaced modules are followed)."""

    def run(x: torch.Tensor) -> torch.Tensor:
        for name in names:
            x = model.get_submodule(name)(x)
        return x

    return run


def chain(model: nn.Module, stem: Sequence[str], stages: Sequence[str], final: Sequence[str],
          tail: Callable[[torch.Tensor], torch.Tensor]) -> list[Step]:
    """Steps of a network that runs stem, each stage, the final modules, then `tail` (pooling and head)."""
    steps = [Step(tuple(stem), modules_in_order(model, stem))]
    steps += [Step((name,), modules_in_order(model, [name])) for name in stages]
    if final:
        steps.append(Step(tuple(final), modules_in_order(model, final)))
    steps.append(Step(("*",), tail))
    return steps


def children(model: nn.Module, container: str) -> list[str]:
    """Qualified names of the direct children of submodule `container`."""
    return [f"{container}.{n}" for n, _ in model.get_submodule(container).named_children()]


def forward_steps(backbone) -> list[Step] | None:
    """The forward pass as ordered steps (asked of the backbone's family), or None when it is not a sequence."""
    return family_named(backbone.arch.get("library", "module")).forward_steps(backbone.model)


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
