"""Backbone: a pretrained network, its stages (stem, stage1..N, head) and where its weights came from."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

import torch
from torch import nn

from transferkit.data.preprocessing import Preprocessing
from transferkit.errors import ModelError
from transferkit.models.family import BackboneFamily, family_named
from transferkit.models.stages import Stage, build_stages, check_stages, discover_stages, params_of_modules


def _empty_origin() -> dict:
    return {"spec": "", "pretrained": False, "weights": None, "sha256": None,
            "source_fingerprint": None, "source_classes": None}


@dataclass(eq=False)
class Backbone:
    """The whole network (head included) plus its stages; `head` is the classifier, always the last stage.

    `arch` = {"library": a registered family ("timm", "torchvision", "module"...), "name": str, "kwargs": dict}
    is enough to rebuild it (with num_classes taken from the head). `origin` records the spec and the weights that were loaded.
    """

    model: nn.Module
    arch: dict
    stages: list[Stage]
    preprocessing: Preprocessing = field(default_factory=Preprocessing)
    origin: dict = field(default_factory=_empty_origin)

    def __post_init__(self) -> None:
        check_stages(self.model, self.stages)
        self._param_stage = {p: s.name for s in self.stages for p in s.params}

    @property
    def library(self) -> str:
        """The name of the backbone's family ("module" for a network built in Python)."""
        return self.arch.get("library", "module")

    @property
    def family(self) -> BackboneFamily:
        """The family that knows this network's library: features, head replacement, rebuilding."""
        return family_named(self.library)

    # -- stages ---------------------------------------------------------------------------------------

    @property
    def stage_names(self) -> list[str]:
        return [s.name for s in self.stages]

    def stage_of_param(self, name: str) -> str:
        """Stage that holds parameter `name` (as in model.named_parameters)."""
        try:
            return self._param_stage[name]
        except KeyError:
            raise ModelError(f"Unknown parameter '{name}'; it is not a parameter of this network.") from None

    def _stages_under(self, module_name: str) -> set[str]:
        module = self.model.get_submodule(module_name)
        prefix = f"{module_name}." if module_name else ""
        return {self._param_stage[prefix + n] for n, _ in module.named_parameters() if prefix + n in self._param_stage}

    def stage_of_module(self, name: str) -> str | None:
        """Stage of a module, found through its parameters.

        A module without parameters (dropout, pooling, activation) takes the stage of its nearest ancestor whose
        parameters lie in one stage, else of the nearest earlier (then later) sibling that has parameters.
        None if the module is unknown or its parameters span several stages.
        """
        try:
            self.model.get_submodule(name)
        except AttributeError:
            return None
        own = self._stages_under(name)
        if own:
            return own.pop() if len(own) == 1 else None
        parts = name.split(".") if name else []
        while parts:
            child, parent = parts[-1], ".".join(parts[:-1])
            found = self._stages_under(parent)
            if len(found) == 1:
                return found.pop()
            sibling = self._sibling_stage(parent, child)
            if sibling is not None:
                return sibling
            parts = parts[:-1]
        return None

    def _sibling_stage(self, parent: str, child: str) -> str | None:
        names = [n for n, _ in self.model.get_submodule(parent).named_children()]
        index = names.index(child)
        prefix = f"{parent}." if parent else ""
        for candidate in [*reversed(names[:index]), *names[index + 1:]]:
            found = self._stages_under(prefix + candidate)
            if found:
                return found.pop() if len(found) == 1 else None
        return None

    def set_stages(self, stages: list[Stage]) -> None:
        """Replace the stage map, e.g. while adapters add parameters; checked against the current network."""
        check_stages(self.model, stages)
        self.stages = stages
        self._param_stage = {p: s.name for s in stages for p in s.params}

    def param_counts(self) -> dict[str, int]:
        """Number of parameter elements per stage (trainable or not)."""
        params = dict(self.model.named_parameters())
        return {s.name: sum(params[p].numel() for p in s.params) for s in self.stages}

    # -- head -----------------------------------------------------------------------------------------

    def _head_path(self) -> str:
        owners = {p.rpartition(".")[0] for p in self.stages[-1].params}
        if len(owners) != 1:
            raise ModelError(f"The head spans several modules ({sorted(owners)}); it must be one classifier layer.")
        return owners.pop()

    def head_module(self) -> nn.Module:
        """The classifier: model(x) == head_module()(features(x)) in eval mode."""
        return self.model.get_submodule(self._head_path())

    def _head_weight(self) -> torch.Tensor:
        params = dict(self.model.named_parameters())
        weights = [params[p] for p in self.stages[-1].params if params[p].ndim >= 2]
        if not weights:
            raise ModelError("The head has no weight matrix; it must be a linear classifier.")
        return weights[0]

    @property
    def num_classes(self) -> int:
        """Outputs of the current head."""
        return int(self._head_weight().shape[0])

    @property
    def feature_dim(self) -> int:
        """Size of the pooled pre-logits features the head reads."""
        return int(self._head_weight().shape[1])

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """Pooled pre-logits features (N, D): the head's input."""
        pooled = self.family.features(self.model, x)
        if pooled is not None:
            return pooled
        captured: list[torch.Tensor] = []
        hook = self.head_module().register_forward_hook(lambda _m, args, _out: captured.append(args[0]))
        try:
            self.model(x)
        finally:
            hook.remove()
        if not captured:
            raise ModelError("The network's forward never called its head; features() needs the head in forward.")
        return captured[0]

    def replace_head(self, num_classes: int) -> None:
        """New randomly initialised classifier with `num_classes` outputs (torch's global RNG decides it)."""
        if num_classes < 1:
            raise ModelError(f"num_classes must be at least 1; got {num_classes}.")
        old = self._head_weight()
        heads = self.family.replace_head(self.model, num_classes)
        if heads is None:
            path = self._head_path()
            head = self.model.get_submodule(path)
            if not isinstance(head, nn.Linear):
                raise ModelError(f"The head '{path}' is a {type(head).__name__}, not nn.Linear; cannot replace it.")
            parent, _, attr = path.rpartition(".")
            heads = (nn.Linear(head.in_features, num_classes, bias=head.bias is not None),)
            setattr(self.model.get_submodule(parent), attr, heads[0])
        for head in heads:
            head.to(device=old.device, dtype=old.dtype)
        self._restage(params_of_modules(self.model, heads))

    def _restage(self, head: list[str]) -> None:
        """Keep the body stages, make `head` the head stage; rediscover if the body no longer fits."""
        existing = {n for n, _ in self.model.named_parameters()}
        body = [[p for p in s.params if p in existing] for s in self.stages[:-1]]
        stages = build_stages(self.model, body, head)
        try:
            check_stages(self.model, stages)
        except ModelError:
            stages = discover_stages(self.model, self.library, self.arch.get("name", ""))
        self.stages = stages
        self.__post_init__()

    # -- copies ---------------------------------------------------------------------------------------

    def random_init_copy(self) -> Backbone:
        """Same architecture and head size with fresh random weights (global RNG); origin pretrained=False.

        The backbone's family makes the fresh network: library networks are rebuilt by the library, a custom
        module is deep-copied and every submodule's reset_parameters() is called.
        """
        model = self.family.fresh_copy(self.model, self.arch, self.num_classes)
        first = next(self.model.parameters())
        model.to(device=first.device, dtype=first.dtype).train(self.model.training)
        origin = {**_empty_origin(), "spec": self.origin.get("spec", "")}
        return Backbone(model, copy.deepcopy(self.arch), copy.deepcopy(self.stages), self.preprocessing, origin)

    def clone(self) -> Backbone:
        """Deep copy (network, stages, preprocessing, origin)."""
        return copy.deepcopy(self)
