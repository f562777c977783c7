"""run.json: every field the record promises, and a run directory that loads back as a model."""

from __future__ import annotations

import json

import torch
from safetensors.torch import load_file

from transferkit import adapt, describe
from transferkit.api import load_model

REQUIRED = ["schema_version", "strategy", "term", "description", "seed", "plan", "source_model", "data", "metrics",
            "timing", "environment"]


def test_run_directory_holds_a_complete_record(tiny_model_dir, tmp_path):
    out = tmp_path / "run"
    run = adapt(str(tiny_model_dir), "digits", "partial:k=2", out=out, epochs=2, labels_per_class=5, progress=False)
    record = json.loads((out / "run.json").read_text())
    assert all(key in record for key in REQUIRED)
    assert record == json.loads(json.dumps(run.record))
    assert record["term"] == "partial fine-tuning of the top 2 of 4 stages"
    assert record["strategy"] == "partial:k=2"

    (phase,) = record["plan"]["phases"]
    assert phase["trainable_stages"] == ["stage3", "stage4", "head"]
    assert set(phase["lr_per_stage"]) == {"stem", "stage1", "stage2", "stage3", "stage4", "head"}
    assert phase["lr_per_stage"]["stage1"] is None and phase["lr_per_stage"]["head"] == 1e-3
    assert phase["bn_per_stage"]["stage1"] == "frozen" and phase["bn_per_stage"]["stage4"] == "train"
    assert phase["optimizer"]["name"] == "adamw" and phase["schedule"]["name"] == "cosine"
    assert phase["epochs"] == 2 and len(phase["lr_applied"]) == 2
    assert phase["trainable_params"] + phase["frozen_params"] == sum(record["source_model"]["stage_params"].values())

    src = record["source_model"]
    assert src["spec"] == str(tiny_model_dir) and len(src["sha256"]) == 64 and src["source_fingerprint"]

    data = record["data"]
    assert data["labels_per_class"] == 5
    for split in ("train", "val", "test"):
        assert data["splits"][split]["images"] == sum(data["splits"][split]["class_counts"].values())
        assert len(data["splits"][split]["fingerprint"]) == 64
    assert set(data["splits"]["train"]["class_counts"].values()) == {5}

    for split in ("val", "test"):
        m = record["metrics"][split]
        assert 0.0 <= m["accuracy"] <= 1.0
        matrix = torch.tensor(m["confusion_matrix"])
        assert matrix.sum().item() == data["splits"][split]["images"]
        assert abs(matrix.diag().sum().item() / matrix.sum().item() - m["accuracy"]) < 1e-9
        assert set(m["per_class_accuracy"]) == set(data["classes"])

    assert record["environment"]["packages"]["torch"] == torch.__version__.split("+")[0] or torch.__version__
    assert record["timing"]["total_seconds"] > 0
    assert "stage3" in record["description"] and "seed 0" in record["description"]


def test_run_directory_weights_load_back(tiny_model_dir, tmp_path):
    out = tmp_path / "run"
    run = adapt(str(tiny_model_dir), "digits", "linear-probe", out=out, epochs=1, labels_per_class=5, progress=False)
    saved = load_file(str(out / "model.safetensors"))
    for key, value in run.backbone.model.state_dict().items():
        assert torch.equal(saved[key], value), key
    again = load_model(str(out))
    assert again.num_classes == 10
    assert (out / "plan.yaml").is_file()
    term, description = describe(str(out))
    assert term == "linear probing (feature extraction)" and description == run.description


def test_describe_a_plan_file_before_running(tmp_path):
    plan = tmp_path / "plan.yaml"
    plan.write_text(
        "phases:\n- {name: probe, epochs: 3, train: [head], lr: 0.01}\n- {name: all, epochs: 7, train: [all], lr: 0.0001}\n"
    )
    term, description = describe(str(plan))
    assert term == "LP-FT (linear probing, then full fine-tuning)"
    assert "Phase 2 'all' (7 epochs)" in description
