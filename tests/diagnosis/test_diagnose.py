"""diagnose: source statistics from pretrain, shift per stage, and the verdict on the built-in shifted glyphs."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from transferkit import diagnose, pretrain
from transferkit.api import load_model, load_target
from transferkit.cli import app
from transferkit.diagnosis import load_source_statistics
from transferkit.diagnosis.stage_features import extract_stage_features
from transferkit.errors import DataError, RunError

from support.tiny import TINY_ARCH
from support.assertions import assert_one_line_error

SOURCE = "synthetic:glyphs?classes=12&per_class=80&size=16"
TARGET = "synthetic:glyphs?classes=12&per_class=30&size=16"


@pytest.fixture(scope="session")
def diag_model_dir(tmp_path_factory):
    """A tiny ResNet trained long enough (10 epochs, ~85% source accuracy) for its stages to mean something."""
    out = tmp_path_factory.mktemp("diag-source") / "model"
    return pretrain(SOURCE, TINY_ARCH, out=out, epochs=10, input_size=16, batch_size=32, progress=False)


@pytest.mark.integration
def test_pretrain_stores_source_statistics_of_every_stage(diag_model_dir):
    stats = load_source_statistics(diag_model_dir)
    backbone = load_model(str(diag_model_dir))
    assert stats.stages == backbone.stage_names[:-1]
    assert stats.classes == [f"glyph{i:03d}" for i in range(12)]
    assert np.bincount(stats.sample_labels).tolist() == [50] * 12  # stratified: 50 per class
    assert (diag_model_dir / "source_stats.json").is_file()
    assert not list(diag_model_dir.glob("*.pkl")) and not list(diag_model_dir.glob("*.pt"))
    # the stored mean is the mean of the pooled features of the training images the model was pretrained on
    train = load_target(SOURCE, backbone.preprocessing, seed=0, val_fraction=0.05, test_fraction=0.05,
                        progress=False).train
    features = extract_stage_features(backbone, train.images)
    for stage in stats.stages:
        assert np.allclose(stats.moments[stage].mean, features.stages[stage].mean(0), atol=1e-4)
        assert stats.sample[stage].shape == (600, features.stages[stage].shape[1])
        values = stats.moments[stage].eigenvalues
        assert np.all(np.diff(values) <= 1e-9) and values[0] <= stats.moments[stage].var.sum() + 1e-6
    accuracy = (stats.sample_predicted == stats.sample_labels).mean()
    assert accuracy > 0.6  # the stored predictions are the source head's


@pytest.mark.parametrize("query, kind", [
    ("sample=1", "same"),
    ("shift=contrast", "input"),
    ("shift=subpopulation&severity=5", "feature"),
    ("shift=regroup", "output"),
])
def test_verdict_on_the_synthetic_shift_kinds(diag_model_dir, query, kind):
    result = diagnose(str(diag_model_dir), f"{TARGET}&{query}", progress=False)
    assert result.kind == kind, (result.text, result.verdict.reasons)
    pads = [s["proxy_a_distance"] for s in result.stages]
    stem, top = result.stages[0], result.stages[-1]
    assert all(0.0 <= p <= 2.0 for p in pads)
    assert all(s["probe_accuracy"] > 0.3 for s in result.stages)  # 12 classes: chance is 8%
    if kind in ("same", "output"):
        assert max(pads) < 0.4
    if kind == "input":
        assert stem["proxy_a_distance"] > 1.5 and stem["mmd"] > top["mmd"]
    if kind == "feature":
        assert stem["proxy_a_distance"] < 0.4 < top["proxy_a_distance"]
        assert top["class_shift"] > 2 * stem["class_shift"]
    label = result.record["label_space"]
    if kind == "output":
        assert label["shared_classes"] == 0 and label["source_head_accuracy"] is None
        assert label["explained_by_source_classes"] > 0.5  # groups of source classes
        assert result.record["prior_match"]["method"] == "source-head predictions"
    else:
        assert label["overlap"] == 1.0 and result.record["prior_match"]["method"] == "class names"
    assert result.text.lower().startswith(
        {"same": "same distribution", "input": "input-level shift", "feature": "feature-level shift",
         "output": "output-level shift"}[kind])


def test_diagnosis_json_and_page_are_written_whole(diag_model_dir, tmp_path):
    out = tmp_path / "diag"
    result = diagnose(str(diag_model_dir), f"{TARGET}&shift=contrast", out=out, progress=False)
    assert sorted(p.name for p in out.iterdir()) == ["diagnosis.html", "diagnosis.json"]
    record = json.loads((out / "diagnosis.json").read_text())
    assert record["verdict"]["kind"] == "input" and record["verdict"] == result.record["verdict"]
    assert [s["stage"] for s in record["stages"]] == ["stem", "stage1", "stage2", "stage3", "stage4"]
    assert record["source"]["from"] == "model directory" and record["target"]["used"] == 360
    assert isinstance(record["logme"], float) and record["thresholds"]["proxy_a_distance_shifted"] == 0.4
    page = (out / "diagnosis.html").read_text()
    assert 'id="diagnosis"' in page and "Input-level shift" in page and "data:image/png;base64," in page
    before = (out / "diagnosis.json").read_bytes()
    assert_one_line_error(RunError, lambda: diagnose(str(diag_model_dir), TARGET, out=out, progress=False),
                          "already exists", "--overwrite")
    assert (out / "diagnosis.json").read_bytes() == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no staging folder left behind
    diagnose(str(diag_model_dir), f"{TARGET}&sample=1", out=out, overwrite=True, progress=False)
    assert json.loads((out / "diagnosis.json").read_text())["verdict"]["kind"] == "same"


def test_source_data_instead_of_stored_statistics_and_unlabelled_images(diag_model_dir, tiny_model_dir):
    assert_one_line_error(DataError, lambda: diagnose(TINY_ARCH, TARGET, unlabeled=TARGET, progress=False),
                          "--unlabeled", "--source")
    given = diagnose(str(diag_model_dir), f"{TARGET}&sample=1", source=SOURCE, progress=False)
    assert given.kind == "same" and given.record["source"]["from"] == "--source"
    with_unlabeled = diagnose(str(diag_model_dir), f"{TARGET}&sample=1", progress=False,
                              unlabeled=f"{TARGET}&shift=contrast")
    assert with_unlabeled.record["unlabeled"]["images"] == 360
    assert with_unlabeled.record["images_compared"] == {"target": 720, "labelled": 360}
    assert with_unlabeled.stages[0]["proxy_a_distance"] > 0.5  # half the compared images are shifted


def test_cli_prints_the_table_and_the_verdict(diag_model_dir, tmp_path):
    runner = CliRunner()
    out = tmp_path / "cli-diag"
    result = runner.invoke(app, ["diagnose", "--model", str(diag_model_dir), "--data", f"{TARGET}&shift=regroup",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "stage4" in result.output and "Verdict: Output-level shift" in result.output
    assert (out / "diagnosis.json").is_file()
    bad = runner.invoke(app, ["diagnose", "--model", TINY_ARCH, "--data", TARGET, "--unlabeled", TARGET])
    assert bad.exit_code == 2 and "--source" in bad.output and "Traceback" not in bad.output
