"""Reading weights files without running code: safetensors, or torch.load with weights_only=True."""

from __future__ import annotations

import hashlib
import pickle
import warnings
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file

from transferkit.errors import ModelError
from transferkit.models.integrity import check_finite

# Same preference as timm's own checkpoint loader, so both read the same tensors from one file.
_WRAPPER_KEYS = ("state_dict_ema", "model_ema", "state_dict", "model")
_PREFIXES = ("module.", "_orig_mod.")


def sha256_file(path: str | Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def check_weights_file(path: Path) -> None:
    """ModelError unless `path` is an existing file."""
    if not path.exists():
        raise ModelError(f"Weights file '{path}' does not exist; pass an existing .safetensors or .pth file.")
    if not path.is_file():
        raise ModelError(f"Weights file '{path}' is not a file; pass a .safetensors or .pth file.")


def _refusal(path: Path) -> ModelError:
    stem = path.with_suffix(".safetensors").name
    return ModelError(
        f"Refusing to unpickle '{path}': it needs arbitrary Python objects, which can run code. "
        f"Convert it once in a trusted environment: safetensors.torch.save_file("
        f"torch.load('{path.name}', weights_only=False).state_dict(), '{stem}'), then pass the .safetensors file."
    )


def _read(path: Path) -> object:
    if path.suffix == ".safetensors":
        try:
            return load_file(str(path), device="cpu")
        except (SafetensorError, OSError, ValueError) as e:
            first = str(e).splitlines()[0] if str(e) else type(e).__name__
            raise ModelError(f"Weights file '{path}' is not a valid safetensors file ({first}); "
                             "pass a file written by safetensors.torch.save_file.") from e
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            return torch.load(str(path), map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as e:
        if "weights only load failed" in str(e).lower():
            raise _refusal(path) from e
        raise ModelError(f"Weights file '{path}' is not a PyTorch weights file; "
                         "pass a .safetensors file or a .pth/.pt file saved with torch.save.") from e
    except Exception as e:  # torch.load raises many types (KeyError, RuntimeError, EOFError...) on junk
        raise ModelError(f"Weights file '{path}' is not a PyTorch weights file ({type(e).__name__}); "
                         "pass a .safetensors file or a .pth/.pt file saved with torch.save.") from e


def _unwrap(obj: object) -> object:
    if isinstance(obj, dict):
        for key in _WRAPPER_KEYS:
            if isinstance(obj.get(key), dict):
                return obj[key]
    return obj


def _strip(key: str) -> str:
    changed = True
    while changed:
        changed = False
        for prefix in _PREFIXES:
            if key.startswith(prefix):
                key, changed = key[len(prefix):], True
    return key


def load_state_dict_file(path: str | Path, *, check_values: bool = True) -> dict[str, torch.Tensor]:
    """Tensors of a weights file, safely: `.safetensors`, or torch.load(weights_only=True) for anything else.

    Unwraps {"state_dict_ema"|"model_ema"|"state_dict"|"model": ...} checkpoints and strips "module." /
    "_orig_mod." prefixes (DDP, torch.compile). Pickles that need arbitrary objects are refused, and so are
    tensors with values that are not finite (a corrupt file), unless `check_values` is False.
    """
    path = Path(path)
    check_weights_file(path)
    obj = _unwrap(_read(path))
    if not isinstance(obj, dict) or not obj:
        raise ModelError(f"Weights file '{path}' holds no state dict (got {type(obj).__name__}); "
                         "pass a file with a dict of parameter names to tensors.")
    state: dict[str, torch.Tensor] = {}
    for key, value in obj.items():
        if not isinstance(key, str) or not isinstance(value, torch.Tensor):
            raise ModelError(f"Weights file '{path}' is not a plain state dict (entry {key!r} is "
                             f"{type(value).__name__}); save model.state_dict() instead.")
        state[_strip(key)] = value
    if check_values:
        check_finite(state, path)
    return state
