"""Set exactly the trainable parameters of a phase: stages selected by the plan, filtered by kind."""

from __future__ import annotations

from torch import nn

from ...plans import ResolvedPhase

_NORM_TYPES = (nn.modules.batchnorm._NormBase, nn.LayerNorm, nn.GroupNorm, nn.LocalResponseNorm)


def is_norm_module(module: nn.Module) -> bool:
    """Normalization layers: batch/instance/layer/group norm, and library variants named '*Norm*'."""
    return isinstance(module, _NORM_TYPES) or "Norm" in type(module).__name__


def norm_param_names(model: nn.Module) -> set[str]:
    names = set()
    for mod_name, module in model.named_modules():
        if is_norm_module(module):
            for p_name, _ in module.named_parameters(recurse=False):
                names.add(f"{mod_name}.{p_name}" if mod_name else p_name)
    return names


def selected_parameter_names(backbone, phase: ResolvedPhase) -> list[str]:
    """Names of the parameters that train in `phase`, in model order."""
    norms = None
    chosen = []
    for name, _ in backbone.model.named_parameters():
        setting = phase.setting(backbone.stage_of_param(name))
        if not setting.trainable:
            continue
        kind = setting.params
        if kind == "all":
            chosen.append(name)
        elif kind == "bias":
            if name.endswith("bias"):
                chosen.append(name)
        elif kind == "norm":
            norms = norm_param_names(backbone.model) if norms is None else norms
            if name in norms:
                chosen.append(name)
        elif kind == "lora":
            if "lora_" in name:
                chosen.append(name)
    return chosen


def apply_trainable(backbone, phase: ResolvedPhase) -> list[str]:
    """Set requires_grad on exactly the phase's parameters; return their names."""
    chosen = set(selected_parameter_names(backbone, phase))
    for name, param in backbone.model.named_parameters():
        param.requires_grad_(name in chosen)
    return [n for n, _ in backbone.model.named_parameters() if n in chosen]
