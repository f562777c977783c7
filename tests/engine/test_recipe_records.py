"""run.json of multi-phase recipes: per-phase trainable counts, tensors, applied rates, batch-norm policies."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from transferkit import adapt
from transferkit.api import load_model
from transferkit.cli import app
from transferkit.engine.phase_setup.trainable import norm_param_names

from support.phase_states import small_eval


def test_fastai_run_records_each_phase_exactly(tiny_model_dir, tiny_digits, tmp_path):
    out = tmp_path / "run"
    adapt(str(tiny_model_dir), small_eval(tiny_digits), "fastai:epochs=2,bn=train", out=out, progress=False)
    record = json.loads((out / "run.json").read_text())
    first, second = record["plan"]["phases"]

    assert first["trainable_tensors"]["names"] == sorted(first["trainable_tensors"]["names"])
    norms = norm_param_names(load_model(str(tiny_model_dir)).model)
    assert set(first["trainable_tensors"]["names"]) == norms | {"fc.weight", "fc.bias"}
    for phase in (first, second):
        per_stage = {s: v["trainable_params"] for s, v in phase["stages"].items()}
        assert sum(per_stage.values()) == phase["trainable_params"] and all(per_stage.values())
        assert set(phase["bn_per_stage"].values()) == {"train", None}  # None: the head has no batch norm
    assert first["trainable_params"] < second["trainable_params"] == sum(record["source_model"]["stage_params"].values())

    assert [e["epoch"] for e in second["lr_applied"]] == [0, 1]
    start = second["lr_applied"][0]["groups"]
    assert abs(start["head"]["start"] / start["stem"]["start"] - 100) < 1e-6
    peak = {g["name"]: g["lr"] for g in second["param_groups"]}
    assert peak["head"] == 1e-3 and abs(peak["stem"] - 1e-5) < 1e-12
    assert start["head"]["start"] < peak["head"] / 20  # one-cycle starts low

    assert record["description"].startswith("Multi-phase fine-tuning: normalization-layer fine-tuning for 1 epoch")
    assert "(non-head stages: norm parameters only)" in record["description"]

    shown = CliRunner().invoke(app, ["describe", str(out)])
    assert shown.exit_code == 0 and "stages of the run" in shown.output
    assert "norm layers @ 0.002, BN train" in shown.output and "all @ 1e-05, BN train" in shown.output


def test_gradual_run_records_frozen_batch_norm_where_stages_wait(tiny_model_dir, tiny_digits):
    run = adapt(str(tiny_model_dir), small_eval(tiny_digits), "gradual:stages=2,epochs_per_phase=1", progress=False)
    phases = run.record["plan"]["phases"]
    assert [p["trainable_stages"] for p in phases] == [["head"], ["stage4", "head"], ["stage3", "stage4", "head"]]
    assert [p["bn_per_stage"]["stage3"] for p in phases] == ["frozen", "frozen", "train"]
    assert [p["stages"]["stage3"]["trainable_params"] > 0 for p in phases] == [False, False, True]
    assert run.term == "gradual unfreezing over 3 phases (top down)"
    assert run.description.startswith("Gradual unfreezing over 3 phases: linear probing (feature extraction) for "
                                      "1 epoch at learning rate 0.001, then partial fine-tuning of the top 1 of 4 "
                                      "stages for 1 epoch")


def test_final_validation_metrics_are_those_of_the_saved_weights(tiny_model_dir, tiny_digits):
    import torch

    for spec in ("partial:k=1,epochs=1", "lora:stages=stage4,epochs=1"):  # without and with a change at phase end
        run = adapt(str(tiny_model_dir), tiny_digits, spec, progress=False)
        model = run.backbone.model.eval()
        with torch.no_grad():
            predicted = model(run.backbone.preprocessing.normalize(tiny_digits.val.images)).argmax(1)
        accuracy = float((predicted == tiny_digits.val.labels).double().mean())
        assert abs(accuracy - run.val_accuracy) < 1e-12, spec
