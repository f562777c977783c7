"""The family of plain nn.Modules built in Python: generic stages, the last nn.Linear as head, no rebuilding by name."""

from __future__ import annotations

import copy

from torch import nn

from transferkit.models.family import BackboneFamily, register_family
from transferkit.models.segments import Step, modules_in_order


class ModuleFamily(BackboneFamily):
    """Any nn.Module wrapped in a Backbone by hand (`arch["library"] == "module"`); never named in a spec."""

    name = "module"

    def fresh_copy(self, model: nn.Module, arch: dict, num_classes: int) -> nn.Module:
        """A deep copy with every submodule's reset_parameters() called (bare nn.Parameter attributes keep values)."""
        fresh = copy.deepcopy(model)
        for module in fresh.modules():
            if callable(getattr(module, "reset_parameters", None)):
                module.reset_parameters()
        return fresh

    def forward_steps(self, model: nn.Module) -> list[Step] | None:
        if type(model) is nn.Sequential:  # its forward is its children in order, by definition
            return [Step((name,), modules_in_order(model, [name])) for name, _ in model.named_children()]
        return None


register_family(ModuleFamily())
