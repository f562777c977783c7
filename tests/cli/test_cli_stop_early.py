"""Ctrl-C in a real `transferkit adapt` process: once ends training after the epoch and still writes the run
directory; twice stops at once and keeps the checkpoint for --resume."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from safetensors.torch import load_file

from transferkit import reproduce

SRC = Path(__file__).resolve().parents[2] / "src"
TARGET = "synthetic:glyphs?classes=4&per_class=12&size=16"
EPOCHS = 400  # far more than run before the signal: training is still going when it arrives
STOPPING = "Stopping after this epoch and keeping the model"

pytestmark = pytest.mark.skipif(os.name != "posix", reason="needs POSIX signals")


def start(tiny_model_dir, out: Path) -> subprocess.Popen:
    """`transferkit adapt` in a process of its own, with Python's Ctrl-C handling (even where ours ignores it)."""
    command = [sys.executable, "-m", "transferkit", "adapt", "--model", str(tiny_model_dir), "--data", TARGET,
               "--strategy", f"lp-ft:epochs={EPOCHS},fit=sgd", "--device", "cpu", "--out", str(out)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]),
           "TRANSFERKIT_PROGRESS": "0"}
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def wait_for(path: Path, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 120
    while not path.is_file():
        assert process.poll() is None, f"the run ended before its first checkpoint: {process.stderr.read()}"
        assert time.monotonic() < deadline, "no checkpoint appeared"
        time.sleep(0.01)


def finish(process: subprocess.Popen) -> tuple[int, str, str]:
    try:
        out, err = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    return process.returncode, out, err


@pytest.mark.integration
def test_one_ctrl_c_ends_training_early_and_writes_the_run_directory(tiny_model_dir, tmp_path):
    out = tmp_path / "run"
    process = start(tiny_model_dir, out)
    wait_for(tmp_path / ".run.partial" / "checkpoint.safetensors", process)
    process.send_signal(signal.SIGINT)
    code, stdout, stderr = finish(process)

    assert code == 0, stderr
    assert STOPPING in stderr and "Run directory:" in stdout and "stopped early on request" in stdout
    assert not (tmp_path / ".run.partial").exists()
    assert {"run.json", "model.safetensors", "plan.yaml", "report.html", "README.md"} <= set(os.listdir(out))
    assert load_file(str(out / "model.safetensors"))["fc.weight"].shape[0] == 4  # the new head, one row per class
    record = json.loads((out / "run.json").read_text())
    stopped = record["stopped_early"]
    assert stopped["by"] == "user"
    planned = sum(p["epochs"] for p in record["plan"]["definition"]["phases"])
    assert stopped["epochs_planned"] == planned and 1 <= stopped["epochs_run"] < planned
    assert stopped["epochs_run"] == len(record["history"])
    last = record["history"][-1]
    assert (stopped["phase"], stopped["epoch"]) == (last["phase"], last["epoch"])
    assert last["val_accuracy"] is not None  # the last epoch is validated, as at a phase's planned end
    assert record["kept"]["epoch"]["run_epoch"] <= stopped["epochs_run"]
    assert "stopped early at the user's request" in record["description"]
    again = reproduce(out, device="cpu", progress=False)  # stops at the same epoch
    assert again.identical, again.differences


@pytest.mark.integration
def test_two_ctrl_c_stop_at_once_and_keep_the_checkpoint_for_resume(tiny_model_dir, tmp_path):
    out = tmp_path / "run"
    checkpoint = tmp_path / ".run.partial" / "checkpoint.safetensors"
    process = start(tiny_model_dir, out)
    wait_for(checkpoint, process)
    process.send_signal(signal.SIGINT)
    announced = next((line for line in process.stderr if STOPPING in line), None)  # the first press was taken
    assert announced, "the first Ctrl-C did not stop training gracefully"
    process.send_signal(signal.SIGINT)
    code, _, stderr = finish(process)

    assert code == 130, stderr
    last = stderr.strip().splitlines()[-1]
    assert last.startswith("interrupted: stopped in phase ") and "the same command plus --resume" in last
    assert checkpoint.is_file() and not out.exists()
