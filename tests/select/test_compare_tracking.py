"""compare --track mlflow: one MLflow run per run of the comparison in a real SQLite store under --out, read back
through MLflow's client (parameters, metrics per epoch, term, artifacts, the winner tagged); without the library, one
line naming the extra. (TensorBoard's event files are read back in test_compare_ray.py: tracking works with either
executor.)"""

from __future__ import annotations

import json

import pytest
import mlflow  # noqa: F401 - an optional extra, installed by scripts/install; its absence is tested below

from support.comparing import error_without
from support.tiny import TINY_TARGET
from transferkit import compare



@pytest.mark.integration
def test_every_run_is_an_mlflow_run_with_its_epochs_and_the_winner_tagged(tiny_model_dir, tmp_path):
    from mlflow.tracking import MlflowClient

    result = compare(str(tiny_model_dir), TINY_TARGET, "linear-probe:fit=sgd,partial:k=1", out=tmp_path / "cmp", seeds=2,
                     epochs=2, lr_factors=(1,), labels_per_class=4, progress=False, track="mlflow")
    client = MlflowClient(f"sqlite:///{result.dir / 'mlflow.db'}")
    experiment = client.get_experiment_by_name(f"transferkit compare {result.dir.resolve()}")
    logged = {r.data.tags["transferkit.run_dir"]: r for r in client.search_runs([experiment.experiment_id])}
    assert sorted(logged) == sorted(r["dir"] for r in result.runs)  # one MLflow run per run
    winners = {r["dir"] for row in result.rows if row.get("winner") for r in row["runs"]}
    assert len(winners) == 2
    for where, found in logged.items():
        record = json.loads((result.dir / where / "run.json").read_text())
        assert found.info.status == "FINISHED" and found.data.tags["term"] == record["term"]
        assert found.data.tags["winner"] == ("true" if where in winners else "false")
        assert found.data.params["seed"] == str(record["seed"])
        assert found.data.params["plan.phase1.lr"] == str(record["plan"]["definition"]["phases"][0]["lr"])
        assert found.data.params["spec.model.spec"] == str(tiny_model_dir)
        history = client.get_metric_history(found.info.run_id, "val_accuracy")
        assert [(m.step, m.value) for m in history] == [(i + 1, e["val_accuracy"])
                                                        for i, e in enumerate(record["history"])]
        assert len(history) == 2  # one value per epoch
        assert found.data.metrics["test.accuracy"] == record["metrics"]["test"]["accuracy"]
        assert sorted(a.path for a in client.list_artifacts(found.info.run_id)) == ["report.html", "run.json"]
    assert experiment.tags["winner"] == result.winner["plan"]


@pytest.mark.integration
def test_tracking_without_its_library_is_one_line_naming_the_extra(tmp_path):
    line = error_without("mlflow", ["compare", "--model", "timm:resnet10t", "--data", TINY_TARGET, "--track", "mlflow",
                                    "--out", str(tmp_path / "c")])
    assert line == ("error: --track mlflow needs mlflow, an optional extra; install it with: "
                    "pip install 'transferkit[mlflow]'.")
    assert list(tmp_path.iterdir()) == []


def test_an_unknown_tracker_is_refused_before_any_work(tmp_path):
    from typer.testing import CliRunner

    from support.assertions import assert_cli_error
    from transferkit.cli import app

    result = CliRunner().invoke(app, ["compare", "--model", "m", "--data", "digits", "--out", str(tmp_path / "c"),
                                      "--track", "wandb"])
    assert_cli_error(result, "--track", "mlflow", "'wandb'")
    assert not (tmp_path / "c").exists()
