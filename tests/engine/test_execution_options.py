"""Execution options that change speed, not results (--compile, --channels-last), and --grad-accum, which trains
as a larger batch does."""

from __future__ import annotations

import json

import pytest
import torch
from safetensors.torch import load_file

from transferkit import adapt

TARGET = "synthetic:glyphs?classes=4&per_class=40&size=16&seed=1"  # 8 labels per class: 32 training images


def weights(run_dir) -> dict[str, torch.Tensor]:
    return load_file(run_dir / "model.safetensors")


def assert_close(a: dict, b: dict, atol: float) -> None:
    assert a.keys() == b.keys()
    worst = max((a[k].float() - b[k].float()).abs().max().item() for k in a)
    assert worst <= atol, worst


def test_two_accumulated_batches_train_as_one_batch_of_twice_the_size(tiny_model_dir, tmp_path):
    runs = {}
    for name, batch, accum in (("accumulated", 8, 2), ("large", 16, 1), ("small", 8, 1)):
        runs[name] = tmp_path / name
        adapt(str(tiny_model_dir), TARGET, "linear-probe", out=runs[name], epochs=3, labels_per_class=8,
              batch_size=batch, grad_accum=accum, progress=False)
    assert_close(weights(runs["accumulated"]), weights(runs["large"]), atol=1e-5)
    head = [k for k in weights(runs["small"]) if k.startswith("fc.")]
    assert any(not torch.allclose(weights(runs["small"])[k], weights(runs["large"])[k], atol=1e-3) for k in head)
    record = json.loads((runs["accumulated"] / "run.json").read_text())
    assert record["plan"]["phases"][0]["grad_accum"] == 2 and record["plan"]["phases"][0]["batch_size"] == 8


@pytest.mark.parametrize("option", ["compile", "channels_last"])
def test_speed_options_train_the_same_weights(tiny_model_dir, tmp_path, option):
    plain, fast = tmp_path / "plain", tmp_path / option
    common = dict(epochs=1, labels_per_class=8, cache="off", progress=False)
    adapt(str(tiny_model_dir), TARGET, "full", out=plain, **common)
    adapt(str(tiny_model_dir), TARGET, "full", out=fast, **common, **{option: True})
    assert_close(weights(plain), weights(fast), atol=1e-4)
    assert json.loads((fast / "run.json").read_text())["spec"]["execution"][option] is True
