"""Data-parallel runs: `transferkit adapt` launched by `accelerate launch` as two CPU processes (gloo).

Each epoch trains on every training image exactly once across the processes, validation and test are scored once
per image and agree with a one-process evaluation of the saved model, only one run directory is written, and a
two-process run killed with SIGKILL and resumed ends bit-identical to an uninterrupted one.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import psutil  # installed with accelerate
import pytest
import torch
from safetensors.torch import load_file

from transferkit.api import load_model, load_target
from transferkit.engine.checkpoint import read_checkpoint_meta
from transferkit.engine.shards import shard_batches
from transferkit.errors import RunError

SRC = Path(__file__).resolve().parents[2] / "src"
DATA = "synthetic:glyphs?classes=6&per_class=24&size=16&seed=1"
LABELS_PER_CLASS, SEED = 7, 3  # 42 training images: not a multiple of either phase's global batch
PLAN = """\
phases:
- {name: linear probe, epochs: 2, train: [head], lr: 0.01, batch_size: 16, standardize_features: true}
- {name: fine-tune all, epochs: 3, train: [all], lr: 0.001, batch_size: 8, augment: light}
"""

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX processes and signals")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def launch_command(model_dir: Path, plan: Path, out: Path, *extra: str) -> list[str]:
    """`accelerate launch` of two processes (torchrun-style; the model stays on the CPU with --device cpu)."""
    return [sys.executable, "-m", "accelerate.commands.launch", "--multi_gpu", "--num_processes", "2",
            "--num_machines", "1", "--mixed_precision", "no", "--dynamo_backend", "no",
            "--main_process_port", str(free_port()), "-m", "transferkit", "adapt", "--model", str(model_dir),
            "--data", DATA, "--labels-per-class", str(LABELS_PER_CLASS), "--strategy", str(plan),
            "--seed", str(SEED), "--device", "cpu", "--out", str(out), *extra]


@pytest.fixture(scope="module")
def launch_env(tmp_path_factory):
    home = tmp_path_factory.mktemp("hf-home")  # no user Accelerate config file applies
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]),
            "OMP_NUM_THREADS": "1", "TRANSFERKIT_PROGRESS": "0", "HF_HOME": str(home),
            "TRANSFERKIT_CACHE": str(home / "cache")}


@pytest.fixture(scope="module")
def plan_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("plan") / "lp-then-full.yaml"
    path.write_text(PLAN)
    return path


@pytest.fixture(scope="module")
def two_process_run(tmp_path_factory, tiny_model_dir, plan_file, launch_env):
    """An uninterrupted two-process run: (its folder's parent, its run directory)."""
    parent = tmp_path_factory.mktemp("two-processes")
    out = parent / "run"
    done = subprocess.run(launch_command(tiny_model_dir, plan_file, out), env=launch_env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return parent, out


def test_each_image_once_and_metrics_of_the_saved_model(two_process_run, tiny_model_dir):
    parent, out = two_process_run
    assert sorted(os.listdir(parent)) == ["run"]  # one run directory, no staging folder left
    record = json.loads((out / "run.json").read_text())
    processes = record["environment"]["processes"]
    assert processes["count"] == 2 and len(processes["devices"]) == 2 and processes["backend"] == "gloo"
    assert [p["global_batch_size"] for p in record["plan"]["phases"]] == [32, 16]

    backbone = load_model(str(out))
    splits = load_target(DATA, backbone.preprocessing, seed=SEED, labels_per_class=LABELS_PER_CLASS, progress=False)
    assert len(record["history"]) == 5
    assert all(epoch["images"] == len(splits.train) for epoch in record["history"])

    backbone.model.eval()
    for split in ("val", "test"):
        part = getattr(splits, split)
        with torch.no_grad():
            logits = backbone.model(backbone.preprocessing.normalize(part.images))
        predicted, labels = logits.argmax(1).numpy(), part.labels.numpy()
        matrix = np.zeros((len(splits.classes),) * 2, dtype=np.int64)
        np.add.at(matrix, (labels, predicted), 1)
        metrics = record["metrics"][split]
        assert metrics["images"] == len(part)
        assert metrics["confusion_matrix"] == matrix.tolist()
        assert metrics["accuracy"] == pytest.approx(float((predicted == labels).mean()), abs=0)


def kill_tree(process: subprocess.Popen) -> None:
    """SIGKILL the launcher and every process it started (the workers run in sessions of their own), as a crash."""
    workers = psutil.Process(process.pid).children(recursive=True)
    for each in [process, *workers]:
        try:
            os.kill(each.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    process.wait(timeout=60)
    psutil.wait_procs(workers, timeout=60)


def position(checkpoint: Path) -> tuple[int, int] | None:
    try:
        where = read_checkpoint_meta(checkpoint)["position"]
    except (RunError, FileNotFoundError):
        return None
    return where["phase"], where["epochs_done"]


def test_killed_and_resumed_ends_bit_identical(two_process_run, tmp_path, tiny_model_dir, plan_file, launch_env):
    out = tmp_path / "killed"
    checkpoint = tmp_path / ".killed.partial" / "checkpoint.safetensors"
    process = subprocess.Popen(launch_command(tiny_model_dir, plan_file, out), env=launch_env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 300
    try:
        while (position(checkpoint) or (-1, -1)) < (1, 1):  # inside the second phase
            assert process.poll() is None, f"the run ended before it was killed: {process.stderr.read()[-3000:]}"
            assert time.monotonic() < deadline, "the run made no progress"
            time.sleep(0.005)
    finally:
        kill_tree(process)
        process.stderr.close()
    reached = position(checkpoint)
    assert not out.exists() and reached is not None and reached < (2, 0)

    done = subprocess.run(launch_command(tiny_model_dir, plan_file, out, "--resume"), env=launch_env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    expected = load_file(str(two_process_run[1] / "model.safetensors"))
    found = load_file(str(out / "model.safetensors"))
    assert expected.keys() == found.keys()
    assert all(torch.equal(expected[k], found[k]) for k in expected)
    record = json.loads((out / "run.json").read_text())
    reference = json.loads((two_process_run[1] / "run.json").read_text())
    assert record["metrics"] == reference["metrics"]
    assert [(r["phase"], r["epochs_done"]) for r in record["resumed"]["from"]] == [reached]
    assert not checkpoint.parent.exists()


@pytest.mark.parametrize("processes", [2, 3, 4])
@pytest.mark.parametrize("batch_size", [1, 2, 3, 8])
@pytest.mark.parametrize("n", [4, 5, 7, 16, 17, 31, 42, 100])
def test_shards_hold_each_image_once_in_equal_steps(n, batch_size, processes):
    order = list(np.random.default_rng(n).permutation(n))
    shards = [shard_batches(order, batch_size, processes, p) for p in range(processes)]
    assert len({len(s) for s in shards}) == 1  # every process steps together
    seen = [i for s in shards for batch in s for i in batch]
    assert sorted(seen) == list(range(n))  # each image exactly once
    for step in zip(*shards):  # full steps, then the rest shared evenly (or joined to the last full step)
        sizes = [len(b) for b in step]
        assert min(sizes) >= 1 and max(sizes) - min(sizes) <= 1
