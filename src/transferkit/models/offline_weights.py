"""Pretrained weights that install without a model hub: a package's weights file, mapped onto a library network.

Each provider is one `register_offline_weights(...)` call. When a family's hub cannot be reached, loading asks
`offline_weights_for(family, name)` and, if the provider's package is installed, loads its file through the
provider's weight map (converted once, cached by the file's sha256).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from transferkit.errors import ModelError
from transferkit.registry import Registry


@dataclass(frozen=True)
class OfflineWeights:
    """`names` of `family`'s networks whose pretrained weights `locate()` finds in the installed `package`.

    `locate` imports the package and returns the weights file's path (ImportError when not installed);
    `weights_map` says how the file's tensors meet the network's ("order": by position); `description`
    says in words which weights these are; `top1()` is their published ImageNet-1k top-1 accuracy (percent),
    read from `top1_source`.
    """

    family: str
    names: tuple[str, ...]
    package: str
    locate: Callable[[], str]
    weights_map: str | None
    description: str
    top1: Callable[[], float] | None = None
    top1_source: str | None = None

    def path(self) -> Path | None:
        """The weights file, or None when the package is not installed or lacks the file."""
        try:
            found = Path(self.locate())
        except ImportError:
            return None
        return found if found.is_file() else None

    def record(self) -> dict:
        """What run.json says about where the weights came from."""
        try:
            version = metadata.version(self.package)
        except metadata.PackageNotFoundError:
            version = None
        return {"package": self.package, "version": version, "description": self.description,
                "reason": "the model hub was unreachable"}


# Providers by the `family:name` of each network they hold weights for.
OFFLINE_WEIGHTS: Registry[OfflineWeights] = Registry("offline weights for network", ModelError)


def register_offline_weights(weights: OfflineWeights) -> OfflineWeights:
    """Make a provider known; one per family and network name."""
    for name in weights.names:
        OFFLINE_WEIGHTS.register(f"{weights.family}:{name}", weights)
    return weights


def offline_weights_for(family: str, name: str) -> OfflineWeights | None:
    """The provider for `family:name` whose package is installed, or None."""
    key = f"{family}:{name}"
    provider = OFFLINE_WEIGHTS.get(key) if key in OFFLINE_WEIGHTS else None
    return provider if provider is not None and provider.path() is not None else None
