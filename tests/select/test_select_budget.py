"""A time budget becomes one epoch budget for every plan; too small a budget is a one-line error."""

from __future__ import annotations

from transferkit.errors import RunError
from transferkit.plans import Phase, Plan
from transferkit.select import Candidate, run_epochs
from transferkit.select.budget import epochs_within_budget
from support.assertions import assert_one_line_error


def _candidates(n, phases=1):
    plan = Plan(phases=[Phase(name=f"p{i}", epochs=5, train=["head"]) for i in range(phases)])
    return [Candidate(f"plan{i}", f"plan{i}", plan, 1.0) for i in range(n)]


def test_run_epochs_of_each_search():
    assert run_epochs("exhaustive", _candidates(15), 3, 10) == 15 * 3 * 10
    assert run_epochs("halving", _candidates(15), 3, 10) == 3 * (15 * 1 + 5 * 3 + 2 * 10)
    # a two-phase plan needs at least two epochs, whatever the budget
    assert run_epochs("exhaustive", _candidates(2, phases=2), 1, 1) == 2 * 2


def test_the_most_epochs_that_fit():
    def count(e):
        return run_epochs("exhaustive", _candidates(4), 2, e)  # 8 run-epochs per epoch of budget

    assert epochs_within_budget(100.0, 1.0, count, 120.0) == 12  # 12 * 8 = 96 <= 100 < 104
    assert epochs_within_budget(8.0, 1.0, count, 10.0) == 1


def test_a_budget_too_small_for_one_epoch():
    def count(e):
        return 8 * e

    assert_one_line_error(RunError, lambda: epochs_within_budget(5.0, 1.0, count, 7.0),
                          "cannot fit even 1 epoch", "--time-budget")
