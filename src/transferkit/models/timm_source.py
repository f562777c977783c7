"""Creating timm networks: from the hub, from a local weights file (through timm's pretrained loader), or random."""

from __future__ import annotations

from pathlib import Path

import timm
from timm.data import ImageNetInfo, infer_imagenet_subset, resolve_data_config
from timm.models import get_pretrained_cfg
from torch import nn

from transferkit.data.preprocessing import Preprocessing
from transferkit.errors import ModelError
from transferkit.models.builders import Created, build_model, first_line
from transferkit.models.fit import mismatch, mismatch_error
from transferkit.models.hub import download_error, is_network_error, no_weights_error
from transferkit.models.safe_load import load_state_dict_file, sha256_file


def _bad_options(target: str, kwargs: dict, error: Exception) -> ModelError:
    return ModelError(f"Cannot build {target} with options {kwargs}: {first_line(error)}; "
                      "check the options after '?' in the model spec.")


def timm_preprocessing(model: nn.Module, kwargs: dict) -> Preprocessing:
    """From timm's resolved data config; an explicit img_size option sets the input size."""
    pre = Preprocessing.from_timm_config(resolve_data_config({}, model=model))
    size = kwargs.get("img_size")
    if isinstance(size, (tuple, list)):
        size = size[0]
    return pre.with_input_size(int(size)) if isinstance(size, int) else pre


def _imagenet_classes(model: nn.Module) -> list[str] | None:
    subset = infer_imagenet_subset(model)
    return ImageNetInfo(subset).label_descriptions() if subset else None


def _classifier_size(name: str, state: dict) -> int | None:
    """Number of classes of the classifier stored in `state`, found via the pretrained config's classifier key."""
    try:
        cfg = get_pretrained_cfg(name)
    except RuntimeError:
        return None
    classifier = cfg.classifier if cfg else None
    if isinstance(classifier, (tuple, list)):
        classifier = classifier[0] if classifier else None
    weight = state.get(f"{classifier}.weight") if classifier else None
    return int(weight.shape[0]) if weight is not None and weight.ndim >= 1 else None


def _from_file(name: str, kwargs: dict, path: Path) -> Created:
    target = f"timm:{name}"
    state = load_state_dict_file(path)
    sha = sha256_file(path)
    n = _classifier_size(name, state)
    # Hand timm the tensors already read safely, so timm never opens the file itself.
    overlay = {"state_dict": state, "custom_load": False}
    create_kwargs = dict(kwargs)
    if n is not None:
        overlay["num_classes"] = n
        create_kwargs["num_classes"] = n
    try:
        model = timm.create_model(name, pretrained=True, pretrained_cfg_overlay=overlay, **create_kwargs)
    except TypeError as e:
        raise _bad_options(target, kwargs, e) from e
    except (RuntimeError, KeyError, ValueError, IndexError) as e:
        problem = mismatch(build_model({"library": "timm", "name": name, "kwargs": create_kwargs}).state_dict(), state)
        raise mismatch_error(path, target, problem or first_line(e)) from e
    return Created(model, timm_preprocessing(model, kwargs), str(path), sha, None)


def _from_hub(name: str, kwargs: dict) -> Created:
    target = f"timm:{name}"
    try:
        model = timm.create_model(name, pretrained=True, **kwargs)
    except TypeError as e:
        raise _bad_options(target, kwargs, e) from e
    except Exception as e:  # hub clients raise their own types; classify, re-raise the rest
        if is_network_error(e):
            raise download_error(target) from e
        if isinstance(e, RuntimeError) and "pretrained" in str(e).lower():
            raise no_weights_error(target) from e
        raise
    return Created(model, timm_preprocessing(model, kwargs), "hub", None, _imagenet_classes(model))


def create_timm(name: str, kwargs: dict, *, weights: str | Path | None, pretrained: bool) -> Created:
    """timm network: weights file > hub (pretrained) > random. `kwargs` go to timm.create_model."""
    if weights is not None:
        return _from_file(name, kwargs, Path(weights))
    if pretrained:
        return _from_hub(name, kwargs)
    model = build_model({"library": "timm", "name": name, "kwargs": kwargs})
    return Created(model, timm_preprocessing(model, kwargs), None, None, None)
