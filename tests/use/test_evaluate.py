"""evaluate: a run's metrics on another labelled data set, equal to the engine's own evaluation of the same images."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from support.assertions import assert_cli_error, assert_one_line_error
from support.browser import inspect_page
from transferkit import adapt, evaluate, load
from transferkit.cli import app
from transferkit.errors import DataError

runner = CliRunner()
TARGET = "synthetic:glyphs?classes=6&per_class=24&size=16&seed=1"
SHIFTED = TARGET + "&shift=contrast&severity=3"


@pytest.fixture(scope="module")
def glyph_run(tiny_model_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "probe"
    return adapt(str(tiny_model_dir), TARGET, "partial:k=1", out=out, epochs=2, labels_per_class=4, progress=False)


def engine_accuracy(run_dir, spec: str) -> float:
    """The accuracy on every image of `spec` through the engine's evaluation path (as a run evaluates its splits)."""
    from transferkit.api import load_model, load_target
    from transferkit.engine import make_accelerator
    from transferkit.engine.inputs import ImageInputs

    backbone = load_model(str(run_dir))
    splits = load_target(spec, backbone.preprocessing, progress=False)
    accelerator = make_accelerator("cpu")
    inputs = ImageInputs(backbone, accelerator.prepare_model(backbone.model), splits, accelerator)
    correct = images = 0
    for split in ("train", "val", "test"):
        labels = getattr(splits, split).labels.numpy()
        correct += int((inputs.predict(split) == labels).sum())
        images += len(labels)
    return correct / images


def test_streamed_evaluation_equals_the_in_memory_one(glyph_run, monkeypatch):
    from transferkit.settings import ReadSettings

    in_memory = evaluate(str(glyph_run.dir), SHIFTED, progress=False).record
    monkeypatch.setattr("transferkit.use.evaluate.ReadSettings", lambda: ReadSettings(workers=2, memory_budget=0))
    monkeypatch.setattr("transferkit.data.streamed_images.PARALLEL_MIN_IMAGES", 1)
    streamed = evaluate(str(glyph_run.dir), SHIFTED, progress=False).record
    assert streamed["metrics"] == in_memory["metrics"]
    assert streamed["mistakes"] == in_memory["mistakes"]


def test_evaluate_on_a_shifted_target_matches_the_engine(glyph_run, tmp_path):
    out = tmp_path / "eval"
    result = runner.invoke(app, ["evaluate", str(glyph_run.dir), "--data", SHIFTED, "--out", str(out)])
    assert result.exit_code == 0, result.output
    record = json.loads((out / "evaluation.json").read_text())
    assert record["metrics"]["accuracy"] == engine_accuracy(glyph_run.dir, SHIFTED)
    assert record["metrics"]["images"] == 6 * 24 and record["data"]["classes"] == glyph_run.record["data"]["classes"]
    assert f"{record['metrics']['accuracy']:.1%}" in result.output
    page = inspect_page(out / "report.html", tmp_path / "check")
    assert page["loaded"] == page["painted"] == page["images"] == 1 + 12 + 1 and page["external_refs"] == []
    assert page["gallery"] == 12 and page["reliability"] and page["confused_pairs"] > 0
    assert record["mistakes"]["calibration"]["accuracy"] == record["metrics"]["accuracy"]


def test_class_order_of_the_data_does_not_matter(glyph_run, tmp_path):
    """Classes listed in another order are matched by name."""
    from transferkit import DataRef

    names = list(reversed(glyph_run.record["data"]["classes"]))
    again = evaluate(glyph_run.dir, DataRef(TARGET, classes=tuple(names)), progress=False)
    plain = evaluate(glyph_run.dir, TARGET, progress=False)
    assert again.accuracy == plain.accuracy
    assert again.record["metrics"]["per_class_accuracy"] == plain.record["metrics"]["per_class_accuracy"]


def test_mismatched_classes_are_a_one_line_error(glyph_run, tmp_path):
    other = "synthetic:glyphs?classes=8&per_class=4&size=16&seed=1"
    message = assert_one_line_error(DataError, lambda: evaluate(glyph_run.dir, other), "glyph006, glyph007",
                                    "in the data but not the model")
    assert "\n" not in message
    regrouped = TARGET + "&shift=regroup&groups=3"
    result = runner.invoke(app, ["evaluate", str(glyph_run.dir), "--data", regrouped, "--out", str(tmp_path / "e")])
    assert_cli_error(result, "in the model but not the data: glyph000", "group000")
    assert not (tmp_path / "e").exists()


def test_evaluate_uses_the_predict_path(glyph_run):
    """The same images through `load(...).predict` give the same accuracy."""
    from transferkit.data import Preprocessing, open_source

    loaded = load(glyph_run.dir)
    source = open_source(SHIFTED, progress=False)
    images = source.read(range(len(source)), Preprocessing(input_size=(3, 16, 16)))
    predicted = [p.label for p in loaded.predict(images)]
    truth = [source.classes[i] for i in source.labels]
    assert float(np.mean([p == t for p, t in zip(predicted, truth)])) == evaluate(glyph_run.dir, SHIFTED).accuracy
