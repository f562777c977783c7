"""Which runs a comparison makes, in which order: every candidate and seed, or successive halving."""

from __future__ import annotations

from typing import Any

from .candidates import Candidate
from ..settings.compare import DEFAULT_ETA
from .halving import at_rung, halving_rungs, promote
from .leaderboard import candidate_summaries
from .rule import SelectionRule
from .run_pool import Runs


def run_epochs(search: str, candidates: list[Candidate], seeds: int, epochs: int, eta: int = DEFAULT_ETA) -> int:
    """How many run-epochs (one run for one epoch) the search takes at an epoch budget of `epochs` per plan, every
    epoch counted (a plan's fixed epochs on top of the budget too)."""
    def trained(c: Candidate, e: int) -> int:  # as at_rung(c, e, epochs).plan_at(e) trains
        return c.plan.epochs_at(e, min(1.0, e / epochs))

    if search == "exhaustive":
        return sum(trained(c, epochs) for c in candidates) * seeds
    # survivors are unknown in advance: an upper bound, the longest candidates at every rung
    return sum(seeds * sum(sorted((trained(c, r.epochs) for c in candidates), reverse=True)[:r.candidates])
               for r in halving_rungs(len(candidates), epochs, eta))


def exhaustive(candidates: list[Candidate], seeds: list[int], epochs: int,
               runs: Runs) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Every candidate at every seed for `epochs`; seeds outermost, so partial results cover every plan."""
    entries = runs.all([(c, seed, epochs, None) for seed in seeds for c in candidates], [])
    runs.finished(entries)
    return entries, []


def successive_halving(candidates: list[Candidate], seeds: list[int], epochs: int, runs: Runs,
                       eta: int = DEFAULT_ETA, rule: SelectionRule = SelectionRule()
                       ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Successive halving over candidates (see halving.py), promoting by `rule`; returns the entries and a record of
    the rungs."""
    entries: list[dict[str, Any]] = []
    rungs_done: list[dict[str, Any]] = []
    alive = list(candidates)
    rungs = halving_rungs(len(candidates), epochs, eta)
    for rung in rungs:
        rung_entries = runs.all([(at_rung(c, rung.epochs, epochs), seed, rung.epochs, rung.index)
                                 for seed in seeds for c in alive], entries)
        entries += rung_entries
        summaries = candidate_summaries(rung_entries)
        last = rung.index == len(rungs) - 1
        keep = len(alive) if last else rungs[rung.index + 1].candidates
        kept = promote(summaries, keep, rule)
        rungs_done.append({
            **rung.to_dict(),
            "trained": [c.key for c in alive],
            "val_mean": {s["candidate"]: s["val"]["mean"] for s in summaries},
            "kept": kept if not last else [],
        })
        alive = [c for c in alive if c.key in kept]
        if not alive:
            break
    runs.finished(entries)
    return entries, rungs_done
