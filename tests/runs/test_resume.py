"""Checkpoints and resume (in-process): an interrupted run finishes bit-identically, and refuses to mix runs."""

from __future__ import annotations

import fcntl
import json

import pytest
import torch
from safetensors import safe_open

import transferkit.engine.checkpoints.resume as resume_module
from transferkit import adapt
from transferkit.engine.checkpoints.files import write_checkpoint
from transferkit.errors import RunError
from transferkit.plans import Phase, Plan

# Every kind of state a phase can carry: head standardization, re-estimated batch norm, AdamW and SGD with
# momentum, augmentation (random), L2-SP (reference weights) and a schedule with warm-up.
PLAN = Plan(phases=[
    Phase(name="probe", epochs=2, train=["head"], lr=0.01, weight_decay=1e-4, standardize_features=True),
    Phase(name="fine-tune", epochs=3, train=["all"], lr=0.01, optimizer="sgd", bn={"stem": "adapt"},
          augment="light", regularizers={"l2sp": {"alpha": 0.01, "beta": 0.01}}, warmup=0.2),
])
POSITIONS = [(0, 1), (1, 0), (1, 1), (1, 2), (2, 0)]  # (phase, epochs done) of each checkpoint, in order


def stop_after(monkeypatch, checkpoints: int) -> None:
    """Make the run stop (as Ctrl-C would) right after writing `checkpoints` more checkpoints."""
    written = {"n": 0}

    def write_then_stop(*args, **kwargs):
        write_checkpoint(*args, **kwargs)
        written["n"] += 1
        if written["n"] >= checkpoints:
            raise KeyboardInterrupt

    monkeypatch.setattr(resume_module, "write_checkpoint", write_then_stop)


def weights(run) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in run.backbone.model.state_dict().items()}


def without_seconds(history: list[dict]) -> list[dict]:
    return [{k: v for k, v in e.items() if k != "seconds"} for e in history]


@pytest.fixture(scope="module")
def reference(tiny_model_dir, tiny_digits):
    """The uninterrupted run (no run directory, so no checkpoints either)."""
    return adapt(str(tiny_model_dir), tiny_digits, PLAN, seed=1, progress=False)


@pytest.mark.integration
def test_a_run_stopped_after_every_checkpoint_finishes_bit_identical(tiny_model_dir, tiny_digits, reference,
                                                                     tmp_path, monkeypatch):
    out = tmp_path / "run"
    stops = 0
    while True:
        stop_after(monkeypatch, 1)
        try:
            run = adapt(str(tiny_model_dir), tiny_digits, PLAN, seed=1, out=out, resume=stops > 0, progress=False)
            break
        except KeyboardInterrupt:
            stops += 1
            assert not out.exists()
    assert stops == len(POSITIONS)
    expected, found = weights(reference), weights(run)
    assert expected.keys() == found.keys()
    assert all(torch.equal(expected[k], found[k]) for k in expected), [k for k in expected
                                                                          if not torch.equal(expected[k], found[k])]
    assert run.metrics == reference.metrics
    assert without_seconds(run.record["history"]) == without_seconds(reference.record["history"])
    for mine, theirs in zip(run.record["plan"]["phases"], reference.record["plan"]["phases"]):
        assert mine["lr_applied"] == theirs["lr_applied"]
        assert mine["bn_adapted_images"] == theirs["bn_adapted_images"] == (0 if mine["name"] == "probe" else 50)
    record = json.loads((out / "run.json").read_text())
    assert record["resumed"]["count"] == len(POSITIONS)
    assert [(r["phase"], r["epochs_done"]) for r in record["resumed"]["from"]] == POSITIONS
    assert record["resumed"]["from"][2]["phase_name"] == "fine-tune"
    assert reference.record["resumed"] == {"count": 0, "from": []}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]  # the staging directory is gone
    assert "checkpoint.safetensors" not in {p.name for p in out.iterdir()}


