"""compare(): every candidate plan on the same data, epoch budget and splits, over several seeds.

Each (plan, learning rate, seed) is an ordinary run made by `adapt` and written as a run directory under
`out/runs/`; the leaderboard (winner under 'winner') goes to `out/leaderboard.json` and the report to
`out/report.html`. The whole directory appears at once when everything is written (never half-written).
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.table import Table

from .api import adapt, load_model, load_target, write_run_dir
from .console import logger
from .data import DataSplits
from .errors import PlanError, RunError
from .models import Backbone
from .plans import Plan
from .report.html import render_report
from .report.rundir import StagingDir, check_output_dir, write_json, write_text
from .select import (DEFAULT_ETA, DEFAULT_LR_FACTORS, Candidate, PeakMemory, check_search, comparison_document,
                     entry_from_record, exhaustive, failed_entry, lr_label, make_candidates, run_epochs,
                     successive_halving)
from .select.budget import budget_record, epochs_within_budget, measure_epoch_seconds
from .select.live import LiveLeaderboard
from .select.table import leaderboard_table

DEFAULT_EPOCHS = 10


@dataclass
class Comparison:
    """A finished comparison: `leaderboard` is the content of leaderboard.json; `dir` is None when not written."""

    leaderboard: dict[str, Any]
    dir: Path | None = None

    @property
    def winner(self) -> dict[str, Any] | None:
        """The chosen plan: plan, term, lr_factor, lrs, val (mean and interval), test, reason, tied_with."""
        return self.leaderboard["winner"]

    @property
    def rows(self) -> list[dict[str, Any]]:
        """One row per plan, ranked."""
        return self.leaderboard["rows"]

    @property
    def runs(self) -> list[dict[str, Any]]:
        """Every run: candidate, plan, lr_factor, epochs, seed, status, dir (relative to `dir`), accuracies, costs."""
        return self.leaderboard["runs"]

    @property
    def report(self) -> Path | None:
        return None if self.dir is None else self.dir / "report.html"

    def table(self) -> Table:
        """The leaderboard as a rich table (what the CLI prints)."""
        return leaderboard_table(self.leaderboard, self.leaderboard["title"])


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _seed_list(seeds: int | list[int]) -> list[int]:
    if isinstance(seeds, bool) or not isinstance(seeds, (int, list, tuple)):
        raise RunError(f"--seeds must be a whole number of at least 1; got {seeds!r}.")
    if isinstance(seeds, int):
        if seeds < 1:
            raise RunError(f"--seeds must be at least 1; got {seeds}.")
        return list(range(seeds))
    if not seeds or len(set(seeds)) != len(seeds) or not all(isinstance(s, int) for s in seeds):
        raise RunError(f"The seeds must be distinct whole numbers; got {list(seeds)!r}.")
    return list(seeds)


def _check_budget(epochs: int | None, time_budget: float | None) -> None:
    if epochs is not None and time_budget is not None:
        raise RunError("Give either --epochs or --time-budget, not both.")
    if epochs is not None and (isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1):
        raise RunError(f"--epochs must be a whole number of at least 1; got {epochs!r}.")
    if time_budget is not None and (isinstance(time_budget, bool) or not isinstance(time_budget, (int, float))
                                    or time_budget <= 0):
        raise RunError(f"--time-budget must be a positive number of seconds; got {time_budget!r}.")


def compare(
    model: str | Backbone,
    data: str | DataSplits,
    strategies: str | list[str | Plan] = "all",
    *,
    out: str | Path | None = None,
    seeds: int | list[int] = 3,
    epochs: int | None = None,
    time_budget: float | None = None,
    search: str = "exhaustive",
    eta: int = DEFAULT_ETA,
    lr_factors=DEFAULT_LR_FACTORS,
    labels_per_class: int | None = None,
    show_test: bool = False,
    weights: str | None = None,
    pretrained: bool = True,
    input_size: int | None = None,
    device: str = "auto",
    overwrite: bool = False,
    progress: bool = True,
    eval_every: int = 1,
) -> Comparison:
    """Run every strategy at every learning-rate factor and seed (or successive halving over them); pick by validation.

    `strategies`: 'all' (every preset, default options), 'a,b:k=2,c', or a list of specs / Plans. Every plan
    gets the same epochs (`epochs`, default 10, or as many as `time_budget` seconds allow). The split of a
    seed is the same for every plan. A run that fails (for example a diverging loss at a high learning
    rate) is recorded as failed and left out of selection. `eval_every=0` validates only at phase ends
    (faster; the learning curves then show validation at phase ends only).
    """
    seed_list = _seed_list(seeds)
    check_search(search)
    _check_budget(epochs, time_budget)
    candidates = make_candidates(strategies, lr_factors)
    if out is not None:
        check_output_dir(out, overwrite)
    backbone = load_model(model, weights=weights, pretrained=pretrained, input_size=input_size)
    for plan in {id(c.plan): c.plan for c in candidates}.values():
        plan.resolve(backbone.stage_names)  # fail on unknown stages before any training
    started = time.perf_counter()
    loaded: dict[int, DataSplits] = {}

    def splits_for(seed: int) -> DataSplits:
        if seed not in loaded:
            loaded[seed] = load_target(data, backbone.preprocessing, labels_per_class=labels_per_class, seed=seed,
                                       progress=progress)
        return loaded[seed]

    budget: dict[str, Any] = {"epochs": epochs or DEFAULT_EPOCHS}
    if time_budget is not None:
        per_epoch = measure_epoch_seconds(backbone, splits_for(seed_list[0]), seed=seed_list[0], device=device)
        spent = time.perf_counter() - started

        def count(e: int) -> int:
            return run_epochs(search, candidates, len(seed_list), e, eta)

        chosen = epochs_within_budget(time_budget - spent, per_epoch, count, time_budget)
        budget = budget_record(time_budget, spent, per_epoch, chosen, count(chosen))
    max_epochs = budget["epochs"]
    factors = sorted({c.lr_factor for c in candidates})
    plans = list(dict.fromkeys(c.name for c in candidates))
    title = (f"{data if isinstance(data, str) else data.spec}: {_count(len(plans), 'plan')} x "
             f"{_count(len(factors), 'learning rate')} x {_count(len(seed_list), 'seed')}, "
             f"{_count(max_epochs, 'epoch')}, {search} search")
    records: dict[str, dict[str, Any]] = {}

    with contextlib.ExitStack() as stack:
        staging = stack.enter_context(StagingDir(out, overwrite)) if out is not None else None
        live = stack.enter_context(LiveLeaderboard(title, show_test=show_test, enabled=progress))

        def run_one(candidate: Candidate, seed: int, run_epochs_: int, rung: int | None) -> dict[str, Any]:
            plan = candidate.plan_at(run_epochs_)
            where = f"runs/{candidate.slug}/{lr_label(candidate.lr_factor)}/seed{seed}"
            if rung is not None:
                where = f"runs/rung{rung + 1}-{run_epochs_}ep/{candidate.slug}/{lr_label(candidate.lr_factor)}/seed{seed}"
            tag = {"candidate": candidate.key, "plan": candidate.name, "lr_factor": candidate.lr_factor,
                   "lr_factors": factors, "rung": rung, "lrs": [p.lr for p in plan.phases], "term": None}
            splits = splits_for(seed)
            try:
                with PeakMemory(device) as memory:
                    run = adapt(backbone, splits, plan, seed=seed, labels_per_class=labels_per_class, device=device,
                                progress=progress, eval_every=eval_every)
            except (RunError, PlanError) as exc:
                logger.warning("%s, seed %d failed: %s", candidate.key, seed, exc)
                return failed_entry(tag, seed, plan.total_epochs, str(exc))
            run.record["comparison"] = {k: v for k, v in tag.items() if k not in ("lrs", "term")}
            run.record["resources"] = {"peak_memory": memory.to_dict()}
            if staging is not None:
                write_run_dir(run, plan, staging.path / where)
            records[where] = run.record
            return entry_from_record(run.record, where)

        if search == "halving":
            entries, rungs = successive_halving(candidates, seed_list, max_epochs, run_one, eta, live.update)
        else:
            entries, rungs = exhaustive(candidates, seed_list, max_epochs, run_one, live.update)
        settings = {
            "model": model.origin.get("spec") or model.arch.get("name") if isinstance(model, Backbone) else str(model),
            "data": data if isinstance(data, str) else data.spec,
            "labels_per_class": labels_per_class,
            "splits": "split seed = run seed" if isinstance(data, str) else "one given split for every seed",
            "seeds": seed_list,
            "epochs": max_epochs,
            "budget": budget,
            "lr_factors": factors,
            "plans": plans,
            "candidates": [c.key for c in candidates],
            "seconds": round(time.perf_counter() - started, 1),
        }
        search_record = {"method": search, "eta": eta if search == "halving" else None, "rungs": rungs}
        doc = comparison_document(entries, title=title, show_test=show_test, settings=settings, search=search_record)
        if staging is None:
            return Comparison(doc)
        write_json(staging.path / "leaderboard.json", doc)
        write_text(staging.path / "report.html", render_report(doc, records))
        return Comparison(doc, staging.commit())
