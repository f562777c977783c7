"""Successive halving: the rung schedule, promotion by validation, and what it costs against exhaustive search."""

from __future__ import annotations

import pytest

from transferkit.errors import RunError
from transferkit.plans import Phase, Plan
from transferkit.select import Candidate, Runs, exhaustive, halving_rungs, promote, successive_halving, summarize


def test_rungs_for_fifteen_candidates_and_ten_epochs():
    rungs = halving_rungs(15, 10, eta=3)
    assert [(r.candidates, r.epochs) for r in rungs] == [(15, 1), (5, 3), (2, 10)]


def test_rungs_are_limited_by_epochs_and_candidates():
    assert [(r.candidates, r.epochs) for r in halving_rungs(27, 3, eta=3)] == [(27, 1), (9, 3)]
    assert [(r.candidates, r.epochs) for r in halving_rungs(2, 27, eta=3)] == [(2, 27)]
    assert [(r.candidates, r.epochs) for r in halving_rungs(8, 8, eta=2)] == [(8, 1), (4, 2), (2, 4), (1, 8)]
    with pytest.raises(RunError, match="eta"):
        halving_rungs(8, 8, eta=1)


def test_promote_keeps_the_best_by_validation_and_never_a_failed_one():
    summaries = [{"candidate": k, "status": s, "val": summarize(v)}
                 for k, s, v in [("a", "ok", [0.5]), ("b", "ok", [0.9]), ("c", "failed", [0.99]), ("d", "ok", [0.7])]]
    assert promote(summaries, 2) == ["b", "d"]


def _candidates(n):
    plan = Plan(phases=[Phase(name="p", epochs=10, train=["head"], lr=0.01)])
    return [Candidate(f"plan{i}", f"plan{i}", plan, 1.0) for i in range(n)]


def _fake_run(quality):
    """A run whose validation accuracy rises with epochs towards the candidate's quality (no training)."""
    def run(candidate, seed, epochs, rung):
        q = quality[candidate.name]
        val = q * (1 - 0.5 / epochs) + 0.001 * seed
        return {"candidate": candidate.key, "plan": candidate.name, "term": "t", "lr_factor": 1.0, "lrs": [0.01],
                "epochs": epochs, "rung": rung, "seed": seed, "status": "ok", "dir": None, "val": val, "test": 0.5,
                "trainable_params": 10, "seconds": 0.1, "peak_memory": None, "train_images": 100 * epochs,
                "steps": epochs}
    return run


def test_halving_finds_the_best_candidate_for_a_fraction_of_the_compute():
    quality = {f"plan{i}": 0.5 + 0.03 * i for i in range(15)}
    run = _fake_run(quality)
    full, _ = exhaustive(_candidates(15), [0, 1, 2], 10, Runs(run))
    halved, rungs = successive_halving(_candidates(15), [0, 1, 2], 10, Runs(run), eta=3)
    assert [r["candidates"] for r in rungs] == [15, 5, 2]
    assert len(rungs[0]["kept"]) == 5 and "plan14@lr-x1" in rungs[1]["kept"]
    final = {e["plan"] for e in halved if e["epochs"] == 10}
    assert final == {"plan14", "plan13"}
    images = lambda entries: sum(e["train_images"] for e in entries)  # noqa: E731
    assert images(halved) / images(full) == pytest.approx((15 * 1 + 5 * 3 + 2 * 10) / (15 * 10))
