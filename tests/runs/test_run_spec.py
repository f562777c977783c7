"""RunSpec: the whole run request as one record — checked on construction, round-tripped through run.json, and the
one thing `reproduce` rebuilds a run from (domain adaptation included)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from transferkit import DataRef, Execution, ModelRef, RunSpec, adapt
from transferkit.cli import app
from transferkit.errors import DataError, ModelError, RunError

SOURCE = "synthetic:glyphs?classes=4&per_class=12&size=16"
TARGET = SOURCE + "&shift=contrast"
UNLABELED = TARGET + "&sample=2"


def test_keywords_land_in_the_record_that_owns_them_and_round_trip():
    spec = RunSpec.build("timm:resnet10t", "digits", seed=4, labels_per_class=3, classes=["b", "a"],
                         weights="w.pth", weights_map="order", input_size=64, device="cpu", eval_every=0,
                         cache="off", cache_mem="512MB", epochs=7, lr=0.01, source="s", unlabeled="u")
    assert spec.model == ModelRef("timm:resnet10t", weights="w.pth", weights_map="order", input_size=64)
    assert spec.data == DataRef("digits", labels_per_class=3, classes=("b", "a"), source="s", unlabeled="u")
    assert spec.execution.device == "cpu" and spec.execution.eval_every == 0
    assert spec.execution.cache.mode == "off" and spec.execution.cache.memory_budget == 512 * 1024**2
    assert (spec.seed, spec.overrides.epochs, spec.overrides.lr) == (4, 7, 0.01)
    text = json.dumps(spec.to_dict())
    assert RunSpec.from_dict(json.loads(text)) == spec
    assert spec.replace(seed=5).replace(seed=4) == spec


@pytest.mark.parametrize("bad, error", [
    (dict(labels_per_class=0), DataError), (dict(unlabeled=""), DataError), (dict(weights_map="order"), ModelError),
    (dict(device="gpu"), RunError), (dict(cache_mem="lots"), RunError), (dict(seed=-1), RunError),
])
def test_bad_settings_fail_on_construction(bad, error):
    with pytest.raises(error):
        RunSpec.build("timm:resnet10t", "digits", **bad)


def test_an_unknown_keyword_names_the_closest_setting():
    with pytest.raises(TypeError, match="labels_per_class"):
        RunSpec.build("timm:resnet10t", "digits", label_per_class=3)
    with pytest.raises(RunError, match="Unknown run spec setting"):
        RunSpec.from_dict({"model": {"spec": "m"}, "data": {"spec": "d"}, "colour": 1})


def test_execution_changes_no_result_and_a_spec_alone_is_a_request(tiny_model_dir):
    # with keep=last: under keep=best, the validated epochs are the candidates, so eval_every picks among them
    quiet = adapt(str(tiny_model_dir), TARGET, "linear-probe", epochs=2, progress=False, eval_every=1, keep="last")
    spec = RunSpec.build(str(tiny_model_dir), TARGET, epochs=2, progress=False, eval_every=0, keep="last")
    other = adapt(strategy="linear-probe", spec=spec)
    assert quiet.metrics == other.metrics and RunSpec.from_dict(other.record["spec"]) == spec
    assert quiet.record["spec"]["execution"]["eval_every"] == 1 and isinstance(Execution(), Execution)


def test_a_domain_adaptation_run_reproduces_as_recorded(tiny_model_dir, tmp_path):
    run = tmp_path / "coral"
    result = CliRunner().invoke(app, [str(a) for a in (
        "adapt", "--model", tiny_model_dir, "--data", TARGET, "--strategy", "coral:weight=1,epochs=2",
        "--source", SOURCE, "--unlabeled", UNLABELED, "--eval-every", "0", "--cache-mem", "1MB", "--seed", "2",
        "--device", "cpu", "--out", run)])
    assert result.exit_code == 0, result.output
    recorded = json.loads((run / "run.json").read_text())["spec"]
    assert recorded["data"]["source"] == SOURCE and recorded["data"]["unlabeled"] == UNLABELED
    assert recorded["execution"]["eval_every"] == 0 and recorded["execution"]["cache"]["memory_budget"] == 1024**2
    again = CliRunner().invoke(app, ["reproduce", str(run), "--out", str(tmp_path / "again")])
    assert again.exit_code == 0, again.output
    assert "metrics identical, weights identical" in again.output
    assert json.loads((tmp_path / "again" / "run.json").read_text())["spec"] == recorded


def test_the_record_states_how_validation_and_test_were_formed_as_applied(tiny_model_dir):
    # with --labels-per-class the fractions are not applied: the rest of each class is halved
    few = adapt(str(tiny_model_dir), SOURCE, "linear-probe", epochs=1, labels_per_class=3, progress=False)
    assert "val_fraction" not in few.record["data"] and "test_fraction" not in few.record["data"]
    assert "halved into validation and test" in few.record["data"]["held_out"]
    assert few.record["data"]["splits"]["val"]["images"] == 4 * 5  # (12 - 3) per class, the odd one to validation
    fractions = adapt(str(tiny_model_dir), SOURCE, "linear-probe", epochs=1, val_fraction=0.25, progress=False)
    assert (fractions.record["data"]["val_fraction"], fractions.record["data"]["test_fraction"]) == (0.25, 0.2)
    assert "held_out" not in fractions.record["data"]
