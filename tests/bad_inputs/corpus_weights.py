"""Corpus cases about weights damaged on disk: bytes of the tensors overwritten while the header stays intact."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import torch
from corpus_context import Case, Context
from corpus_runs import model_dir_copy
from safetensors.torch import load_file, save_file

from transferkit.models.integrity import SHA256_KEY


def corrupt_tensor_bytes(path: Path) -> None:
    """Overwrite a stretch in the middle of the tensor data with 0xFF bytes (NaN as float32); the header is kept."""
    data = bytearray(path.read_bytes())
    start = 8 + struct.unpack("<Q", bytes(data[:8]))[0]  # safetensors: 8-byte header length, header, tensor data
    middle = start + (len(data) - start) // 2
    data[middle:middle + 4096] = b"\xff" * len(data[middle:middle + 4096])
    path.write_bytes(bytes(data))


def forget_sha256(folder: Path) -> None:
    meta = json.loads((folder / "model.json").read_text())
    meta.pop(SHA256_KEY, None)
    (folder / "model.json").write_text(json.dumps(meta))


def corrupted_model_dir(ctx: Context) -> list[str]:
    return model_dir_copy(ctx, lambda folder: corrupt_tensor_bytes(folder / "model.safetensors"))


def corrupted_model_dir_without_sha256(ctx: Context) -> list[str]:
    def change(folder: Path) -> None:
        forget_sha256(folder)
        corrupt_tensor_bytes(folder / "model.safetensors")

    return model_dir_copy(ctx, change)


def weights_with_nan(ctx: Context) -> list[str]:
    state = load_file(str(Path(ctx.model) / "model.safetensors"))
    name = next(k for k in sorted(state) if state[k].is_floating_point() and state[k].numel() > 4)
    state[name] = state[name].clone()
    state[name].view(-1)[:3] = torch.tensor([float("nan"), float("inf"), float("-inf")])
    path = ctx.root / "nan.safetensors"
    save_file(state, str(path))
    return ["adapt", "--model", ctx.arch, "--weights", str(path), "--data", "digits", "--out", str(ctx.out)]


WEIGHTS_CASES = [
    Case("model-dir-with-corrupted-tensor-bytes", "error", corrupted_model_dir,
         ("is corrupt", "sha256", "model.json records")),
    Case("model-dir-with-corrupted-tensor-bytes-and-no-sha256", "error", corrupted_model_dir_without_sha256,
         ("is corrupt", "not finite")),
    Case("weights-with-non-finite-values", "error", weights_with_nan, ("is corrupt", "3 values", "not finite")),
]
