"""Model spec strings: `PREFIX:NAME?k=v&...` (timm:NAME, torchvision:NAME), a model directory, or a bare name."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from transferkit.errors import ModelError
from transferkit.models.family import BackboneFamily, families, family_with_prefix
from transferkit.registry import suggestion


@dataclass(frozen=True)
class ModelSpec:
    """A parsed spec: the family that knows it (`library`), the model name or directory, constructor kwargs."""

    library: str
    name: str
    kwargs: dict = field(default_factory=dict)


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


def _suggest(name: str, first: BackboneFamily | None = None) -> str:
    """The closest known name, from `first` when it has one close enough, else from the named families in order."""
    named = [f for f in families() if f.prefix is not None]
    ordered = ([first] if first is not None else []) + [f for f in named if f is not first]
    for family in ordered:
        hint = suggestion(name, family.names(), prefix=f"{family.prefix}:")
        if hint:
            return hint
    return ""


def _resolve(spec: str, family: BackboneFamily, text: str) -> ModelSpec | None:
    name, _, query = text.partition("?") if family.takes_options else (text, "", "")
    if not family.knows(name):
        return None
    return ModelSpec(family.name, name, _parse_query(spec, query))


def parse_spec(spec: str) -> ModelSpec:
    """Resolve a spec string through the registered families; unknown names raise ModelError with close matches."""
    spec = spec.strip()
    if not spec:
        raise ModelError("Empty model spec; pass e.g. timm:resnet18, torchvision:resnet18 or a model directory.")
    prefix, sep, rest = spec.partition(":")
    family = family_with_prefix(prefix) if sep else None
    if family is not None:
        found = _resolve(spec, family, rest)
        if found is None:
            name = rest.partition("?")[0]
            raise ModelError(family.unknown(name) + _suggest(name, family))
        return found
    for family in families():
        found = _resolve(spec, family, spec)
        if found is not None:
            return found
    for family in families():
        refusal = family.refusal(spec)
        if refusal is not None:
            raise refusal
    forms = ", ".join(f"{f.prefix}:NAME" for f in families() if f.prefix is not None)
    name = spec.partition("?")[0]
    raise ModelError(f"Unknown model '{spec}'; pass a model name ({forms}) or a model directory.{_suggest(name)}")
