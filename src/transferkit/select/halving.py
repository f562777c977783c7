"""Successive halving (Jamieson & Talwalkar, AISTATS 2016) over candidates, with epochs as the budget unit.

Rung 0 trains every candidate for a few epochs; each later rung keeps the best 1/eta of the previous
one and trains them, from the start, for eta times as many epochs; the last rung trains the survivors for the full
budget. Each rung trains from scratch, so every run is an ordinary run whose schedule fits its length, and each rung
is a shortened copy of every candidate's full run: phases with fixed epochs (a head trained first) are shortened in
the same proportion as the budget, so no plan gets its full fixed phase at a short rung while the others do not.
Promotion follows the comparison's selection rule (rule.py): the candidate the rule would choose at the rung always
goes on, the other places go to the highest means, and controls (random weights) never take a place.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

from ..errors import RunError
from ..settings.compare import DEFAULT_ETA
from .candidates import Candidate
from .choice import choose
from .rule import SelectionRule


@dataclass(frozen=True)
class Rung:
    index: int
    epochs: int
    candidates: int  # how many candidates this rung trains

    def to_dict(self) -> dict[str, int]:
        return {"rung": self.index, "epochs": self.epochs, "candidates": self.candidates}


def halving_rungs(n: int, max_epochs: int, eta: int = DEFAULT_ETA, min_epochs: int = 1) -> list[Rung]:
    """The rungs for `n` candidates: as many as both the candidates and the epochs allow.

    Rung k of K trains ceil(n / eta**k) candidates for round(max_epochs / eta**(K-1-k)) epochs (at least
    `min_epochs`); the last rung trains for `max_epochs`.
    """
    if isinstance(eta, bool) or not isinstance(eta, int) or eta < 2:
        raise RunError(f"The halving rate eta must be a whole number of at least 2; got {eta!r}.")
    if n < 1 or max_epochs < 1:
        raise RunError(f"Successive halving needs at least one candidate and one epoch; got {n} and {max_epochs}.")
    by_candidates = 1 + int(math.floor(math.log(n, eta) + 1e-9)) if n > 1 else 1
    by_epochs = 1 + int(math.floor(math.log(max_epochs / max(min_epochs, 1), eta) + 1e-9))
    count = max(1, min(by_candidates, by_epochs))
    rungs, alive = [], n
    for k in range(count):
        epochs = max(min_epochs, round(max_epochs / eta ** (count - 1 - k)))
        rungs.append(Rung(k, epochs, alive))
        alive = max(1, math.ceil(alive / eta))
    return rungs


def at_rung(candidate: Candidate, epochs: int, full: int) -> Candidate:
    """The candidate as a rung of `epochs` out of the `full` budget trains it: its fixed phases shortened in the
    rung's proportion (unchanged at the full budget)."""
    if epochs >= full:
        return candidate
    return dataclasses.replace(candidate, plan=candidate.plan.with_fixed_epochs_scaled(epochs / full))


def promote(summaries: list[dict[str, Any]], keep: int, rule: SelectionRule | None = None) -> list[str]:
    """The `keep` candidates that go on (failed ones and controls never), best first.

    With `rule`, the candidate the rule chooses among these summaries comes first, then the others by mean
    validation score; without, all by mean. Equal means keep the earlier candidate (the given order), so the choice
    does not depend on chance.
    """
    ok = [s for s in summaries if s["status"] == "ok" and s["val"]["mean"] is not None and not s.get("control")]
    ranked = [s["candidate"] for _, s in sorted(enumerate(ok), key=lambda item: (-item[1]["val"]["mean"], item[0]))]
    if rule is not None and ok:
        chosen = choose([dict(s) for s in ok], "validation score", rule, key="candidate").winner
        if chosen is not None:
            ranked = [chosen["candidate"]] + [c for c in ranked if c != chosen["candidate"]]
    return ranked[:keep]
