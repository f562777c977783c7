"""ModelRef: which network a run starts from, and how its weights are loaded."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import ModelError
from .choices import POOLINGS, WEIGHT_MAPS
from .constraints import Flag, OneOf, Text, Whole
from .fields import Record, label, setting

MODEL_HELP = ("Model: timm:NAME, torchvision:NAME, hf:NAME_OR_DIR, or a directory written by 'transferkit pretrain' "
              "(see 'transferkit models').")


@dataclass(frozen=True)
class ModelRef(Record):
    """A model spec and how to load its weights: `weights` a local file, `weights_map` how its tensors meet the
    network's (None: by name; "order": by position), `pretrained` pretrained rather than random weights, `input_size`
    a square input size that overrides the pretrained config's."""

    error = ModelError
    kind = "model"
    panel = "Model"

    spec: str = setting(None, Text(example="timm:resnet18"), MODEL_HELP, name="model")
    weights: str | None = setting(None, Text(example="weights.safetensors", metavar="FILE"),
                                  "Local weights file (.safetensors or .pth) for a timm or torchvision model.")
    weights_map: str | None = setting(None, OneOf(WEIGHT_MAPS),
                                      "How the --weights tensors meet the network's: by name (default) or 'order' "
                                      "(by position, for files whose names differ but whose shapes match in order).")
    pretrained: bool = setting(True, Flag(), "Load pretrained weights (hub, an installed offline copy, or --weights); "
                                             "--no-pretrained: random weights.")
    input_size: int | None = setting(None, Whole(min=8, example=224), "Override the backbone's square input size.")
    pooling: str | None = setting(None, OneOf(POOLINGS),
                                  "How an hf: encoder's outputs become the head's features: mean (of the tokens or "
                                  "patches; the default for text), cls (the first token; the default for images) or "
                                  "pooler (the model's own pooler layer).")
    max_length: int | None = setting(None, Whole(min=2, example=128),
                                     "Tokens per text for an hf: text encoder (longer texts are cut; default 128).")

    def check(self) -> None:
        if self.spec is None:
            raise ModelError(f"{label('model', self.setting_of(('spec',))[0])} is missing; pass e.g. timm:resnet18, "
                             "torchvision:resnet18 or a model directory.")
        if self.weights is not None and not self.pretrained:
            raise ModelError("Pass either --weights FILE or --no-pretrained, not both.")
        if self.weights_map is not None and self.weights is None:
            raise ModelError("--weights-map says how the tensors of a --weights FILE are matched; pass --weights too.")

