"""Build a network with random weights from an `arch` record ({"library", "name", "kwargs"})."""

from __future__ import annotations

from dataclasses import dataclass

from torch import nn

from transferkit.data.preprocessing import Preprocessing
from transferkit.errors import ModelError


@dataclass
class Created:
    """A network fresh from a library, with its preprocessing and what `origin` should say about its weights."""

    model: nn.Module
    preprocessing: Preprocessing
    weights: str | None
    sha256: str | None
    source_classes: list[str] | None


def first_line(error: BaseException) -> str:
    """The first line of an error message (library errors are often many lines)."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def build_model(arch: dict, num_classes: int | None = None) -> nn.Module:
    """Randomly initialised timm or torchvision network for `arch`, with `num_classes` outputs if given."""
    library, name = arch.get("library"), arch.get("name")
    kwargs = dict(arch.get("kwargs") or {})
    if num_classes is not None:
        kwargs["num_classes"] = num_classes
    try:
        if library == "timm":
            import timm

            return timm.create_model(name, pretrained=False, **kwargs)
        if library == "torchvision":
            from torchvision import models as tvm

            return tvm.get_model(name, weights=None, **kwargs)
    except (TypeError, ValueError, RuntimeError) as e:
        raise ModelError(f"Cannot build {library}:{name} with {kwargs}: {first_line(e)}; "
                         "check the model name and its options.") from e
    raise ModelError(f"Cannot rebuild a '{library}' network from its name; only timm and torchvision "
                     "architectures can be rebuilt. Build the nn.Module in Python and wrap it in a Backbone.")
