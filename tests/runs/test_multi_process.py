"""Data-parallel runs: transferkit launched by `accelerate launch` as two CPU processes (gloo).

Each epoch draws every training image exactly once across the processes, in equal steps, whether the split is in
memory or streamed from disk; validation and test are scored once per image and agree with a one-process evaluation
of the saved model; only one run directory is written; and two-process runs killed with SIGKILL (between epochs, or
inside one after a mid-epoch checkpoint) and resumed end bit-identical to uninterrupted ones.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

from support.killing import checkpoint_position, kill_when
from support.tiny import TINY_ARCH
from transferkit.api import load_model, load_target
from transferkit.engine.processes.shards import shard_batches
from use.folder_data import write_image_folder

TESTS = Path(__file__).resolve().parents[1]
SRC = TESTS.parent / "src"
DATA = "synthetic:glyphs?classes=6&per_class=24&size=16&seed=1"
CACHED = "synthetic:glyphs?classes=4&per_class=20&size=16&seed=2"
CACHED_PLAN = """\
phases:
- {name: probe, epochs: 2, train: [head], lr: 0.01, augment: light}
- {name: all, epochs: 1, train: [all], lr: 0.001, bn: frozen}
"""
LABELS_PER_CLASS, SEED = 7, 3  # 42 training images: not a multiple of either phase's global batch
PLAN = """\
phases:
- {name: linear probe, epochs: 2, train: [head], lr: 0.01, batch_size: 16, standardize_features: true}
- {name: fine-tune all, epochs: 3, train: [all], lr: 0.001, batch_size: 8, augment: light}
"""
# streamed pretraining: dropout draws random numbers in every forward pass, augmentation in the decoding workers
PRETRAIN = {"model": TINY_ARCH + "&drop_rate=0.3", "epochs": 2, "batch-size": 8, "input-size": 16, "seed": 3,
            "augment": "standard", "workers": 1, "data-mem": "0", "checkpoint-every": 1, "device": "cpu"}

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX processes and signals")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def launched(*args: str) -> list[str]:
    """`accelerate launch` of two processes (torchrun-style; the model stays on the CPU with --device cpu)."""
    return [sys.executable, "-m", "accelerate.commands.launch", "--multi_gpu", "--num_processes", "2",
            "--num_machines", "1", "--mixed_precision", "no", "--dynamo_backend", "no",
            "--main_process_port", str(free_port()), *args]


def adapt_command(model_dir: Path, plan: Path, out: Path, *extra: str) -> list[str]:
    return launched("-m", "transferkit", "adapt", "--model", str(model_dir), "--data", DATA, "--labels-per-class",
                    str(LABELS_PER_CLASS), "--strategy", str(plan), "--seed", str(SEED), "--device", "cpu",
                    "--sync-bn", "--out", str(out), *extra)


def pretrain_command(folder: Path, out: Path, *extra: str) -> list[str]:
    options = [item for key, value in PRETRAIN.items() for item in (f"--{key}", str(value))]
    return launched("-m", "transferkit", "pretrain", "--data", str(folder), *options, "--out", str(out), *extra)


def run_ok(command: list[str], env: dict) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]


def assert_same_weights(a: Path, b: Path) -> None:
    expected, found = load_file(str(a / "model.safetensors")), load_file(str(b / "model.safetensors"))
    assert expected.keys() == found.keys()
    assert all(torch.equal(expected[k], found[k]) for k in expected)


def without_time(epoch: dict) -> dict:
    return {k: v for k, v in epoch.items() if k != "seconds"}


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
def folder(tmp_path_factory):
    return write_image_folder(tmp_path_factory.mktemp("folder") / "images")


@pytest.fixture(scope="module")
def two_process_run(tmp_path_factory, tiny_model_dir, plan_file, launch_env):
    """An uninterrupted two-process run: (its folder's parent, its run directory)."""
    parent = tmp_path_factory.mktemp("two-processes")
    out = parent / "run"
    run_ok(adapt_command(tiny_model_dir, plan_file, out), launch_env)
    return parent, out


@pytest.mark.integration
def test_each_image_once_and_metrics_of_the_saved_model(two_process_run, tiny_model_dir):
    parent, out = two_process_run
    assert sorted(os.listdir(parent)) == ["run"]  # one run directory, no staging folder left
    record = json.loads((out / "run.json").read_text())
    processes = record["environment"]["processes"]
    assert processes["count"] == 2 and len(processes["devices"]) == 2 and processes["backend"] == "gloo"
    # PyTorch's SyncBatchNorm runs on GPUs only: asked for, recorded as not applied, and why
    assert processes["sync_bn"]["asked"] is True and processes["sync_bn"]["applied"] is False
    assert "GPUs only" in processes["sync_bn"]["reason"]
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


@pytest.mark.integration
def test_killed_and_resumed_ends_bit_identical(two_process_run, tmp_path, tiny_model_dir, plan_file, launch_env):
    out = tmp_path / "killed"
    checkpoint = tmp_path / ".killed.partial" / "checkpoint.safetensors"
    # killed inside the second phase
    kill_when(adapt_command(tiny_model_dir, plan_file, out), launch_env,
              lambda: (checkpoint_position(checkpoint) or (-1, -1, 0)) >= (1, 1, 0))
    reached = checkpoint_position(checkpoint)
    assert not out.exists() and reached is not None and reached < (2, 0, 0)

    run_ok(adapt_command(tiny_model_dir, plan_file, out, "--resume"), launch_env)
    assert_same_weights(two_process_run[1], out)
    record = json.loads((out / "run.json").read_text())
    reference = json.loads((two_process_run[1] / "run.json").read_text())
    assert record["metrics"] == reference["metrics"]
    assert [(r["phase"], r["epochs_done"]) for r in record["resumed"]["from"]] == [reached[:2]]
    assert not checkpoint.parent.exists()


@pytest.mark.integration
def test_every_epoch_shares_each_training_image_once_in_equal_steps(folder, tmp_path, launch_env):
    out = tmp_path / "shares.json"
    run_ok(launched(str(TESTS / "support" / "epoch_shares.py"), str(folder), str(out)), launch_env)
    found = json.loads(out.read_text())
    n, shares = found["images"], found["shares"]
    assert len(shares) == 2
    for read in ("memory", "streamed"):
        for batch_size, epochs in shares[0][read].items():
            others = shares[1][read][batch_size]
            for mine, theirs in zip(epochs, others):
                assert len(mine) == len(theirs)  # every process steps together
                drawn = [i for batch in mine + theirs for i in batch]
                assert sorted(drawn) == list(range(n))  # each image exactly once
            assert epochs[0] != epochs[1]  # a new order every epoch
        assert shares[0][read] == shares[0]["memory"]  # the order does not depend on how the split is read


@pytest.mark.integration
def test_streamed_pretraining_killed_inside_an_epoch_resumes_bit_identical(folder, tmp_path, launch_env):
    reference = tmp_path / "reference"
    run_ok(pretrain_command(folder, reference), launch_env)
    assert sorted(os.listdir(tmp_path)) == ["reference"]  # one model directory, written by the main process
    record = json.loads((reference / "run.json").read_text())
    assert record["data"]["splits"]["train"]["read"] == "streamed"
    assert record["environment"]["processes"]["count"] == 2
    assert [e["images"] for e in record["history"]] == [record["data"]["splits"]["train"]["images"]] * 2

    out = tmp_path / "killed"
    checkpoint = tmp_path / ".killed.partial" / "checkpoint.safetensors"
    kill_when(pretrain_command(folder, out), launch_env,
              lambda: (checkpoint_position(checkpoint) or (0, 0, 0)) >= (0, 0, 3))  # 3 steps into the first epoch
    reached = checkpoint_position(checkpoint)
    assert reached[2] > 0 and not out.exists()  # the mid-epoch checkpoint is what resumes
    run_ok(pretrain_command(folder, out, "--resume"), launch_env)
    assert_same_weights(reference, out)
    resumed = json.loads((out / "run.json").read_text())
    assert [(r["epochs_done"], r["batches_done"]) for r in resumed["resumed"]["from"]] == [reached[1:]]
    # each process's sums of the interrupted epoch were kept: the same losses and accuracies over both processes
    assert [without_time(e) for e in resumed["history"]] == [without_time(e) for e in record["history"]]


@pytest.mark.integration
def test_two_processes_train_as_one_with_the_global_batch_and_encode_each_cached_image_once(
        tiny_model_dir, tmp_path, launch_env, monkeypatch):
    from transferkit import adapt
    from transferkit.engine.feature_cache.feature_store import MEMORY_STORES, FeatureStore

    plan = tmp_path / "probe-then-all.yaml"
    plan.write_text(CACHED_PLAN)
    # 32 training images; two processes of 4 images, accumulated over 2 batches, take one process's batch of 16
    two = tmp_path / "two"
    run_ok(launched("-m", "transferkit", "adapt", "--model", str(tiny_model_dir), "--data", CACHED,
                    "--labels-per-class", "8", "--strategy", str(plan), "--seed", "1", "--cache-views", "2",
                    "--batch-size", "4", "--grad-accum", "2", "--device", "cpu", "--out", str(two)),
           {**launch_env, "TRANSFERKIT_CACHE": str(tmp_path / "two-cache")})
    monkeypatch.setenv("TRANSFERKIT_CACHE", str(tmp_path / "one-cache"))
    MEMORY_STORES.clear()
    one = adapt(str(tiny_model_dir), CACHED, str(plan), out=tmp_path / "one", labels_per_class=8, seed=1,
                cache_views=2, batch_size=16, device="cpu", progress=False)
    MEMORY_STORES.clear()

    record = json.loads((two / "run.json").read_text())
    assert [p["global_batch_size"] for p in record["plan"]["phases"]] == [16, 16]
    cached = record["plan"]["phases"][0]["feature_cache"]
    alone = one.record["plan"]["phases"][0]["feature_cache"]
    assert cached["used"] and not cached["reused"] and cached["key"] == alone["key"]
    images = 2 * 32 + record["data"]["splits"]["val"]["images"] + record["data"]["splits"]["test"]["images"]
    # each image (each view of a training image) through the trunk once, half of them in each process
    assert alone["encoded"] == [images] and sum(cached["encoded"]) == images
    assert max(cached["encoded"]) - min(cached["encoded"]) <= 4
    shared, single = (FeatureStore.open(Path(r["path"]), budget=0) for r in (cached, alone))
    for split in ("train", "val", "test"):
        np.testing.assert_allclose(shared.arrays[split], single.arrays[split], rtol=0, atol=1e-5)
    # the same steps from the cached probe (gradients averaged by hand) and the uncached fine-tune (by the wrapper)
    assert not record["plan"]["phases"][1]["feature_cache"]["used"]
    weights = load_file(str(two / "model.safetensors"))
    for name, value in one.backbone.model.state_dict().items():
        torch.testing.assert_close(weights[name], value, rtol=0, atol=1e-5, msg=name)
    assert record["metrics"]["test"]["accuracy"] == one.metrics["test"]["accuracy"]


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
