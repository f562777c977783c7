"""Backbone families: one object per source of networks (timm, torchvision, model directories, plain modules).

A family answers every library-specific question about its networks: which names it knows, how to build one
with random weights, how to load pretrained ones, how to turn a state dict into a network, its preprocessing,
its stages, its pooled features, how to replace its head and how its forward pass runs as ordered steps. The
rest of transferkit asks the family of a backbone (`family_named(backbone.arch["library"])`) and never branches
on a library's name. A family is one module plus one `register_family(...)` call.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import torch
from torch import nn

from transferkit.errors import ModelError
from transferkit.registry import Registry

if TYPE_CHECKING:
    from transferkit.data.preprocessing import Preprocessing
    from transferkit.models.backbone import Backbone
    from transferkit.settings import ModelRef
    from transferkit.models.segments import Step
    from transferkit.models.spec import ModelSpec
    from transferkit.models.stages import Stage


class BackboneFamily:
    """The protocol, with defaults that suit a plain nn.Module; families override what they know better.

    `name` is what `arch["library"]` and `ModelSpec.library` hold; `prefix` is the spec prefix (`timm:NAME`),
    None when the family is never named in a spec; `takes_options`: specs may carry `?key=value` options.
    """

    name: str = ""
    prefix: str | None = None
    takes_options: bool = True
    pools_tokens: bool = False  # a transformer encoder family: the model reference's pooling and max_length apply

    # -- names ----------------------------------------------------------------------------------------

    def knows(self, name: str) -> bool:
        """Whether `name` (without options) is one of this family's networks."""
        return False

    def names(self) -> Sequence[str]:
        """Every network name this family knows, for "did you mean" hints (empty when it cannot list them)."""
        return ()

    def unknown(self, name: str) -> str:
        """What to say about a `prefix:name` this family does not know (close names are added by the caller)."""
        return f"{self.prefix} has no model '{name}'."

    def refusal(self, spec: str) -> ModelError | None:
        """An error for a spec that looks meant for this family but cannot be used (e.g. a missing path)."""
        return None

    # -- loading --------------------------------------------------------------------------------------

    def load(self, spec: ModelSpec, ref: ModelRef) -> Backbone:
        """The Backbone that `ref` asks for: a library network with hub, file or random weights."""
        # Imported here: library loading builds Backbones, and backbone.py imports this module.
        from transferkit.models.library_loading import load_from_library

        return load_from_library(self, spec, ref)

    def build(self, name: str, kwargs: dict) -> nn.Module:
        """A network with random weights; `kwargs` go to the library's constructor (num_classes included)."""
        named = " and ".join(f.name for f in families() if f.prefix is not None)
        raise ModelError(f"Cannot rebuild a '{self.name}' network from its name; only {named} architectures "
                         "can be rebuilt. Build the nn.Module in Python and wrap it in a Backbone.")

    def pretrained(self, name: str, kwargs: dict) -> nn.Module:
        """The network with its published pretrained weights (raises hub.HubUnreachable when offline)."""
        raise ModelError(f"'{self.name}' networks have no published pretrained weights; pass a weights file.")

    def from_state(self, name: str, kwargs: dict, state: dict[str, torch.Tensor]) -> nn.Module:
        """The network with `state` (tensors named as in this architecture) loaded strictly (RuntimeError if not)."""
        model = self.build(name, kwargs)
        model.load_state_dict(state, strict=True)
        return model

    def preprocessing(self, model: nn.Module, name: str, kwargs: dict) -> Preprocessing:
        """How images become this network's input (its pretrained configuration)."""
        from transferkit.data.preprocessing import Preprocessing

        return Preprocessing()

    def source_classes(self, model: nn.Module, name: str) -> list[str] | None:
        """Names of the classes the network's pretrained head predicts, when the library knows them."""
        return None

    # -- structure ------------------------------------------------------------------------------------

    def stages(self, model: nn.Module, name: str) -> list[Stage] | None:
        """stem, stage1..N, head; None: the caller falls back to top-level modules."""
        return None

    def features(self, model: nn.Module, x: torch.Tensor) -> torch.Tensor | None:
        """Pooled pre-logits features; None: the caller captures the head's input."""
        return None

    def replace_head(self, model: nn.Module, num_classes: int) -> tuple[nn.Module, ...] | None:
        """Give the network a new classifier and return its module(s); None: the caller swaps the nn.Linear."""
        return None

    def fresh_copy(self, model: nn.Module, arch: dict, num_classes: int) -> nn.Module:
        """A network of the same architecture and head size with fresh random weights (global RNG)."""
        return self.build(arch["name"], {**dict(arch.get("kwargs") or {}), "num_classes": num_classes})

    def export_module(self, model: nn.Module) -> nn.Module | None:
        """A module with the inputs an exported network takes when they are not one image batch (None: images)."""
        return None

    def forward_steps(self, model: nn.Module) -> list[Step] | None:
        """The forward pass as ordered steps, or None when it does not run as a plain sequence of stages."""
        return None


FAMILIES: Registry[BackboneFamily] = Registry("backbone family", ModelError)


def register_family(family: BackboneFamily) -> BackboneFamily:
    """Make a family known under `family.name` (and its spec prefix); bare specs try families in this order."""
    return FAMILIES.register(family.name, family)


def families() -> list[BackboneFamily]:
    """Registered families, in registration order."""
    return list(FAMILIES)


def family_named(name: str) -> BackboneFamily:
    """The family registered as `name` (the `library` of an arch record)."""
    return FAMILIES.get(name)


def family_with_prefix(prefix: str) -> BackboneFamily | None:
    """The family named by a spec prefix (`timm` in `timm:resnet18`), or None."""
    return next((f for f in FAMILIES if f.prefix is not None and f.prefix == prefix), None)
