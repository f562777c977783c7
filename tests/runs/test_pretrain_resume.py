"""Pretraining streams a folder, checkpoints inside epochs, and a run killed mid-epoch with SIGKILL and resumed ends
with the weights of an uninterrupted run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from support.killing import checkpoint_position, kill_when
from support.tiny import TINY_ARCH as TINY
from transferkit import pretrain
from use.folder_data import write_image_folder

SRC = Path(__file__).resolve().parents[2] / "src"
TINY_ARCH = TINY + "&drop_rate=0.3"  # dropout draws random numbers in every forward pass
OPTIONS = {"epochs": 2, "batch_size": 8, "input_size": 16, "seed": 3, "augment": "standard", "workers": 2,
           "data_mem": "0", "checkpoint_every": 1, "device": "cpu"}


def batches_done(checkpoint: Path) -> tuple[int, int] | None:
    where = checkpoint_position(checkpoint)
    return where[1:] if where is not None else None


def cli_args(folder: Path, out: Path) -> list[str]:
    args = [sys.executable, "-m", "transferkit", "pretrain", "--model", TINY_ARCH, "--data", str(folder),
            "--out", str(out)]
    for key, value in OPTIONS.items():
        args += [f"--{key.replace('_', '-')}", str(value)]
    return args


@pytest.mark.integration
@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX signals")
def test_pretraining_killed_inside_an_epoch_resumes_to_the_same_weights(tmp_path):
    folder = write_image_folder(tmp_path / "source")
    reference = pretrain(str(folder), TINY_ARCH, out=tmp_path / "reference", progress=False, **OPTIONS)
    out = tmp_path / "killed"
    checkpoint = tmp_path / ".killed.partial" / "checkpoint.safetensors"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]),
           "OMP_NUM_THREADS": str(torch.get_num_threads()), "TRANSFERKIT_PROGRESS": "0"}
    # killed inside the first epoch, 4 steps in
    kill_when(cli_args(folder, out), env, lambda: (batches_done(checkpoint) or (0, 0)) >= (0, 4))
    epochs, batches = batches_done(checkpoint)
    assert batches > 0 and not out.exists()  # killed inside an epoch: the mid-epoch checkpoint is what resumes
    done = subprocess.run(cli_args(folder, out) + ["--resume"], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    expected, resumed = load_file(reference / "model.safetensors"), load_file(out / "model.safetensors")
    assert expected.keys() == resumed.keys()
    assert all(torch.equal(expected[k], resumed[k]) for k in expected), (epochs, batches)
