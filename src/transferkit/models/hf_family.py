"""The Hugging Face family: `hf:NAME_OR_DIR` (or a bare directory holding config.json) loads any transformers
AutoModel encoder with its tokenizer (text) or image processor (images), pooled by a recorded rule, with a new head.

A directory is read as it is; a hub name is downloaded where the hub is reachable, else read from an installed
offline copy (`offline_weights.py`), else refused with what to do instead.
"""

from __future__ import annotations

from pathlib import Path

from torch import nn

from transferkit.console import logger
from transferkit.errors import ModelError
from transferkit.models.backbone import Backbone
from transferkit.models.builders import first_line
from transferkit.models.family import BackboneFamily, register_family
from transferkit.models.hf_encoder import HfClassifier, TextLogits, hf_stages
from transferkit.models.hub import HubUnreachable, download_error, hub_reachable
from transferkit.models.offline_weights import OFFLINE_WEIGHTS, offline_weights_for
from transferkit.models.safe_load import sha256_file
from transferkit.models.spec import ModelSpec
from transferkit.settings import ModelRef

HUB_URL = "https://huggingface.co"
HUB_FILES = ["*.json", "*.safetensors", "*.txt", "*.model"]  # weights, configs, tokenizer files
DEFAULT_HEAD = 2  # the head every adaptation replaces with one for its target classes


def is_hf_dir(path: Path) -> bool:
    """A directory of a transformers model (config.json), not one written by transferkit (model.json)."""
    return (path / "config.json").is_file() and not (path / "model.json").is_file()


def is_image_config(config) -> bool:
    """An image encoder reads pixels (num_channels, image_size); a text encoder reads token ids."""
    return getattr(config, "num_channels", None) is not None and getattr(config, "image_size", None) is not None


def _quiet_transformers() -> None:
    from transformers.utils import logging

    logging.set_verbosity_error()
    logging.disable_progress_bar()


def _config(kwargs: dict):
    from transformers import AutoConfig

    stored = dict(kwargs["config"])
    return AutoConfig.for_model(stored.pop("model_type"), **stored)


def _sha256_of(folder: Path) -> str | None:
    weights = sorted(folder.glob("*.safetensors")) or sorted(folder.glob("*.bin"))
    return sha256_file(weights[0]) if weights else None


class HfFamily(BackboneFamily):
    """transformers encoders; `arch["kwargs"]` holds the pooling and the model's config, so that a saved network
    rebuilds without the original directory."""

    name = "hf"
    prefix = "hf"
    pools_tokens = True

    def knows(self, name: str) -> bool:
        path = Path(name).expanduser()
        if path.is_dir():
            return is_hf_dir(path)
        hub_id = name.count("/") == 1 and not name.startswith((".", "/", "~"))  # organisation/model
        return hub_id or f"{self.name}:{name}" in OFFLINE_WEIGHTS

    def unknown(self, name: str) -> str:
        return (f"'{name}' is neither a directory holding a transformers config.json nor a hub name "
                "(organisation/model).")

    def build(self, name: str, kwargs: dict) -> nn.Module:
        from transformers import AutoModel

        _quiet_transformers()
        config = _config(kwargs)
        encoder = AutoModel.from_config(config)
        return HfClassifier(encoder, kwargs.get("num_classes", DEFAULT_HEAD), kwargs["pooling"],
                            not is_image_config(config))

    def stages(self, model: nn.Module, name: str):
        return hf_stages(model)[0] if isinstance(model, HfClassifier) else None

    def features(self, model: nn.Module, x):
        return model.features(x) if isinstance(model, HfClassifier) else None

    def export_module(self, model: nn.Module) -> nn.Module | None:
        """What an exported text classifier runs: (input_ids, attention_mask) -> logits."""
        return TextLogits(model) if isinstance(model, HfClassifier) and model.text else None

    def load(self, spec: ModelSpec, ref: ModelRef) -> Backbone:
        from transformers import AutoConfig, AutoModel

        _quiet_transformers()
        if ref.weights is not None:
            raise ModelError(f"'{ref.spec}' loads its weights from its own directory; drop --weights, or pass the "
                             "directory holding config.json and the weights as hf:DIR.")
        kwargs = dict(spec.kwargs)
        folder, origin = _resolve(spec.name, ref.pretrained)
        config = AutoConfig.from_pretrained(str(folder))
        text = not is_image_config(config)
        pooling = ref.pooling or kwargs.pop("pooling", None) or ("mean" if text else "cls")
        if ref.pretrained:
            try:
                encoder = AutoModel.from_pretrained(str(folder))
            except (OSError, ValueError) as e:
                raise ModelError(f"Cannot load the transformers model in {folder} ({first_line(e)}); it needs "
                                 "config.json and its weights (model.safetensors).") from None
        else:
            encoder = AutoModel.from_config(config)
        model = HfClassifier(encoder, int(kwargs.pop("num_classes", DEFAULT_HEAD)), pooling, text)
        arch = {"library": self.name, "name": spec.name, "kwargs": {"pooling": pooling, **kwargs,
                                                                     "config": config.to_dict()}}
        stages, stage_map = hf_stages(model)
        origin = {"spec": ref.spec, "pretrained": ref.pretrained, "source_fingerprint": None, "source_classes": None,
                  **(origin if ref.pretrained else {"weights": None, "sha256": None}), "stage_map": stage_map,
                  "pooling": pooling}
        return Backbone(model, arch, stages, _preprocessing(folder, config, text, ref.max_length), origin)


