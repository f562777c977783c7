"""Which runs a comparison makes, in which order: every candidate and seed, or successive halving."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..errors import RunError
from .candidates import Candidate
from .halving import DEFAULT_ETA, halving_rungs, promote
from .leaderboard import candidate_summaries

SEARCHES = ("exhaustive", "halving")

# run(candidate, seed, epochs, rung) -> entry; called once per run, in order
RunFn = Callable[[Candidate, int, int, "int | None"], dict[str, Any]]
# update(entries so far, what runs next or None when done)
UpdateFn = Callable[[list[dict[str, Any]], "str | None"], None]


def check_search(search: str) -> str:
    if search not in SEARCHES:
        raise RunError(f"The 'search' setting must be one of {list(SEARCHES)}; got {search!r}.")
    return search


def run_epochs(search: str, candidates: list[Candidate], seeds: int, epochs: int, eta: int = DEFAULT_ETA) -> int:
    """How many run-epochs (one run for one epoch) the search takes at `epochs` per plan."""
    if search == "exhaustive":
        return sum(max(epochs, len(c.plan.phases)) for c in candidates) * seeds
    phases = max(len(c.plan.phases) for c in candidates)  # survivors are unknown in advance: an upper bound
    return sum(r.candidates * max(r.epochs, phases) * seeds for r in halving_rungs(len(candidates), epochs, eta))


def exhaustive(candidates: list[Candidate], seeds: list[int], epochs: int, run: RunFn,
               update: UpdateFn | None = None) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Every candidate at every seed for `epochs`; seeds outermost, so partial results cover every plan."""
    entries: list[dict[str, Any]] = []
    jobs = [(seed, c) for seed in seeds for c in candidates]
    for seed, candidate in jobs:
        if update:
            update(entries, f"{candidate.key} · seed {seed} · {epochs} epochs")
        entries.append(run(candidate, seed, epochs, None))
    if update:
        update(entries, None)
    return entries, []


def successive_halving(candidates: list[Candidate], seeds: list[int], epochs: int, run: RunFn, eta: int = DEFAULT_ETA,
                       update: UpdateFn | None = None) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Successive halving over candidates (see halving.py); returns the entries and a record of the rungs."""
    entries: list[dict[str, Any]] = []
    rungs_done: list[dict[str, Any]] = []
    alive = list(candidates)
    rungs = halving_rungs(len(candidates), epochs, eta)
    for rung in rungs:
        rung_entries = []
        for seed in seeds:
            for candidate in alive:
                if update:
                    update(entries, f"rung {rung.index + 1}/{len(rungs)} · {candidate.key} · seed {seed} · "
                                    f"{rung.epochs} epochs")
                entry = run(candidate, seed, rung.epochs, rung.index)
                entries.append(entry)
                rung_entries.append(entry)
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
    if update:
        update(entries, None)
    return entries, rungs_done
