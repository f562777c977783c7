"""Weights converted once (renamed for a target network) and kept as safetensors in the cache directory.

The file is keyed by the target network and the source file's sha256, so a changed source is converted again;
the name mapping travels in the safetensors metadata.
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

import torch
from safetensors import safe_open
from safetensors.torch import save_file

from transferkit.cache import cache_dir, config_key
from transferkit.errors import ModelError
from transferkit.models.safe_load import load_state_dict_file

_MAPPING_KEY = "transferkit_mapping"


def converted_path(family: str, name: str, kwargs: dict, source_sha256: str) -> Path:
    """Where the conversion of the file with `source_sha256` for network `family:name?kwargs` is kept."""
    target = f"{family}-{name}" + (f"-{config_key(kwargs)}" if kwargs else "")
    return cache_dir() / "converted-weights" / target / f"{source_sha256}.safetensors"


def read_converted(path: Path) -> tuple[dict[str, torch.Tensor], dict[str, str]] | None:
    """The cached tensors and their mapping, or None when absent or unreadable (then it is converted again)."""
    if not path.is_file():
        return None
    try:
        with safe_open(str(path), "pt") as f:
            mapping = json.loads((f.metadata() or {})[_MAPPING_KEY])
        state = load_state_dict_file(path)
    except (OSError, KeyError, ValueError, ModelError):
        return None
    if not isinstance(mapping, dict) or sorted(mapping.values()) != sorted(state):
        return None
    return state, mapping


def write_converted(path: Path, state: dict[str, torch.Tensor], mapping: dict[str, str]) -> None:
    """Write atomically (temporary sibling, then os.replace), so a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{uuid.uuid4().hex[:12]}")
    try:
        tensors = {k: v.detach().contiguous().cpu() for k, v in state.items()}
        save_file(tensors, str(tmp), metadata={_MAPPING_KEY: json.dumps(mapping)})
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
