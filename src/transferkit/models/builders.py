"""Build a network with random weights from an `arch` record ({"library", "name", "kwargs"})."""

from __future__ import annotations

from torch import nn

from transferkit.errors import ModelError
from transferkit.models.family import family_named


def first_line(error: BaseException) -> str:
    """The first line of an error message (library errors are often many lines)."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def bad_options(target: str, kwargs: dict, error: BaseException) -> ModelError:
    """A library constructor refused the options of a model spec."""
    return ModelError(f"Cannot build {target} with options {kwargs}: {first_line(error)}; "
                      "check the options after '?' in the model spec.")


def build_model(arch: dict, num_classes: int | None = None) -> nn.Module:
    """Randomly initialised network of `arch`'s family, with `num_classes` outputs if given."""
    kwargs = dict(arch.get("kwargs") or {})
    if num_classes is not None:
        kwargs["num_classes"] = num_classes
    return family_named(str(arch.get("library"))).build(str(arch.get("name")), kwargs)