def test_the_checkpoint_holds_the_whole_training_state(tiny_model_dir, tiny_digits, tmp_path, monkeypatch):
    out = tmp_path / "run"
    checkpoint = tmp_path / ".run.partial" / "checkpoint.safetensors"
    stop_after(monkeypatch, 1)
    with pytest.raises(KeyboardInterrupt):
        adapt(str(tiny_model_dir), tiny_digits, PLAN, seed=1, out=out, progress=False)
    with safe_open(str(checkpoint), framework="pt") as fh:  # safetensors: loading it cannot run code
        keys, meta = set(fh.keys()), json.loads(fh.metadata()["transferkit"])
    assert meta["position"] == {"phase": 0, "phase_name": "probe", "epochs_done": 1, "batches_done": 0, "phases": 2}
    assert "standardize.mean" in keys and "standardize.std" in keys
    assert len(meta["current"]["epochs"]) == 1 and meta["current"]["bn_adapted_images"] == 0

    for _ in range(2):  # on to phase 2, after its first epoch
        stop_after(monkeypatch, 1)
        with pytest.raises(KeyboardInterrupt):
            adapt(str(tiny_model_dir), tiny_digits, PLAN, seed=1, out=out, resume=True, progress=False)
    with safe_open(str(checkpoint), framework="pt") as fh:
        keys, meta = set(fh.keys()), json.loads(fh.metadata()["transferkit"])
        model_keys = {k for k in keys if k.startswith("model.")}
    net_keys = {f"model.{k}" for k in reference_keys(tiny_model_dir)}
    assert model_keys == net_keys  # every parameter and buffer, batch-norm statistics included
    assert any(k.endswith(".momentum_buffer") for k in keys if k.startswith("optimizer."))
    assert "rng.torch" in keys and {"python", "numpy"} <= set(meta["rng"])
    assert meta["position"]["phase"] == 1 and meta["position"]["epochs_done"] == 1
    assert meta["cache_key"] is None
    assert [p["name"] for p in meta["phases"]] == ["probe"] and len(meta["history"]) == 2
    assert meta["current"]["scheduler"]["last_epoch"] == 2  # two steps of 50 images at batch size 32
    assert meta["current"]["bn_adapted_images"] == 50
    assert {g["lr"] for g in meta["current"]["optimizer"]["param_groups"]} != {0.01}  # the schedule moved it
    assert meta["identity"]["seed"] == 1 and meta["options"] == {"overwrite": False}


def reference_keys(model_dir) -> list[str]:
    from safetensors.torch import load_file

    return list(load_file(str(model_dir / "model.safetensors")))


def test_resume_refuses_a_different_run_and_keeps_the_checkpoint(tiny_model_dir, tiny_digits, tmp_path, monkeypatch):
    out = tmp_path / "run"
    stop_after(monkeypatch, 2)
    with pytest.raises(KeyboardInterrupt):
        adapt(str(tiny_model_dir), tiny_digits, PLAN, seed=1, out=out, progress=False)
    checkpoint = tmp_path / ".run.partial" / "checkpoint.safetensors"
    saved = checkpoint.read_bytes()
    monkeypatch.undo()
    with pytest.raises(RunError, match=r"started differently \(seed: 1 then, 2 now\)"):
        adapt(str(tiny_model_dir), tiny_digits, PLAN, seed=2, out=out, resume=True, progress=False)
    other = PLAN.with_lr_factor(0.5)
    with pytest.raises(RunError, match=r"plan\.phases\[0\]\.lr: 0\.01 then, 0\.005 now"):
        adapt(str(tiny_model_dir), tiny_digits, other, seed=1, out=out, resume=True, progress=False)
    with pytest.raises(RunError, match="--resume to continue it, or --overwrite"):
        adapt(str(tiny_model_dir), tiny_digits, PLAN, seed=1, out=out, progress=False)
    assert checkpoint.read_bytes() == saved and not out.exists()

    with open(checkpoint.parent / ".lock", "w") as held:  # another process is resuming it right now
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        with pytest.raises(RunError, match="Another transferkit process is writing"):
            adapt(str(tiny_model_dir), tiny_digits, PLAN, seed=1, out=out, resume=True, progress=False)
    assert checkpoint.read_bytes() == saved

    run = adapt(str(tiny_model_dir), tiny_digits, "linear-probe:epochs=1", seed=1, out=out, overwrite=True,
                progress=False)
    assert run.record["resumed"]["count"] == 0 and run.record["strategy"] == "linear-probe:epochs=1"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]
