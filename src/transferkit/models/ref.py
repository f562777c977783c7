"""ModelRef: which network a run starts from, as plain data (checked once, on construction)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

from transferkit.errors import ModelError

WEIGHT_MAPS = (None, "order")


@dataclass(frozen=True)
class ModelRef:
    """A model spec (`timm:NAME`, `torchvision:NAME`, a model directory) and how to load its weights.

    `weights`: a local weights file; `weights_map`: how its tensor names meet the network's (None: by name;
    "order": by position, when every shape matches in order); `pretrained`: load pretrained weights (the
    hub, an installed offline copy when the hub is unreachable, or `weights`) rather than random ones; `input_size`: a square input size that overrides the
    pretrained config's.
    """

    spec: str
    weights: str | None = None
    weights_map: str | None = None
    pretrained: bool = True
    input_size: int | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.spec, str) or not self.spec.strip():
            raise ModelError("Empty model spec; pass e.g. timm:resnet18, torchvision:resnet18 or a model directory.")
        if self.weights is not None:
            object.__setattr__(self, "weights", str(self.weights))
        if not isinstance(self.pretrained, bool):
            raise ModelError(f"pretrained must be true or false; got {self.pretrained!r}.")
        if self.weights is not None and not self.pretrained:
            raise ModelError("Pass either --weights FILE or --no-pretrained, not both.")
        if self.weights_map not in WEIGHT_MAPS:
            raise ModelError(f"--weights-map must be one of {[m for m in WEIGHT_MAPS if m]}; got {self.weights_map!r}.")
        if self.weights_map is not None and self.weights is None:
            raise ModelError("--weights-map says how the tensors of a --weights FILE are matched; pass --weights too.")
        size = self.input_size
        if size is not None and (isinstance(size, bool) or not isinstance(size, int) or size < 1):
            raise ModelError(f"input_size must be a positive integer; got {size!r}.")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelRef:
        known = {f.name for f in fields(cls)}
        if not isinstance(data, dict) or "spec" not in data:
            raise ModelError(f"A model reference must be a mapping with a 'spec'; got {data!r}.")
        unknown = sorted(set(data) - known)
        if unknown:
            raise ModelError(f"Unknown model setting {unknown[0]!r}; valid settings are {sorted(known)}.")
        return cls(**data)
