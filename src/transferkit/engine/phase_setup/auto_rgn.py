"""Auto-RGN learning rates (Lee et al., Surgical Fine-Tuning Improves Adaptation to Distribution Shifts,
ICLR 2023): each tensor's learning rate is multiplied by its relative gradient norm ||g|| / ||w||, divided by
the largest one, so the multipliers lie in [0, 1] and the most "surprised" tensor gets the full rate.

The multipliers are recomputed at the start of every epoch from the gradient of the training loss over up
to `max_images` training images (no optimizer step; batch-norm statistics are restored afterwards).
No library implements this rule, hence this module.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def _unwrap(obj, attribute: str):
    """The torch object under an Accelerate wrapper (AcceleratedOptimizer.optimizer, AcceleratedScheduler.scheduler)."""
    inner = getattr(obj, attribute, None)
    return obj if inner is None or type(obj).__module__.startswith("torch") else inner


class AutoRGN:
    """Sets the multipliers on a LambdaLR schedule whose optimizer has one group per tensor."""

    def __init__(self, model: torch.nn.Module, optimizer, scheduler, accelerator, max_images: int = 512):
        self.model, self.accelerator, self.max_images = model, accelerator, max_images
        self.optimizer, self.scheduler = _unwrap(optimizer, "optimizer"), _unwrap(scheduler, "scheduler")
        self.initial = [float(g["initial_lr"]) for g in self.optimizer.param_groups]
        self.history: list[dict] = []

    def update(self, forward, loader, epoch: int, label_smoothing: float = 0.0) -> dict[str, float]:
        """Measure relative gradient norms, set each group's learning rate, record and return the multipliers."""
        groups = self.optimizer.param_groups
        seen = self._accumulate_gradients(forward, loader, label_smoothing)
        ratios = []
        for group in groups:
            grad = sum(float(p.grad.float().pow(2).sum()) for p in group["params"] if p.grad is not None) ** 0.5
            weight = sum(float(p.detach().float().pow(2).sum()) for p in group["params"]) ** 0.5
            # a tensor that is exactly zero has no relative scale; it keeps the full rate
            ratios.append(None if weight == 0.0 else grad / weight)
        self.optimizer.zero_grad(set_to_none=True)
        largest = max((r for r in ratios if r is not None), default=0.0)
        multipliers = [1.0 if r is None or largest == 0.0 else r / largest for r in ratios]
        sched = self.scheduler
        for i, (group, m) in enumerate(zip(groups, multipliers)):
            sched.base_lrs[i] = self.initial[i] * m
            group["lr"] = sched.base_lrs[i] * sched.lr_lambdas[i](sched.last_epoch)
        named = {g["name"]: m for g, m in zip(groups, multipliers)}
        self.history.append({"epoch": epoch, "images": seen, "multipliers": named})
        return named

    def _accumulate_gradients(self, forward, loader, label_smoothing: float) -> int:
        saved = {name: b.detach().clone() for name, b in self.model.named_buffers()}
        self.optimizer.zero_grad(set_to_none=True)
        seen = 0
        for inputs, labels in loader:
            logits = forward(inputs)
            labels = labels.to(logits.device)
            loss = F.cross_entropy(logits, labels, label_smoothing=label_smoothing, reduction="sum")
            self.accelerator.backward(loss)
            seen += int(labels.shape[0])
            if seen >= self.max_images:
                break
        with torch.no_grad():
            for name, buffer in self.model.named_buffers():
                buffer.copy_(saved[name])
        return seen
