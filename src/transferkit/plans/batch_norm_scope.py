"""Batch-norm settings on a network without batch-norm layers (transformers normalize with layer norm).

`frozen` and `auto` change nothing there, so they become `auto` (and the plan's name and description say nothing
about batch norm); `train` and `adapt` for the whole network ask for statistics that do not exist, so the plan is
refused in one line. A per-stage policy (a preset's default for the stages it trains) becomes `auto` too.
"""

from __future__ import annotations

import dataclasses

from ..errors import PlanError
from .plan import Plan

_NO_EFFECT = ("auto", "frozen")


def without_batch_norm(plan: Plan) -> Plan:
    """The plan for a network with no batch-norm layers; PlanError for a phase that asks batch norm to learn."""
    phases = []
    for phase in plan.phases:
        # a per-stage policy is a preset's default for the stages it trains (surgical's `adapt`): not applicable here;
        # a policy asked of the whole network is refused
        asked = None if isinstance(phase.bn, dict) or phase.bn in _NO_EFFECT else phase.bn
        if asked is not None:
            raise PlanError(f"Phase '{phase.name}' sets bn: {asked}, but this network has no batch-norm layers (it "
                            "normalizes with layer norm), so it would do nothing; remove the bn setting.")
        phases.append(dataclasses.replace(phase, bn="auto") if phase.bn != "auto" else phase)
    return dataclasses.replace(plan, phases=phases)
