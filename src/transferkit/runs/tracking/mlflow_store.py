"""`--track mlflow[:URI]`: one MLflow run per run of the comparison, in an experiment named after the comparison's
folder: parameters (RunSpec, plan, place in the comparison), metrics per epoch, the final metrics, the term, run.json
and the report as artifacts, and the chosen plan's runs tagged winner. Default store: SQLite, `mlflow.db` in the
comparison's folder (artifacts beside it in `mlartifacts/`). Logging again (a resumed comparison) adds only the runs
not yet logged and moves the winner tag."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from .base import epoch_metrics, final_metrics, needs, register_tracker, run_params, winner_dirs

DIR_TAG = "transferkit.run_dir"
BATCH = 100  # MLflow takes at most this many parameters per call


@register_tracker("mlflow")
def log_to_mlflow(uri: str | None, out: Path, doc: dict[str, Any], records: dict[str, dict[str, Any]]) -> None:
    needs("mlflow", "mlflow", "--track mlflow")
    from mlflow.tracking import MlflowClient

    logging.getLogger("mlflow").setLevel(logging.WARNING)  # (it reports creating its tables)
    out = out.resolve()
    client = MlflowClient(tracking_uri=uri or f"sqlite:///{out / 'mlflow.db'}")
    name = f"transferkit compare {out}"
    experiment = client.get_experiment_by_name(name)
    experiment_id = experiment.experiment_id if experiment is not None else client.create_experiment(
        name, artifact_location=None if uri else (out / "mlartifacts").as_uri())
    logged = {r.data.tags.get(DIR_TAG): r.info.run_id for r in client.search_runs([experiment_id], max_results=50000)}
    winners = winner_dirs(doc)
    for entry in doc["runs"]:
        where = entry.get("dir") or f"failed/{entry['candidate']}/seed{entry['seed']}"
        if where not in logged:
            logged[where] = _log_run(client, experiment_id, out, where, entry, records.get(entry.get("dir")))
        client.set_tag(logged[where], "winner", str(where in winners).lower())
    for key, value in {"leaderboard": str(out / "leaderboard.json"), "winner": (doc.get("winner") or {}).get("plan"),
                       "complete": str(not doc.get("incomplete")).lower()}.items():
        client.set_experiment_tag(experiment_id, key, str(value))


def _log_run(client, experiment_id: str, out: Path, where: str, entry: dict[str, Any],
             record: dict[str, Any] | None) -> str:
    """One MLflow run for the comparison's run `where` (its leaderboard `entry`; `record` None when it failed)."""
    from mlflow.entities import Metric, Param, RunStatus

    tags = {DIR_TAG: where, "candidate": entry["candidate"], "plan": entry["plan"], "seed": str(entry["seed"]),
            "status": entry["status"]}
    if record is not None:
        tags["term"] = record["term"]
    if entry.get("error"):
        tags["error"] = entry["error"][:5000]
    run = client.create_run(experiment_id, run_name=where, tags=tags)
    run_id = run.info.run_id
    if record is None:  # a failed run: its row and its reason
        client.set_terminated(run_id, RunStatus.to_string(RunStatus.FAILED))
        return run_id
    params = [Param(k[:250], v[:6000]) for k, v in run_params(record).items()]
    for i in range(0, len(params), BATCH):
        client.log_batch(run_id, params=params[i:i + BATCH])
    metrics = [Metric(k, v, 0, step) for step, values in epoch_metrics(record) for k, v in values.items()]
    last = len(record.get("history") or [])
    metrics += [Metric(k, v, 0, last) for k, v in final_metrics(record).items()]
    for i in range(0, len(metrics), 1000):
        client.log_batch(run_id, metrics=metrics[i:i + 1000])
    for name in ("run.json", "report.html"):
        client.log_artifact(run_id, str(out / where / name))
    client.set_terminated(run_id)
    return run_id
