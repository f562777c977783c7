"""An exponential moving average of a phase's weights (timm's ModelEmaV3 rule, warm-up included).

The average covers the tensors the phase changes: its trainable parameters and the floating-point buffers (batch-norm
running statistics). After every optimizer step `update()` moves it towards the live weights. At the end of each
epoch `show()` puts the average into the network (validation, the kept weights and checkpoints see it) and keeps the
live weights aside; `train()` puts them back before the next epoch trains. A phase ends showing its average.
timm's ModelEmaV3 keeps a whole copy of the module; this keeps only the tensors above, so that a checkpoint holds
them as plain tensors.
"""

from __future__ import annotations

from typing import Any

import torch

WARMUP_GAMMA, WARMUP_POWER = 1.0, 2 / 3  # timm ModelEmaV3's defaults


def ema_decay(decay: float, step: int, warmup: bool) -> float:
    """The decay at optimizer step `step` (1-based): timm's `ModelEmaV3.get_decay`, its first step a plain copy."""
    if step <= 1:
        return 0.0
    if not warmup:
        return decay
    return max(min(1 - (1 + (step - 1) / WARMUP_GAMMA) ** -WARMUP_POWER, decay), 0.0)


class WeightAverage:
    """The average of `names` in `model` with `decay` (0: the live weights themselves)."""

    def __init__(self, model: torch.nn.Module, names: list[str], decay: float, warmup: bool = True):
        self.model, self.names, self.decay, self.warmup = model, list(names), decay, warmup
        self.steps = 0
        tensors = self._tensors()
        self.shadow = [t.detach().clone() for t in tensors]
        self.live: list[torch.Tensor] | None = None  # the training weights while the network shows the average

    @classmethod
    def for_phase(cls, phase, model: torch.nn.Module, trainable: list[str]) -> WeightAverage | None:
        """The phase's average (None when `phase.ema` is unset)."""
        if phase.ema is None:
            return None
        buffers = [n for n, b in model.named_buffers() if b.is_floating_point()]
        return cls(model, sorted(trainable) + buffers, phase.ema, phase.ema_warmup)

    def _tensors(self) -> list[torch.Tensor]:
        state = dict(self.model.named_parameters())
        state.update(self.model.named_buffers())
        return [state[n] for n in self.names]

    @torch.no_grad()
    def update(self) -> None:
        """One optimizer step later: shadow <- lerp(shadow, live, 1 - decay) (exactly the live weights at decay 0)."""
        self.steps += 1
        weight = 1.0 - ema_decay(self.decay, self.steps, self.warmup)
        torch._foreach_lerp_(self.shadow, [t.detach().to(s.dtype) for s, t in zip(self.shadow, self._tensors())],
                             weight)

    @torch.no_grad()
    def show(self) -> None:
        """Put the average into the network, keeping the live weights aside (no-op when it shows it already)."""
        if self.live is not None:
            return
        tensors = self._tensors()
        self.live = [t.detach().clone() for t in tensors]
        for t, s in zip(tensors, self.shadow):
            t.copy_(s)

    @torch.no_grad()
    def train(self) -> None:
        """Put the live weights back (before an epoch trains)."""
        if self.live is None:
            return
        for t, s in zip(self._tensors(), self.live):
            t.copy_(s)
        self.live = None

    def state(self) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
        """(tensors, JSON) for a checkpoint."""
        tensors = {f"shadow.{n}": s.detach().cpu().contiguous() for n, s in zip(self.names, self.shadow)}
        if self.live is not None:
            tensors.update({f"live.{n}": s.detach().cpu().contiguous() for n, s in zip(self.names, self.live)})
        return tensors, {"steps": self.steps, "showing": self.live is not None}

    def restore(self, tensors: dict[str, torch.Tensor], meta: dict[str, Any]) -> None:
        """Back to a checkpoint's `state()` (the network's own weights are loaded already)."""
        device = [s.device for s in self.shadow]
        self.shadow = [tensors[f"shadow.{n}"].to(d) for n, d in zip(self.names, device)]
        self.live = ([tensors[f"live.{n}"].to(d) for n, d in zip(self.names, device)]
                     if meta.get("showing") else None)
        self.steps = int(meta["steps"])

    def describe(self) -> dict[str, Any]:
        """run.json's record of the average."""
        return {"decay": self.decay, "warmup": ({"rule": "min(decay, 1 - (1 + step / gamma) ** -power)",
                                                 "gamma": WARMUP_GAMMA, "power": WARMUP_POWER}
                                                if self.warmup else None),
                "steps": self.steps, "final_decay": ema_decay(self.decay, self.steps, self.warmup),
                "tensors": len(self.names), "kept": "the average's weights (validated, kept and saved)"}
