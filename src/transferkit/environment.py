"""Versions and machine facts for the run record."""

from __future__ import annotations

import platform
import sys
from importlib import metadata

_PACKAGES = ("transferkit", "torch", "torchvision", "timm", "accelerate", "peft", "safetensors", "numpy",
             "scikit-learn", "pillow")


def package_versions() -> dict[str, str | None]:
    versions: dict[str, str | None] = {}
    for name in _PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def environment(device: str) -> dict:
    return {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "device": device,
        "packages": package_versions(),
    }
