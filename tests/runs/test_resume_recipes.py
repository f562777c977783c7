"""Resuming inside a LoRA phase and an Auto-RGN + L2-SP phase finishes bit-identically, with complete records."""

from __future__ import annotations

import torch

from transferkit import adapt
from transferkit.plans import Phase, Plan

from support.phase_states import small_eval
from test_resume import stop_after, weights, without_seconds

PLAN = Plan(phases=[
    Phase(name="adapters", epochs=2, train=["stage4", "head"], params="lora", adapter={"r": 2, "alpha": 4}, lr=0.01),
    Phase(name="rgn", epochs=2, train=["all"], auto_rgn=True, lr=0.01, regularizers={"l2sp": {"alpha": 0.1}}),
])


def test_stopping_after_every_checkpoint_changes_nothing(tiny_model_dir, tiny_digits, tmp_path, monkeypatch):
    data = small_eval(tiny_digits)
    reference = adapt(str(tiny_model_dir), data, PLAN, seed=2, progress=False)
    out, stops = tmp_path / "run", 0
    while True:
        stop_after(monkeypatch, 1)
        try:
            run = adapt(str(tiny_model_dir), data, PLAN, seed=2, out=out, resume=stops > 0, progress=False)
            break
        except KeyboardInterrupt:
            stops += 1
    assert stops == 4  # inside each phase, between them, and after the last
    expected, found = weights(reference), weights(run)
    assert expected.keys() == found.keys() and all(torch.equal(expected[k], found[k]) for k in expected)
    assert run.metrics == reference.metrics
    assert without_seconds(run.record["history"]) == without_seconds(reference.record["history"])
    mine, theirs = run.record["plan"]["phases"], reference.record["plan"]["phases"]
    for key in ("trainable_tensors", "lr_applied"):
        assert [p[key] for p in mine] == [p[key] for p in theirs], key
    assert mine[0]["adapter_applied"] == theirs[0]["adapter_applied"]
    assert mine[1]["auto_rgn"] == theirs[1]["auto_rgn"] and len(mine[1]["auto_rgn"]) == 2
    assert mine[1]["regularizer_values"] == theirs[1]["regularizer_values"]
    assert len(mine[1]["regularizer_values"]["epoch_end"]) == 2
