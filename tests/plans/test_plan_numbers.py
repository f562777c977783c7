"""Numbers in plan files written the way people write them: `1e-2` (which PyYAML reads as text) and quoted numbers."""

from __future__ import annotations

import pytest

from transferkit.errors import PlanError
from transferkit.plans import Plan, plan_from_yaml

PLAN = """\
phases:
- name: probe
  epochs: '3'
  train: [head]
  lr: 1e-2
  weight_decay: 5E-4
  warmup: 1e-1
  batch_size: 1e1
  lr_scale: {head: 2e0}
- name: all
  train: [all]
  lr: 3e-5
  regularizers: {l2sp: {alpha: 1e-1, beta: 1e-2}}
"""


def test_exponent_notation_without_a_dot_is_a_number():
    probe, tune = plan_from_yaml(PLAN).phases
    assert (probe.lr, probe.weight_decay, probe.warmup, probe.lr_scale) == (0.01, 5e-4, 0.1, {"head": 2.0})
    assert (probe.epochs, probe.batch_size) == (3, 10) and isinstance(probe.batch_size, int)
    assert tune.lr == 3e-5 and tune.regularizers == {"l2sp": {"alpha": 0.1, "beta": 0.01}}


def test_quoted_numbers_in_a_mapping_and_lora_settings():
    plan = Plan.from_dict({"phases": [{"train": ["top:1"], "lr": "0.001", "params": "lora",
                                       "adapter": {"r": "4", "alpha": "8", "dropout": "1e-1"}}]})
    assert plan.phases[0].lr == 0.001 and plan.phases[0].adapter == {"r": 4, "alpha": 8, "dropout": 0.1}


@pytest.mark.parametrize("text, words", [("lr: ten", ["'lr'", "a number"]), ("epochs: 2.5e0", ["'epochs'", "whole"]),
                                         ("lr: nan", ["'lr'", "finite"]), ("lr: -1e-2", ["'lr'", "greater than 0"])])
def test_text_that_is_no_usable_number_is_still_refused(text, words):
    with pytest.raises(PlanError) as info:
        plan_from_yaml(f"phases:\n- {{train: [head], {text}}}\n")
    for word in words:
        assert word in str(info.value)
