"""Model spec strings: `timm:NAME?k=v&...`, `torchvision:NAME`, a model directory, or a bare name."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from urllib.parse import parse_qsl

from transferkit.errors import ModelError

LIBRARIES = ("timm", "torchvision")


@dataclass(frozen=True)
class ModelSpec:
    """A parsed spec: library ("timm", "torchvision" or "dir"), model name or directory, constructor kwargs."""

    library: str
    name: str
    kwargs: dict = field(default_factory=dict)

    def __str__(self) -> str:
        if self.library == "dir":
            return self.name
        query = "&".join(f"{k}={_format(v)}" for k, v in self.kwargs.items())
        return f"{self.library}:{self.name}" + (f"?{query}" if query else "")


def _format(value: object) -> str:
    if isinstance(value, tuple):
        return ",".join(_format(v) for v in value)
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def parse_value(text: str) -> object:
    """'3' -> 3, '0.5' -> 0.5, 'true'/'false' -> bool, '1,2' -> (1, 2), anything else stays a string."""
    if "," in text:
        return tuple(parse_value(part) for part in text.split(",") if part)
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def _parse_query(spec: str, query: str) -> dict:
    if not query:
        return {}
    try:
        pairs = parse_qsl(query, keep_blank_values=False, strict_parsing=True)
    except ValueError:
        raise ModelError(f"Bad options in model spec '{spec}'; write them as NAME?key=value&key=value.") from None
    return {k: parse_value(v) for k, v in pairs}


@lru_cache(maxsize=1)
def timm_names() -> tuple[str, ...]:
    import timm

    return tuple(timm.list_models())


@lru_cache(maxsize=1)
def torchvision_names() -> tuple[str, ...]:
    """Classification models only (detection, segmentation and video models are not backbones here)."""
    from torchvision import models as tvm

    return tuple(tvm.list_models(module=tvm))


def is_timm_model(name: str) -> bool:
    import timm
    from timm.models import split_model_name_tag

    arch, tag = split_model_name_tag(name)
    if not timm.is_model(arch):
        return False
    if tag:
        from timm.models import get_pretrained_cfg

        try:
            get_pretrained_cfg(name)
        except RuntimeError:
            return False
    return True


def is_torchvision_model(name: str) -> bool:
    return name in torchvision_names()


def _suggest(name: str, first: str | None = None) -> str:
    libraries = [first] + [lib for lib in LIBRARIES if lib != first] if first else list(LIBRARIES)
    pools = {"timm": timm_names, "torchvision": torchvision_names}
    for library in libraries:
        close = difflib.get_close_matches(name.lower(), pools[library](), n=3, cutoff=0.6)
        if close:
            return " Did you mean " + " or ".join(f"'{library}:{c}'" for c in close) + "?"
    return ""


def _unknown(spec: str, name: str, library: str | None = None) -> ModelError:
    if library == "timm" and "." in name:
        from timm.models import split_model_name_tag

        arch, tag = split_model_name_tag(name)
        if is_timm_model(arch):
            return ModelError(f"timm:{arch} has no pretrained tag '{tag}'; "
                              f"timm.list_pretrained('{arch}.*') lists the tags, or drop the tag.")
    if library:
        lister = "timm.list_models()" if library == "timm" else "torchvision.models.list_models()"
        return ModelError(f"{library} has no model '{name}'; {lister} lists the names.{_suggest(name, library)}")
    return ModelError(f"Unknown model '{spec}'; pass a timm or torchvision model name (timm:NAME, "
                      f"torchvision:NAME) or a model directory.{_suggest(name)}")


def parse_spec(spec: str) -> ModelSpec:
    """Resolve a spec string; unknown names raise ModelError with close matches."""
    spec = spec.strip()
    if not spec:
        raise ModelError("Empty model spec; pass e.g. timm:resnet18, torchvision:resnet18 or a model directory.")
    library, sep, rest = spec.partition(":")
    if sep and library in LIBRARIES:
        name, _, query = rest.partition("?")
        known = is_timm_model(name) if library == "timm" else is_torchvision_model(name)
        if not known:
            raise _unknown(spec, name, library)
        return ModelSpec(library, name, _parse_query(spec, query))
    path = Path(spec).expanduser()
    if path.is_dir():
        return ModelSpec("dir", str(path))
    if path.is_file():
        raise ModelError(f"'{spec}' is a file, not a model directory; pass it as --weights FILE "
                         "together with the --model it was saved from.")
    if "/" in spec or "\\" in spec or spec.startswith("."):
        raise ModelError(f"Model directory '{spec}' does not exist; pass a directory written by transferkit "
                         "or a model name such as timm:resnet18.")
    name, _, query = spec.partition("?")
    if is_timm_model(name):
        return ModelSpec("timm", name, _parse_query(spec, query))
    if is_torchvision_model(name):
        return ModelSpec("torchvision", name, _parse_query(spec, query))
    raise _unknown(spec, name)
