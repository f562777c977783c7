"""The weights a run keeps: a copy of the best validated epoch's (as the finished network would hold them), so that
the run can end with them instead of the last epoch's."""

from __future__ import annotations

from typing import Any

import torch

from ..settings import KeepRule


def _position(rp, epoch: int, val_accuracy: float | None, run_epoch: int) -> dict[str, Any]:
    return {"phase": rp.index, "phase_name": rp.phase.name, "epoch": epoch, "run_epoch": run_epoch,
            "val_accuracy": val_accuracy}


class KeptWeights:
    """Follows the validated epochs of a run under a KeepRule. A phase whose network changes at its end (low-rank
    adapters merged, WiSE-FT's mix) offers only its end; a domain-adaptation phase offers none, and a run that ends with one keeps
    its last epoch (its batch-norm statistics per domain belong to those weights)."""

    def __init__(self, rule: KeepRule):
        self.rule = rule
        self.best: dict[str, Any] | None = None
        self.state: dict[str, torch.Tensor] | None = None
        self.last: dict[str, Any] | None = None
        self.note: str | None = None

    def after_epoch(self, execution, record, run_epoch: int) -> None:
        """Consider the epoch just trained (`run_epoch`: its 1-based number over the whole run)."""
        self.last = _position(execution.rp, record.epoch, record.val_accuracy, run_epoch)
        if execution.adapters is None and execution.domain is None and execution.wise is None:
            self._consider(execution, self.last)

    def after_phase(self, execution) -> None:
        """Consider a finished phase's end, when its epochs could not be copied as they were."""
        if execution.domain is not None:
            self.note = ("a domain-adaptation phase ends the run: its last epoch is kept, with its batch-norm "
                         "statistics per domain")
            return
        self.note = None
        if execution.wise is not None and self.last is not None:  # the mixed weights, validated
            self.last = {**self.last, "val_accuracy": execution.wise_val_accuracy}
        if (execution.adapters is not None or execution.wise is not None) and self.last is not None:
            self._consider(execution, self.last)

    def stops(self, execution) -> bool:
        """Early stopping: the phase's validation has not improved for `patience` evaluations."""
        return self.rule.stops([e.val_accuracy for e in execution.epochs if e.val_accuracy is not None])

    def _consider(self, execution, where: dict[str, Any]) -> None:
        value = where["val_accuracy"]
        if not self.rule.picks_best or value is None:
            return
        best = self.best
        if best is not None and not self.rule.beats(value, best["val_accuracy"], where["phase"] != best["phase"],
                                                    len(execution.inputs.data.val)):
            return
        self.best = dict(where)
        state = execution.net.model.state_dict()
        self.state = {k: v.detach().to("cpu", copy=True) for k, v in state.items()}
        if execution.standardizer is not None:  # the head as it will be once the standardization is folded in
            self.state.update(execution.standardizer.folded_state(execution.net.model))

    def kept(self) -> dict[str, Any] | None:
        """The position of the weights to end with, when they are not the last epoch's."""
        if self.note is not None or self.best is None or self.last is None:
            return None
        same = (self.best["phase"], self.best["epoch"]) == (self.last["phase"], self.last["epoch"])
        return None if same else self.best

    def restore(self, model: torch.nn.Module) -> None:
        model.load_state_dict(self.state, strict=True)

    def checkpoint(self) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
        """(tensors, JSON) to put in a checkpoint."""
        tensors = {f"kept.{k}": v.contiguous() for k, v in (self.state or {}).items()}
        return tensors, {"best": self.best, "last": self.last, "note": self.note}

    def resume(self, tensors: dict[str, torch.Tensor], meta: dict[str, Any] | None) -> None:
        """Back to what a checkpoint saved."""
        meta = meta or {}
        self.best, self.last, self.note = meta.get("best"), meta.get("last"), meta.get("note")
        state = {k[len("kept."):]: v for k, v in tensors.items() if k.startswith("kept.")}
        self.state = state or None

    def summary(self, last_metrics: dict[str, Any], eval_every: int) -> dict[str, Any]:
        """run.json's `kept`: the rule, the kept epoch, and the last epoch with its own metrics."""
        kept = self.kept() or self.last
        return {"rule": self.rule.keep, "patience": self.rule.patience, "eval_every": eval_every,
                "later_phase_margin": self.rule.later_phase_margin,
                "epoch": kept, "last_epoch": {**(self.last or {}), "metrics": last_metrics},
                "kept_last": kept is self.last, "note": self.note}
