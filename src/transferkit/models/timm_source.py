"""Creating timm networks: random, from a state dict (through timm's pretrained loader), or from the hub."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

import timm
import torch
from timm.data import ImageNetInfo, infer_imagenet_subset, resolve_data_config
from timm.models import get_pretrained_cfg
from torch import nn

from transferkit.data.preprocessing import Preprocessing
from transferkit.models.builders import bad_options
from transferkit.models.hub import download_error, hub_reachable, is_network_error, no_weights_error
from transferkit.models.safe_load import load_state_dict_file

TIMM_HUB_OWNER = "timm"  # the Hugging Face organisation that holds timm's pretrained weights


def build_timm(name: str, kwargs: dict) -> nn.Module:
    try:
        return timm.create_model(name, pretrained=False, **kwargs)
    except (TypeError, ValueError, RuntimeError) as e:
        raise bad_options(f"timm:{name}", kwargs, e) from e


def timm_from_state(name: str, kwargs: dict, state: dict[str, torch.Tensor]) -> nn.Module:
    """Hand timm tensors already read safely, so its pretrained loader (and the model's filter) never opens a file."""
    overlay: dict = {"state_dict": state, "custom_load": False}
    if "num_classes" in kwargs:  # else timm would drop a classifier whose size differs from the config's
        overlay["num_classes"] = kwargs["num_classes"]
    try:
        return timm.create_model(name, pretrained=True, pretrained_cfg_overlay=overlay, **kwargs)
    except TypeError as e:
        raise bad_options(f"timm:{name}", kwargs, e) from e


def timm_preprocessing(model: nn.Module, kwargs: dict) -> Preprocessing:
    """From timm's resolved data config; an explicit img_size option sets the input size."""
    pre = Preprocessing.from_timm_config(resolve_data_config({}, model=model))
    size = kwargs.get("img_size")
    if isinstance(size, (tuple, list)):
        size = size[0]
    return pre.with_input_size(int(size)) if isinstance(size, int) else pre


def imagenet_classes(model: nn.Module) -> list[str] | None:
    subset = infer_imagenet_subset(model)
    return ImageNetInfo(subset).label_descriptions() if subset else None


def _hub_url(cfg) -> str:
    if cfg.hf_hub_id:
        from huggingface_hub import constants

        return constants.ENDPOINT
    return cfg.url or ""


def _cached_download(cfg) -> Path | None:
    """A copy of the pretrained weights that an earlier download left in the Hugging Face or torch hub cache."""
    if cfg.hf_hub_id:
        from huggingface_hub import try_to_load_from_cache

        repo, _, revision = cfg.hf_hub_id.partition("@")
        for filename in filter(None, (cfg.hf_hub_filename, "model.safetensors", "pytorch_model.bin")):
            found = try_to_load_from_cache(repo, filename, revision=revision or None)
            if isinstance(found, str):
                return Path(found)
    if cfg.url:
        local = Path(torch.hub.get_dir()) / "checkpoints" / Path(urlparse(cfg.url).path).name
        if local.is_file():
            return local
    return None


def timm_pretrained(name: str, kwargs: dict) -> nn.Module:
    """timm's published weights: downloaded when the hub answers, else from an earlier download, else HubUnreachable."""
    target = f"timm:{name}"
    try:
        cfg = get_pretrained_cfg(name)
    except RuntimeError:
        cfg = None
    if cfg is None or not (cfg.hf_hub_id or cfg.url or cfg.file):
        raise no_weights_error(target)
    if not cfg.file and not hub_reachable(_hub_url(cfg)):
        cached = _cached_download(cfg)
        if cached is None:
            raise download_error(target)
        return timm_from_state(name, kwargs, load_state_dict_file(cached))
    try:
        return timm.create_model(name, pretrained=True, **kwargs)
    except TypeError as e:
        raise bad_options(f"timm:{name}", kwargs, e) from e
    except Exception as e:  # hub clients raise their own types; classify, re-raise the rest
        if is_network_error(e):
            raise download_error(target) from e
        if isinstance(e, RuntimeError) and "pretrained" in str(e).lower():
            raise no_weights_error(target) from e
        raise
