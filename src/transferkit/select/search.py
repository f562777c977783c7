"""Which runs a comparison makes, in which order: every candidate and seed, or successive halving."""

from __future__ import annotations

from typing import Any

from .candidates import Candidate
from ..settings.compare import DEFAULT_ETA
from .halving import halving_rungs, promote
from .leaderboard import candidate_summaries
from .run_pool import Runs

def run_epochs(search: str, candidates: list[Candidate], seeds: int, epochs: int, eta: int = DEFAULT_ETA) -> int:
    """How many run-epochs (one run for one epoch) the search takes at `epochs` per plan."""
    if search == "exhaustive":
        return sum(max(epochs, len(c.plan.phases)) for c in candidates) * seeds
    phases = max(len(c.plan.phases) for c in candidates)  # survivors are unknown in advance: an upper bound
    return sum(r.candidates * max(r.epochs, phases) * seeds for r in halving_rungs(len(candidates), epochs, eta))


def exhaustive(candidates: list[Candidate], seeds: list[int], epochs: int,
               runs: Runs) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Every candidate at every seed for `epochs`; seeds outermost, so partial results cover every plan."""
    entries = runs.all([(c, seed, epochs, None) for seed in seeds for c in candidates], [])
    runs.finished(entries)
    return entries, []


def successive_halving(candidates: list[Candidate], seeds: list[int], epochs: int, runs: Runs,
                       eta: int = DEFAULT_ETA) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Successive halving over candidates (see halving.py); returns the entries and a record of the rungs."""
    entries: list[dict[str, Any]] = []
    rungs_done: list[dict[str, Any]] = []
    alive = list(candidates)
    rungs = halving_rungs(len(candidates), epochs, eta)
    for rung in rungs:
        rung_entries = runs.all([(c, seed, rung.epochs, rung.index) for seed in seeds for c in alive], entries)
        entries += rung_entries
        summaries = candidate_summaries(rung_entries)
        last = rung.index == len(rungs) - 1
        keep = len(alive) if last else rungs[rung.index + 1].candidates
        kept = promote(summaries, keep)
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
