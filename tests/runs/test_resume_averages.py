"""Resuming inside a pseudo-labelling phase and a phase with a moving average of weights and WiSE-FT finishes
bit-identically."""

from __future__ import annotations

import torch

from transferkit import adapt
from transferkit.api import load_model
from transferkit.data.unlabeled import load_unlabeled
from transferkit.plans import Phase, Plan

from support.phase_states import small_eval
from test_resume import stop_after, weights, without_seconds

PLAN = Plan(phases=[
    Phase(name="probe", epochs=1, train=["head"], lr=0.01, semi_supervised="pseudo-label", threshold=0.0,
          unlabeled_ratio=1),
    Phase(name="tune", epochs=2, train=["all"], lr=0.01, ema=0.8, wise="auto"),
])


def test_stopping_after_every_checkpoint_changes_nothing(tiny_model_dir, tiny_digits, tmp_path, monkeypatch):
    data = small_eval(tiny_digits)
    data.unlabeled = load_unlabeled("digits", load_model(str(tiny_model_dir)).preprocessing, progress=False)
    reference = adapt(str(tiny_model_dir), data, PLAN, seed=2, progress=False, checkpoint_every=1)
    out, stops = tmp_path / "run", 0
    while True:
        stop_after(monkeypatch, 1)
        try:
            run = adapt(str(tiny_model_dir), data, PLAN, seed=2, out=out, resume=stops > 0, progress=False,
                        checkpoint_every=1)
            break
        except KeyboardInterrupt:
            stops += 1
    assert stops >= 4  # inside the epochs, between them and the phases
    expected, found = weights(reference), weights(run)
    assert expected.keys() == found.keys() and all(torch.equal(expected[k], found[k]) for k in expected)
    assert run.metrics == reference.metrics
    assert without_seconds(run.record["history"]) == without_seconds(reference.record["history"])
    mine, theirs = run.record["plan"]["phases"][1], reference.record["plan"]["phases"][1]
    assert mine["ema"] == theirs["ema"] and mine["wise_ft"] == theirs["wise_ft"]
    semi = run.record["plan"]["phases"][0]["semi_supervised"]
    assert semi == reference.record["plan"]["phases"][0]["semi_supervised"] and semi["per_epoch"][0]["passed"] > 0
