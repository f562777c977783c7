"""The user's cache directory (pretrained source models, feature caches)."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path


def cache_dir() -> Path:
    """$TRANSFERKIT_CACHE, else $XDG_CACHE_HOME/transferkit, else ~/.cache/transferkit."""
    explicit = os.environ.get("TRANSFERKIT_CACHE")
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "transferkit"


def config_key(config: dict) -> str:
    """A short stable key for a JSON-able configuration."""
    return hashlib.sha256(json.dumps(config, sort_keys=True).encode()).hexdigest()[:16]
