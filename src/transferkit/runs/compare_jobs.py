"""A comparison's runs as independent jobs: each is fully described by its RunSpec, its plan and its run directory
(relative to the comparison's folder), so any process that sees that folder and the data can execute it, and the
leaderboard is read back from the run directories alone, however the runs were executed.

A finished run directory is reused (not trained again) when it is complete and was made from the same RunSpec, plan
and comparison place, on the same source weights and the same data (fingerprints): that is what `compare --resume`
and a retried task rely on.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..console import logger
from ..data import DataSplits
from ..errors import PlanError, RunError
from ..files import read_json, write_json
from ..engine import CHECKPOINT_FILE, process_state
from ..models import Backbone
from ..plans import Plan
from ..select import PeakMemory, entry_from_record, failed_entry, lr_label
from ..settings import Output, Overrides, RunSpec
from .adapt import adapt
from .compare_networks import CompareNetworks, failure_reason
from .partial_run import partial_path

RUN_FILES = ("run.json", "model.json", "model.safetensors", "plan.yaml", "report.html", "README.md")
NOT_IN_TAG = ("lrs", "term")  # a job's tag keys that only the leaderboard's failed rows need
KEEP_LOADED = 8  # splits a worker process keeps loaded for its next jobs (one per seed of a comparison)
_LOADED: dict[str, DataSplits] = {}


@dataclass(frozen=True)
class RunJob:
    """One run of a comparison: `spec` (its seed set, the overrides already in `plan`), the `plan` it trains, `where`
    its run directory goes (relative to the comparison's folder) and `tag` (candidate, plan, lr_factor, lr_factors,
    rung, budget; lrs and term for its row if it fails)."""

    spec: RunSpec
    plan: Plan
    where: str
    tag: dict[str, Any]

    @property
    def comparison(self) -> dict[str, Any]:
        """The run's place in the comparison, as run.json records it."""
        return {k: v for k, v in self.tag.items() if k not in NOT_IN_TAG}


def _plain(value: Any) -> Any:
    """As JSON reads it back (tuples become lists)."""
    return json.loads(json.dumps(value, default=str))


def _spec_key(spec: dict[str, Any]) -> dict[str, Any]:
    """What of a spec decides a run's result: everything but whether progress bars were drawn."""
    return {**spec, "execution": {k: v for k, v in spec.get("execution", {}).items() if k != "progress"}}


class JobRunner:
    """Executes RunJobs into the comparison's folder `root` (picklable: a Ray task receives it): the comparison's
    `networks` (loaded; with the given splits of the API, or None: each seed's split is loaded from the spec) and
    the `metric` selection reads."""

    def __init__(self, root: Path, networks: CompareNetworks, metric: str):
        self.root, self.networks, self.metric = Path(root), networks, metric
        self._records: dict[str, dict[str, Any]] = {}  # in a launch of several processes, those of the others

    def backbone(self, job: RunJob) -> Backbone:
        """The loaded network the job trains from."""
        return self.networks.named(job.tag.get("network")).backbone

    def splits_for(self, job: RunJob) -> DataSplits:
        """The splits of the job's seed as its network reads them (loaded once per process: a Ray worker keeps
        them for its next tasks)."""
        name, seed = job.tag.get("network"), job.spec.seed
        if self.networks.given is not None:
            return self.networks.splits(seed, name)
        key = json.dumps(_plain([job.spec.data.to_dict(), seed, self.backbone(job).preprocessing.to_dict()]))
        if key not in _LOADED:
            while len(_LOADED) >= KEEP_LOADED:
                _LOADED.pop(next(iter(_LOADED)))
            _LOADED[key] = self.networks.splits(seed, name)
        return _LOADED[key]

    def finished(self, job: RunJob) -> bool:
        """Is the job's run directory complete and made from the same spec, plan, place, weights and data?"""
        folder = self.root / job.where
        if not all((folder / name).is_file() for name in RUN_FILES):
            return False
        try:
            record = read_json(folder / "run.json")
        except RunError:
            return False
        comparison = record.get("comparison") or job.comparison  # (absent: killed before it was added)
        return (_spec_key(record.get("spec") or {}) == _spec_key(_plain(job.spec.to_dict()))
                and record["plan"]["definition"] == _plain(job.plan.to_dict())
                and {k: comparison.get(k) for k in job.comparison} == _plain(job.comparison)
                and record["source_model"].get("sha256") == self.backbone(job).origin.get("sha256")
                and record["data"]["fingerprint"] == self.splits_for(job).fingerprint)

    def __call__(self, job: RunJob) -> dict[str, Any]:
        """Train the job's run into its run directory, checkpointed after every epoch like `adapt --out` (a run
        interrupted earlier continues from its checkpoint); reuse the directory when already finished. The outcome:
        {"status": "ok"} or {"status": "failed", "error": one line}."""
        if self.finished(job):
            return {"status": "ok", "reused": True}
        from ..report.plots import without_figures

        folder = self.root / job.where
        waiting = (partial_path(folder) / CHECKPOINT_FILE).is_file()
        try:
            # each run's report.html without figures: the comparison's report draws them (a second per run saved)
            with PeakMemory(job.spec.execution.device) as memory, without_figures():
                run = adapt(job.spec, job.plan, Output(folder, overwrite=not waiting, resume=waiting),
                            backbone=self.backbone(job), splits=self.splits_for(job))
        except self.networks.failures as exc:
            logger.warning("%s, seed %d failed: %s", job.tag["candidate"], job.spec.seed, exc)
            return {"status": "failed", "error": failure_reason(exc)}
        run.record["comparison"] = job.comparison
        run.record["resources"] = {"peak_memory": memory.to_dict()}
        selected_on = entry_from_record(run.record, job.where, self.metric)["selected_on"]
        run.record["comparison"].update(metric=self.metric, selected_on=selected_on)
        if process_state(job.spec.execution.device).is_main_process:  # (adapt wrote the rest of the directory)
            write_json(folder / "run.json", run.record)
        else:  # every process of a launch trains; the main one writes
            self._records[job.where] = run.record
        return {"status": "ok"}

    def entry(self, job: RunJob, outcome: dict[str, Any]) -> dict[str, Any]:
        """The job's leaderboard entry: read from its run directory, or its failure."""
        if outcome["status"] != "ok":
            return failed_entry(job.tag, job.spec.seed, job.tag["budget"], outcome["error"])
        record = self._records.get(job.where) or read_json(self.root / job.where / "run.json")
        record.setdefault("comparison", job.comparison)
        return entry_from_record(record, job.where, self.metric)


def run_job(candidate, seed: int, epochs: int, rung: int | None, spec: RunSpec, factors: list[float]) -> RunJob:
    """The job of `candidate` at `seed` for `epochs` (at successive halving's `rung`, or None); `spec` has the
    candidate's network as its model."""
    plan = candidate.plan_at(epochs)
    where = f"runs/{candidate.slug}/{lr_label(candidate.lr_factor)}/seed{seed}"
    if rung is not None:
        where = f"runs/rung{rung + 1}-{epochs}ep/{candidate.slug}/{lr_label(candidate.lr_factor)}/seed{seed}"
    tag = {"candidate": candidate.key, "plan": candidate.name, "network": candidate.network,
           "lr_factor": candidate.lr_factor,
           "lr_factors": factors, "rung": rung, "budget": epochs, "lrs": [p.lr for p in plan.phases], "term": None}
    # the plan carries the overrides already: the run's spec differs only in its seed
    return RunJob(dataclasses.replace(spec, seed=seed, overrides=Overrides()), plan, where, tag)
