"""Asking for CUDA where there is none: one error class and one message, from training and from diagnose."""

from __future__ import annotations

import pytest
import torch
from typer.testing import CliRunner

from transferkit.cli import app
from transferkit.engine.processes.devices import NoCudaError, make_accelerator, torch_device
from transferkit.errors import RunError
from support.assertions import assert_cli_error, assert_one_line_error

TARGET = "synthetic:glyphs?classes=4&per_class=12&size=16"


@pytest.fixture
def no_cuda(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)


def test_cuda_without_a_gpu_is_one_error_for_training_and_for_measuring(no_cuda):
    first = assert_one_line_error(NoCudaError, lambda: make_accelerator("cuda"), "--device cuda", "--device cpu")
    second = assert_one_line_error(NoCudaError, lambda: torch_device("cuda"))
    assert first == second
    assert torch_device("auto") == torch.device("cpu")
    assert_one_line_error(RunError, lambda: torch_device("gpu"), "'device'", "['auto', 'cpu', 'cuda']", "'gpu'")


@pytest.mark.parametrize("command", ["adapt", "diagnose"])
def test_cli_asking_for_cuda_without_a_gpu_exits_2(command, no_cuda, tiny_model_dir, tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(app, [command, "--model", str(tiny_model_dir), "--data", TARGET, "--device", "cuda",
                                      "--out", str(out)])
    assert_cli_error(result, "no CUDA GPU is visible", "--device cpu")
    assert not out.exists()
