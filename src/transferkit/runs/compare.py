"""compare(): every candidate plan on the same data, epoch budget and splits, over several seeds.

Each (plan, learning rate, seed) is an ordinary run made by `adapt` and written as a run directory under
`out/runs/` (trained weights only where `keep_weights` says: all, the winner's, none); the leaderboard (winner
under 'winner') goes to `out/leaderboard.json` and the report to `out/report.html`. The whole directory appears
at once when everything is written (never half-written). With several processes, every process trains and the main
process writes.
"""

from __future__ import annotations

import contextlib
import dataclasses
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..console import Printable, logger
from ..data import DataSplits
from ..errors import Interrupted, RunError
from ..files import write_json, write_text
from ..models import Backbone
from ..plans import Plan
from ..report import leaderboard_section, load_records, render_report, winner_box
from ..select import DocumentHeading, comparison_document, exhaustive, make_candidates, run_epochs, successive_halving
from ..select.executors import EXECUTORS
from ..engine import lr_range_test, main_first, process_state
from ..select.budget import budget_record, epochs_within_budget, measure_epoch_seconds
from ..select.live import LiveLeaderboard
from ..select.lr_search import range_candidates
from ..select.rule import SelectionRule
from ..select.table import fmt_interval, leaderboard_table
from ..use.model_card import write_comparison_cards
from .candidate_plans import check_fits, strategies_for
from .compare_soup import soup_entries
from .compare_holdout import check_metric_fits, holdout_record, with_holdout
from .compare_networks import CompareNetworks
from .compare_weights import drop_weights
from .imbalance import warn_if_imbalanced
from .compare_interrupt import STOPPING, stopped_at_once, stopped_message
from .compare_jobs import JobRunner
from .compare_sweep import Sweep
from .comparison_dir import ComparisonDir
from .ctrl_c import stop_on_ctrl_c
from .tracking import check_tracker, track
from ..settings import CompareSettings, Output, RunSpec
from ..settings.compare import DEFAULT_EPOCHS


