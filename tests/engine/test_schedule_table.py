"""A phase accepts exactly the schedules of the one table, and follows its schedule."""

from __future__ import annotations

import pytest
import torch

from transferkit.engine.phase_setup import SCHEDULES, build_scheduler, lr_factor
from transferkit.errors import PlanError
from transferkit.plans import Phase, Plan

PLAN_SCHEDULES = ["cosine", "onecycle", "constant"]


def test_every_schedule_a_plan_accepts_has_one_entry_in_the_table():
    assert sorted(SCHEDULES) == sorted(PLAN_SCHEDULES)
    for name in SCHEDULES:
        assert Phase(schedule=name).schedule == name
    with pytest.raises(PlanError, match="'schedule'"):
        Phase(schedule="step")


@pytest.mark.parametrize("schedule", PLAN_SCHEDULES)
def test_a_phase_steps_through_its_schedule(schedule):
    phase = Phase(name="fine-tune", train="all", lr=0.5, schedule=schedule, warmup=0.25)
    (resolved,) = Plan(phases=[phase]).resolve(["stem", "stage1", "head"])
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.5)
    scheduler = build_scheduler(optimizer, resolved, total_steps=8)
    rates = []
    for _ in range(8):
        rates.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    assert rates == [0.5 * lr_factor(schedule, step, 8, 0.25) for step in range(8)]
    assert rates == [0.5 * SCHEDULES[schedule](step, 8, 2) for step in range(8)]
    assert len(set(rates)) > 1  # warm-up, then the schedule's own shape
