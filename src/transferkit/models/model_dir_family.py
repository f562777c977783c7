"""The model-directory family: a directory written by transferkit (model.json + model.safetensors) as a spec."""

from __future__ import annotations

from pathlib import Path

from transferkit.errors import ModelError
from transferkit.models.backbone import Backbone
from transferkit.models.family import BackboneFamily, register_family
from transferkit.models.model_dir import load_model_dir
from transferkit.settings import ModelRef
from transferkit.models.spec import ModelSpec


class ModelDirFamily(BackboneFamily):
    """A saved model directory; its own weights, or (pretrained=False) a random network of the saved architecture."""

    name = "dir"
    takes_options = False

    def knows(self, name: str) -> bool:
        path = Path(name).expanduser()
        # a transformers directory (config.json, no model.json) belongs to the hf family
        return path.is_dir() and not ((path / "config.json").is_file() and not (path / "model.json").is_file())

    def refusal(self, spec: str) -> ModelError | None:
        if Path(spec).expanduser().is_file():
            return ModelError(f"'{spec}' is a file, not a model directory; pass it as --weights FILE "
                              "together with the --model it was saved from.")
        if "/" in spec or "\\" in spec or spec.startswith("."):
            return ModelError(f"Model directory '{spec}' does not exist; pass a directory written by transferkit "
                              "or a model name such as timm:resnet18.")
        return None

    def load(self, spec: ModelSpec, ref: ModelRef) -> Backbone:
        if ref.weights is not None:
            raise ModelError(f"'{ref.spec}' is a model directory with its own weights; drop --weights.")
        backbone = load_model_dir(Path(spec.name).expanduser())
        return backbone if ref.pretrained else backbone.random_init_copy()


register_family(ModelDirFamily())