def _resolve(name: str, pretrained: bool) -> tuple[Path, dict]:
    """The local directory of `name` and where its weights come from (a directory, the hub, an offline package)."""
    path = Path(name).expanduser()
    if path.is_dir():
        return path.resolve(), {"weights": str(path.resolve()), "sha256": _sha256_of(path)}
    if hub_reachable(HUB_URL):
        from huggingface_hub import snapshot_download

        try:
            folder = Path(snapshot_download(name, allow_patterns=HUB_FILES))
            return folder, {"weights": "hub", "sha256": _sha256_of(folder)}
        except Exception as e:  # noqa: BLE001 - the hub client raises many kinds; offline copies are tried next
            logger.info("Could not download %s from the hub (%s).", name, first_line(e))
    provider = offline_weights_for("hf", name)
    if provider is None:
        if not pretrained:
            raise ModelError(f"hf:{name} needs its config.json even for random weights; pass a directory holding it.")
        raise HubUnreachable(str(download_error(f"hf:{name}")).replace(
            "pass --weights FILE for a local weights file", "pass hf:DIR for a local model directory"))
    folder = provider.path().parent
    logger.info("The model hub is unreachable; using the %s (%s).", provider.description, folder)
    return folder, {"weights": str(folder), "sha256": _sha256_of(folder), "weights_source": provider.record()}


def _preprocessing(folder: Path, config, text: bool, max_length: int | None):
    """The tokenizer (text), or the image processor's size, mean and std (images; 0.5 each without one)."""
    from transferkit.data.preprocessing import Preprocessing
    from transferkit.data.text_preprocessing import DEFAULT_MAX_LENGTH, TextPreprocessing

    if text:
        return TextPreprocessing.of_folder(folder, max_length or DEFAULT_MAX_LENGTH)
    size = int(config.image_size if isinstance(config.image_size, int) else config.image_size[0])
    mean = std = (0.5, 0.5, 0.5)
    try:
        from transformers import AutoImageProcessor

        processor = AutoImageProcessor.from_pretrained(str(folder))
        mean, std = tuple(processor.image_mean), tuple(processor.image_std)
    except (OSError, ValueError, AttributeError, TypeError):
        pass
    return Preprocessing(input_size=(int(config.num_channels), size, size), mean=mean, std=std)


register_family(HfFamily())
