"""Weight averages read from the weights a run ends with: a moving average of decay 0 is the plain run."""

from __future__ import annotations

import pytest
import torch

from transferkit.api import load_model
from transferkit.engine import RunConfig, run_plan
from transferkit.plans import build_plan
from transferkit.settings import Execution, KeepRule

from support.phase_states import phase_states, small_eval, state_of


def _run(spec, backbone, data, keep="last"):
    config = RunConfig(seed=0, execution=Execution(progress=False), keep=KeepRule(keep=keep))
    return run_plan(build_plan(spec), backbone, data, config)


def test_ema_of_decay_zero_equals_the_plain_run_and_a_real_decay_differs(tiny_model_dir, tiny_digits):
    backbone, data = load_model(str(tiny_model_dir)), small_eval(tiny_digits)
    plain = state_of(_run("full:epochs=2,lr=0.01", backbone, data).backbone)
    zero = _run("full:epochs=2,lr=0.01,ema=0", backbone, data)
    assert all(torch.equal(plain[k], v) for k, v in state_of(zero.backbone).items())
    averaged = _run("full:epochs=2,lr=0.01,ema=0.9", backbone, data)
    after = state_of(averaged.backbone)
    assert any(not torch.equal(plain[k], after[k]) for k in plain if after[k].is_floating_point())
    record = averaged.phases[0].extras["ema"]
    assert record["decay"] == 0.9 and record["steps"] > 0 and record["warmup"]["power"] == 2 / 3


@pytest.mark.integration
def test_wise_ft_at_alpha_0_is_the_probed_weights_and_at_alpha_1_the_fine_tuned_ones(tiny_model_dir, tiny_digits):
    backbone, data = load_model(str(tiny_model_dir)), small_eval(tiny_digits)
    states, _ = phase_states(build_plan("lp-ft:probe_epochs=1,epochs=1,lr=0.01"), backbone, data)
    for alpha, expected in ((0, states[1]), (1, states[2])):
        mixed = state_of(_run(f"wise-ft:probe_epochs=1,epochs=1,lr=0.01,alpha={alpha}", backbone, data).backbone)
        assert all(torch.equal(expected[k], v) for k, v in mixed.items()), alpha
    half = _run("wise-ft:probe_epochs=1,epochs=1,lr=0.01,alpha=0.5", backbone, data)
    key = next(k for k, v in states[1].items() if v.is_floating_point() and not torch.equal(v, states[2][k]))
    assert torch.allclose(state_of(half.backbone)[key], (states[1][key] + states[2][key]) / 2, atol=1e-6)
    record = half.phases[1].extras["wise_ft"]
    assert record["alpha"] == 0.5 and record["chosen"] == "given" and "interpolated" in record["batch_norm"]


def test_wise_ft_chooses_alpha_on_validation_and_can_reestimate_batch_norm(tiny_model_dir, tiny_digits):
    backbone, data = load_model(str(tiny_model_dir)), small_eval(tiny_digits)
    result = _run("wise-ft:probe_epochs=1,epochs=1,lr=0.01,wise_bn=reestimate", backbone, data, keep="best")
    record = result.phases[1].extras["wise_ft"]
    scores = record["val_accuracy_by_alpha"]
    assert len(scores) == 11 and record["chosen"] == "on validation"
    assert scores[str(record["alpha"])] == max(scores.values()) == record["val_accuracy"]
    assert "measured again" in record["batch_norm"]
