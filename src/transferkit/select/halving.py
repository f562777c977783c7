"""Successive halving (Jamieson & Talwalkar, AISTATS 2016) over candidates, with epochs as the budget unit.

Rung 0 trains every candidate for a few epochs; each later rung keeps the best 1/eta of the previous
one (by mean validation accuracy over seeds) and trains them, from the start, for eta times as many
epochs; the last rung trains the survivors for the full budget. Each rung trains from scratch, so every
run is an ordinary run whose schedule fits its length.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from ..errors import RunError
from ..settings.compare import DEFAULT_ETA



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


def promote(summaries: list[dict[str, Any]], keep: int) -> list[str]:
    """The `keep` candidates with the highest mean validation accuracy (failed ones never), best first.

    Equal means keep the earlier candidate (the given order), so the choice does not depend on chance.
    """
    ok = [s for s in summaries if s["status"] == "ok" and s["val"]["mean"] is not None]
    ranked = sorted(enumerate(ok), key=lambda item: (-item[1]["val"]["mean"], item[0]))
    return [s["candidate"] for _, s in ranked[:keep]]