@dataclass
class Comparison:
    """A finished comparison: `leaderboard` is the content of leaderboard.json; `dir` is None when not written."""

    leaderboard: dict[str, Any]
    dir: Path | None = None

    @property
    def winner(self) -> dict[str, Any] | None:
        """The chosen plan: plan, network (with several), term, lr_factor, lrs, val (mean and interval), test,
        reason, tied_with."""
        return self.leaderboard["winner"]

    @property
    def rows(self) -> list[dict[str, Any]]:
        """One row per plan (per network and plan with several networks), ranked."""
        return self.leaderboard["rows"]

    @property
    def runs(self) -> list[dict[str, Any]]:
        """Every run: candidate, plan, lr_factor, epochs, seed, status, dir (relative to `dir`), accuracies, costs."""
        return self.leaderboard["runs"]

    @property
    def report(self) -> Path | None:
        return None if self.dir is None else self.dir / "report.html"

    def table(self) -> Printable:
        """The leaderboard as a table: what the CLI prints, and what print(), str() and notebooks show."""
        return Printable(leaderboard_table(self.leaderboard, self.leaderboard["title"]))

    def chosen(self) -> str:
        """One sentence: the chosen plan, its validation accuracy and why (or that no plan finished)."""
        w = self.winner
        if w is None:
            return f"No plan chosen: {self.leaderboard.get('no_winner') or 'no plan finished without errors'}."
        return (f"Chosen: {w.get('pair') or w['plan']} ({w['term']}): validation accuracy {fmt_interval(w['val'])}; "
                f"{w['reason']}. "
                f"Test accuracy {fmt_interval(w['test'])} (not used for selection).")

    def __str__(self) -> str:
        lines = [str(self.table()), self.chosen()]
        if self.dir is not None:
            lines.append(f"Leaderboard: {self.dir / 'leaderboard.json'}; report: {self.report}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return winner_box(self.leaderboard) + leaderboard_section(self.leaderboard, chart=False)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def compare(spec: RunSpec, strategies: str | list[str | Plan] = "all", settings: CompareSettings | None = None,
            output: Output = Output(), backbone: Backbone | None = None, splits: DataSplits | None = None
            ) -> Comparison:
    """Run every strategy at every learning-rate factor and seed (or successive halving over them); pick by validation.

    Every run is `adapt` with the same RunSpec, only its seed changed: the split of a seed is the same for every plan,
    and every plan gets the same epochs (the spec's `epochs`, default 10, or as many as `settings.time_budget`
    seconds allow). A run that fails (for example a diverging loss at a high learning rate) is recorded as failed
    and left out of selection. `backbone`: the spec's model, already loaded; `splits`: one split of the spec's data
    used for every seed (instead of split k for seed k). With `settings.models`, every candidate runs on each of
    those networks instead of the spec's model (see compare_networks.py).
    """
    settings = settings or CompareSettings()
    out, overwrite = output.path, output.overwrite
    seed_list = settings.seed_list
    if settings.jobs != 1 and process_state(spec.execution.device).num_processes > 1:
        raise RunError("--jobs trains runs side by side in forked processes, which a launch of several processes "
                       "cannot do; drop --jobs, or launch one process.")
    if settings.executor != "local" and process_state(spec.execution.device).num_processes > 1:
        raise RunError(f"--executor {settings.executor} places each run on the cluster itself; run compare as one "
                       "process, not under a launch of several.")
    if spec.overrides.epochs is not None and settings.time_budget is not None:
        raise RunError("Give either --epochs or --time-budget, not both.")
    spec = with_holdout(spec, settings)
    check_tracker(settings.track)
    chosen = strategies_for(strategies, spec.data)
    # every override but the epochs (which the search sets per run) goes into every plan
    if settings.lr_search == "range" and spec.data.domain_adaptation:
        raise RunError("--lr-search range does not support domain adaptation (--source); use --lr-search grid.")
    candidates = make_candidates(chosen, settings.lr_factors if settings.lr_search == "grid" else (1.0,),
                                 dataclasses.replace(spec.overrides, epochs=None).apply)
    for candidate in candidates:
        check_fits(candidate.name, spec.data)
    if settings.soup and (out is None or spec.data.domain_adaptation or settings.models is not None):
        raise RunError("--soup averages the weights the runs of one network write, on labelled target validation "
                       "data; give --out (and no --source or --models).")
    if out is not None:
        ComparisonDir(out, overwrite, output.resume)  # (checks the output before anything loads)
    networks = CompareNetworks(spec, settings.models, backbone, splits)
    top_networks = networks.keep_top(settings.top_networks, seed_list[0])  # before anything else sees the networks
    splits_for = networks.splits
    networks.resolve(candidates)  # fail on unknown stages before any training
    candidates = networks.cross(candidates)
    started = time.perf_counter()
    check_metric_fits(settings.metric, splits_for(seed_list[0]))
    imbalance = warn_if_imbalanced(splits_for(seed_list[0]), [c.plan for c in candidates])
    lr_record: dict[str, Any] = {"method": "grid", "factors": list(settings.lr_factors)}
    if settings.lr_search == "range":  # on the first seed's training images; the chosen factor serves every seed
        quiet, first = dataclasses.replace(spec.execution, progress=False), seed_list[0]
        candidates, lr_record = range_candidates(candidates, lambda c: lr_range_test(
            c.plan, networks.of(c).backbone, splits_for(first, c.network), seed=first, execution=quiet))

    search, eta, rule = settings.search, settings.eta, SelectionRule.from_settings(settings)
    budget: dict[str, Any] = {"epochs": spec.overrides.epochs or DEFAULT_EPOCHS}
    if settings.time_budget is not None:
        per_epoch = networks.mean(lambda n: measure_epoch_seconds(n.backbone, splits_for(seed_list[0], n.name),
                                                                  seed=seed_list[0], execution=spec.execution))
        spent = time.perf_counter() - started

        def count(e: int) -> int:
            return run_epochs(search, candidates, len(seed_list), e, eta)

        epochs = epochs_within_budget(settings.time_budget - spent, per_epoch, count, settings.time_budget)
        budget = budget_record(settings.time_budget, spent, per_epoch, epochs, count(epochs))
    max_epochs = budget["epochs"]
    factors = sorted({c.lr_factor for c in candidates})
    plans = list(dict.fromkeys(c.name for c in candidates))
    networks.measure(candidates, len(splits_for(seed_list[0]).classes))
    title = (f"{spec.data.spec}: {networks.title()}{_count(len(plans), 'plan')} x "
             f"{_count(len(factors), 'learning rate')} x {_count(len(seed_list), 'seed')}, "
             f"{_count(max_epochs, 'epoch')}, {search} search")
    device = spec.execution.device

    folder = None  # the main process's; the others write nothing
    try:
        with contextlib.ExitStack() as stack:

            def open_folder() -> Path:
                nonlocal folder
                folder = stack.enter_context(ComparisonDir(out, overwrite, output.resume))
                return folder.path

            root = (main_first(open_folder, device) if out is not None else
                    Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="transferkit-compare-"))))
            shown = spec.execution.progress and process_state(device).is_main_process
            live = stack.enter_context(LiveLeaderboard(title, show_test=settings.show_test, enabled=shown,
                                                       metric=settings.metric))
            executor = stack.enter_context(EXECUTORS.get(settings.executor)(settings))
            runner = JobRunner(root, networks, settings.metric)
            for network in networks.networks:  # (loaded once here; forked workers inherit them)
                for seed in seed_list:
                    splits_for(seed, network.name)
            runs = Sweep(runner, executor, spec, factors, live.update)
            stack.enter_context(stop_on_ctrl_c(runs.stop, STOPPING))  # until everything is written
            if search == "halving":
                entries, rungs = successive_halving(candidates, seed_list, max_epochs, runs, eta, rule)
            else:
                entries, rungs = exhaustive(candidates, seed_list, max_epochs, runs)
            if runs.reused:
                logger.info("Resumed: reused %d finished run%s, trained %d of %d.", runs.reused,
                            "" if runs.reused == 1 else "s", runs.trained, runs.reused + runs.trained)
            if settings.soup and not runs.missing:  # every run directory is written by now
                entries = entries + soup_entries(root, entries, splits_for, settings.metric)
            summary = {
                "model": spec.model.spec if settings.models is None else list(settings.models),
                "networks": networks.record(),
                "top_networks": top_networks,
                "data": spec.data.spec,
                "labels_per_class": spec.data.labels_per_class,
                "splits": "split seed = run seed" if splits is None else "one given split for every seed",
                "seeds": seed_list,
                "epochs": max_epochs,
                "budget": budget,
                "lr_factors": factors,
                "plans": plans,
                "candidates": [c.key for c in candidates],
                "metric": settings.metric,
                "class_imbalance": imbalance,
                "lr_search": lr_record,
                "holdout": holdout_record(spec, {seed: splits_for(seed) for seed in seed_list}),
                "spec": spec.to_dict(),
                "seconds": round(time.perf_counter() - started, 1),
            }
            search_record = {"method": search, "eta": eta if search == "halving" else None, "rungs": rungs}
            doc = networks.add_costs(comparison_document(
                entries, DocumentHeading(title=title, settings=summary, search=search_record),
                show_test=settings.show_test, metric=settings.metric, rule=rule))
            if runs.missing:
                doc["incomplete"] = {"reason": "stopped by the user (Ctrl-C)", "finished": len(entries),
                                     "missing": runs.missing}
            if out is None:
                return Comparison(doc)

            def finish() -> Path:
                records = load_records(folder.path, doc)  # as the runs wrote them, in this process or elsewhere
                # a stopped comparison keeps every run's weights: the winner may change once it is resumed
                drop_weights(folder.path, doc, "all" if runs.missing else settings.keep_weights)
                write_json(folder.path / "leaderboard.json", doc)
                write_comparison_cards(folder.path, doc, records)
                write_text(folder.path / "report.html", render_report(doc, records))
                return folder.commit()

            if runs.missing and not entries:
                raise Interrupted("stopped before any run finished, so nothing is kept; run the same command again.")
            written = Comparison(doc, main_first(finish, device))
            main_first(lambda: track(settings.track, written.dir, doc, load_records(written.dir, doc)), device)
            if runs.missing:
                where = f"the leaderboard of those is in '{written.dir}' (marked incomplete)"
                raise Interrupted(stopped_message(len(entries), runs.missing, where))
            return written
    except KeyboardInterrupt as exc:  # the second Ctrl-C, or the first outside a comparison's runs
        if not isinstance(exc, Interrupted) and isinstance(folder, ComparisonDir) and folder.kept is not None:
            raise Interrupted(stopped_at_once(folder.kept)) from None
        raise
