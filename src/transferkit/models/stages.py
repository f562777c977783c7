"""Stages: the ordered parameter groups stem, stage1..stageN, head of a network."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from torch import nn

from transferkit.errors import ModelError
from transferkit.models.family import family_named


@dataclass
class Stage:
    """One stage of a network: its name and the names of its parameters (model.named_parameters order)."""

    name: str
    params: list[str]


def stage_name(index: int) -> str:
    """0 -> "stem", i -> "stage{i}"."""
    return "stem" if index == 0 else f"stage{index}"


def params_of_modules(model: nn.Module, modules: Sequence[nn.Module]) -> list[str]:
    """Names (as in model.named_parameters) of the parameters of the given submodules."""
    wanted = {id(m) for m in modules}
    names: set[str] = set()
    for mname, module in model.named_modules():
        if id(module) in wanted:
            prefix = f"{mname}." if mname else ""
            names.update(prefix + pname for pname, _ in module.named_parameters())
    return [n for n, _ in model.named_parameters() if n in names]


def build_stages(model: nn.Module, groups: Sequence[Sequence[str]], head: Sequence[str]) -> list[Stage]:
    """Stages from ordered body groups and the head's params.

    Head params are taken out of the groups, empty groups dropped, names ordered as in named_parameters.
    """
    order = {n: i for i, (n, _) in enumerate(model.named_parameters())}
    head_set = set(head)
    body = [[n for n in g if n not in head_set] for g in groups]
    body = [sorted(g, key=order.__getitem__) for g in body if g]
    stages = [Stage(stage_name(i), g) for i, g in enumerate(body)]
    stages.append(Stage("head", sorted(head_set, key=order.__getitem__)))
    return stages


def check_stages(model: nn.Module, stages: Sequence[Stage]) -> None:
    """Raise ModelError unless the stages are stem, stage1.., head and hold every parameter exactly once."""
    names = [s.name for s in stages]
    expected = [stage_name(i) for i in range(len(stages) - 1)] + ["head"]
    if names != expected:
        raise ModelError(f"Stages must be named stem, stage1.., head in order; got {names}.")
    if len(stages) < 2:
        raise ModelError("The network has only a classifier; it needs layers before its head.")
    if not stages[-1].params:
        raise ModelError("The head stage has no parameters; the network needs a classifier with weights.")
    seen: dict[str, str] = {}
    for stage in stages:
        for p in stage.params:
            if p in seen:
                raise ModelError(f"Parameter '{p}' is in both stage '{seen[p]}' and '{stage.name}'.")
            seen[p] = stage.name
    model_params = [n for n, _ in model.named_parameters()]
    missing = [n for n in model_params if n not in seen]
    extra = [n for n in seen if n not in set(model_params)]
    if missing or extra:
        example = (missing or extra)[0]
        raise ModelError(f"Stages do not match the network: {len(missing)} parameters in no stage, "
                         f"{len(extra)} unknown (e.g. '{example}').")


def last_linear(module: nn.Module) -> str | None:
    """Name of the last nn.Linear in named_modules order, or None."""
    found = None
    for mname, m in module.named_modules():
        if isinstance(m, nn.Linear):
            found = mname
    return found


def generic_stages(model: nn.Module) -> list[Stage]:
    """Top-level children with parameters in order: first -> stem, rest -> stage1..N; last nn.Linear -> head.

    Direct parameters of the root go to the stem. A lone child that holds everything is descended into.
    """
    head_name = last_linear(model)
    if head_name is None:
        raise ModelError("No classifier found: the network needs a final nn.Linear that maps features to classes.")
    head = params_of_modules(model, [model.get_submodule(head_name)])
    root, prefix = model, ""
    while True:
        own = [prefix + n for n, _ in root.named_parameters(recurse=False)]
        children = [(n, c) for n, c in root.named_children() if any(True for _ in c.parameters())]
        if own or len(children) != 1:
            break
        root, prefix = children[0][1], f"{prefix}{children[0][0]}."
    groups = [own] if own else []
    for cname, child in children:
        groups.append([f"{prefix}{cname}.{n}" for n, _ in child.named_parameters()])
    if not groups:
        groups = [[n for n, _ in model.named_parameters()]]
    return build_stages(model, groups, head)


def discover_stages(model: nn.Module, library: str, name: str) -> list[Stage]:
    """Stages of a network, as its family groups them (timm's group_matcher, torchvision's known families),
    else top-level modules."""
    stages = family_named(library).stages(model, name)
    if stages is None:
        stages = generic_stages(model)
    check_stages(model, stages)
    return stages
