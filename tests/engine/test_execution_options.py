"""Execution options that change speed, not results (--compile, --channels-last), and --grad-accum, which trains
as a larger batch does."""

from __future__ import annotations

import json
import logging

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


@pytest.mark.integration
def test_two_accumulated_batches_train_as_one_batch_of_twice_the_size(tiny_model_dir, tmp_path):
    runs = {}
    for name, batch, accum in (("accumulated", 8, 2), ("large", 16, 1), ("small", 8, 1)):
        runs[name] = tmp_path / name
        adapt(str(tiny_model_dir), TARGET, "linear-probe:fit=sgd", out=runs[name], epochs=3, labels_per_class=8,
              batch_size=batch, grad_accum=accum, progress=False)
    assert_close(weights(runs["accumulated"]), weights(runs["large"]), atol=1e-5)
    head = [k for k in weights(runs["small"]) if k.startswith("fc.")]
    assert any(not torch.allclose(weights(runs["small"])[k], weights(runs["large"])[k], atol=1e-3) for k in head)
    record = json.loads((runs["accumulated"] / "run.json").read_text())
    assert record["plan"]["phases"][0]["grad_accum"] == 2 and record["plan"]["phases"][0]["batch_size"] == 8


@pytest.mark.integration
@pytest.mark.parametrize("option", ["compile", "channels_last"])
def test_speed_options_train_the_same_weights(tiny_model_dir, tmp_path, option):
    plain, fast = tmp_path / "plain", tmp_path / option
    common = dict(epochs=1, labels_per_class=8, cache="off", progress=False)
    adapt(str(tiny_model_dir), TARGET, "full", out=plain, **common)
    adapt(str(tiny_model_dir), TARGET, "full", out=fast, **common, **{option: True})
    assert_close(weights(plain), weights(fast), atol=1e-4)
    assert json.loads((fast / "run.json").read_text())["spec"]["execution"][option] is True


def test_sync_bn_converts_batch_norm_across_several_gpu_processes_and_is_ignored_otherwise(caplog):
    from types import SimpleNamespace

    from transferkit.settings import Execution
    from transferkit.engine.processes.speedups import apply_speedups, sync_bn_record

    def network() -> torch.nn.Module:
        return torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.BatchNorm2d(4))

    def accelerator(processes: int, device: str) -> SimpleNamespace:
        return SimpleNamespace(num_processes=processes, device=torch.device(device), is_main_process=True)

    asked = Execution(sync_bn=True)
    gpus = accelerator(2, "cuda")
    assert isinstance(apply_speedups(network(), asked, gpus)[1], torch.nn.SyncBatchNorm)
    assert sync_bn_record(asked, gpus) == {"asked": True, "applied": True, "reason": None}
    for ignored in (accelerator(1, "cuda"), accelerator(1, "cpu"), accelerator(2, "cpu")):
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="transferkit"):
            assert type(apply_speedups(network(), asked, ignored)[1]) is torch.nn.BatchNorm2d
        record = sync_bn_record(asked, ignored)
        assert record["applied"] is False and record["reason"] in caplog.text
    assert sync_bn_record(Execution(), gpus) == {"asked": False, "applied": False, "reason": None}
