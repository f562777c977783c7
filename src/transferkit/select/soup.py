"""Greedy model soups: the uniform average of the weights of fine-tuned runs that share a starting point (the same
pretrained network, head initialization and split: the runs of one seed), built greedily on validation.

Wortsman et al., Model soups, ICML 2022, Algorithm 1 (GreedySoup): sort the runs by validation score, best first;
start the soup with the best; add each next run when the average with it validates at least as well as without it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

SOUP_PLAN = "greedy-soup"
SOUP_RULE = ("Wortsman et al.'s greedy soup (Model soups, ICML 2022, Algorithm 1): the runs of one seed sorted by "
             "validation score, best first; each is added when the uniform average of the weights with it validates "
             "at least as well as without it")

State = dict[str, torch.Tensor]


def average_weights(states: list[State]) -> State:
    """The uniform average of `states` (floating-point tensors, summed in float64; other tensors: the first's). The
    average of one state is that state, tensor for tensor."""
    if len(states) == 1:
        return {k: v.clone() for k, v in states[0].items()}
    out: State = {}
    for key, first in states[0].items():
        if first.is_floating_point():
            total = sum(s[key].double() for s in states)
            out[key] = (total / len(states)).to(first.dtype)
        else:
            out[key] = first.clone()
    return out


def fits(a: State, b: State) -> bool:
    """Whether two states can be averaged: the same tensor names and shapes."""
    return a.keys() == b.keys() and all(a[k].shape == b[k].shape for k in a)


def greedy_soup(ranked: list[str], state_of: Callable[[str], State], score: Callable[[State], float]
                ) -> tuple[list[str], State, list[dict[str, Any]]]:
    """(ingredients, their average, the trace of every run tried) for runs `ranked` best first; `state_of(run)`
    gives a run's weights, `score(state)` the validation score of weights."""
    soup = [ranked[0]]
    states = [state_of(ranked[0])]
    best = score(states[0])
    trace = [{"run": ranked[0], "added": True, "val_with": best}]
    for run in ranked[1:]:
        state = state_of(run)
        if not fits(states[0], state):
            trace.append({"run": run, "added": False, "val_with": None, "why": "other tensor names or shapes"})
            continue
        value = score(average_weights([*states, state]))
        added = value >= best
        trace.append({"run": run, "added": added, "val_with": value})
        if added:
            soup.append(run)
            states.append(state)
            best = value
    return soup, average_weights(states), trace
