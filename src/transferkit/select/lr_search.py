"""How a comparison picks each plan's learning rate: a grid of factors chosen on validation (`grid`), or one factor
per plan from a learning-rate range test on training images (`range`, see engine/lr_range.py)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from .candidates import Candidate

def range_candidates(candidates: list[Candidate], range_test: Callable[[Candidate], dict[str, Any]]
                     ) -> tuple[list[Candidate], dict[str, Any]]:
    """One candidate per plan at the factor its range test chose (`candidates`: one per plan, at factor 1), and
    the record of every test (curve, rule, chosen factor, training images read)."""
    chosen, tests = [], {}
    for candidate in candidates:
        result = range_test(candidate)
        batch = candidate.plan.phases[result["phase_index"]].batch_size
        tests[candidate.name] = {**result, "train_images": result["steps"] * batch}
        chosen.append(dataclasses.replace(candidate, lr_factor=result["chosen_factor"]))
    record = {"method": "range", "rule": next(iter(tests.values()))["rule"] if tests else None, "plans": tests,
              "train_images": sum(t["train_images"] for t in tests.values())}
    return chosen, record
