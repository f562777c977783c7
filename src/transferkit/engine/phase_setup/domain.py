"""What a phase does with unlabelled target images in a domain-adaptation run (data with `unlabeled` images).

Batch norm: the stages whose policy is `adapt` keep two sets of running statistics, both measured at phase start
(AdaBN): the source's, on the labelled training images, used while training on them, and the target's, on the
unlabelled images, used for everything else (target batches of the alignment loss, evaluation, the saved model).
When the phase trained any stage, the target statistics are measured again at phase end with the trained weights.

Alignment: the head's input features of each labelled (source) batch, read by a forward pre-hook on the head, are
aligned with those of a batch of unlabelled target images by the phase's alignment loss (registered in methods/),
times its `weight`; a loss that uses logits also gets the head's outputs on both batches, read by a forward hook. A loss registered with a critic has its own optimizer (the phase's kind, at the head's current
learning rate).
"""

from __future__ import annotations

import hashlib
from contextlib import nullcontext

import torch
from torch.utils.data import DataLoader

from ...data import phase_augmentation
from ...data.domain_data import DomainSplits
from ...errors import PlanError
from ...methods import DomainStatistics, alignment_method
from ..batches import AugmentedImages, drop_ragged_batch
from ..checkpoints.train_state import load_optimizer_state, optimizer_state
from ..seeding import derive_seed
from .batchnorm import batchnorm_modules, reestimate_statistics
from .optim import build_optimizer


class FeatureTap:
    """Keeps the latest input of a module (the head: pooled features) and its output (logits) while attached."""

    def __init__(self, module: torch.nn.Module):
        self.value: torch.Tensor | None = None
        self.output: torch.Tensor | None = None
        self._hooks = [module.register_forward_pre_hook(self._keep), module.register_forward_hook(self._keep_output)]

    def _keep(self, _module, args) -> None:
        self.value = args[0]

    def _keep_output(self, _module, _args, output) -> None:
        self.output = output

    def remove(self) -> None:
        for hook in self._hooks:
            hook.remove()


def unlabeled_of(data):
    """The unlabelled target images of a domain-adaptation run, else None."""
    return data.unlabeled if isinstance(data, DomainSplits) else None


class PhaseDomain:
    """Built by `for_phase` in a phase's setup; the phase calls the other methods at the matching moments."""

    def __init__(self, execution, unlabeled):
        self.execution, self.phase, self.unlabeled = execution, execution.phase, unlabeled
        self.statistics: DomainStatistics | None = None
        self.alignment = None
        self.critic = False
        self.critic_optimizer = None
        self.tap: FeatureTap | None = None
        self.steps, self.total_steps = 0, 1
        self.history: list[dict] = []
        self._target_batches = None
        self._epoch_losses: list[float] = []

    @classmethod
    def for_phase(cls, execution) -> PhaseDomain | None:
        """A PhaseDomain when the run has unlabelled target images; PlanError if the phase needs them and there
        are none."""
        unlabeled = unlabeled_of(execution.inputs.data)
        if unlabeled is None:
            if execution.phase.alignment is not None:
                method = execution.phase.alignment["method"]
                raise PlanError(f"Phase '{execution.phase.name}' aligns features with unlabelled target images "
                                f"(alignment: {method}); pass --source (labelled source) and --unlabeled (target "
                                "images).")
            return None
        return cls(execution, unlabeled)

    # -- setup ----------------------------------------------------------------------------------------

    def setup(self, steps_per_epoch: int) -> None:
        """Alignment loss (seeded), its optimizer when it has parameters, and the feature tap."""
        ex = self.execution
        self.total_steps = max(1, self.phase.epochs * steps_per_epoch)
        self.steps = len(ex.epochs) * steps_per_epoch
        settings = self.phase.alignment
        if settings is None:
            return
        method = alignment_method(settings["method"])
        device = next(ex.net.model.parameters()).device
        with torch.random.fork_rng(devices=[device.index or 0] if device.type == "cuda" else []):
            torch.manual_seed(derive_seed(ex.seed, "alignment", ex.rp.index))
            self.alignment = method.build(settings, ex.net.feature_dim, ex.net.num_classes).to(device)
        self.critic = method.critic
        if self.critic:
            group = {"params": list(self.alignment.parameters()), "lr": self.phase.lr,
                     "weight_decay": self.phase.weight_decay}
            self.critic_optimizer = build_optimizer(ex.rp, [group])
        self.tap = FeatureTap(ex.net.head_module())

    def measure_batchnorm(self, stages: set[str]) -> int:
        """Source statistics from the training images, target statistics from the unlabelled images; the target's
        stay in the layers. Returns the number of target images."""
        ex = self.execution
        self.statistics = DomainStatistics(batchnorm_modules(ex.net, stages))
        seen = 0
        for domain, images in (("source", ex.inputs.data.train.images), ("target", self.unlabeled.images)):
            seen = reestimate_statistics(ex.model, self.statistics.modules,
                                         ex.inputs.image_batches(images, self.phase.batch_size))
            self.statistics.capture(domain)
        return seen

    # -- training -------------------------------------------------------------------------------------

    def on_source(self):
        """Context for training on the labelled source batches: source statistics in the adapted layers."""
        return self.statistics.using("source") if self.statistics is not None else nullcontext()

    def evaluating(self, split: str):
        """Context for evaluating a split: each domain's images with that domain's statistics."""
        if self.statistics is None or self.execution.inputs.data.domain_of(split) == "target":
            return nullcontext()
        return self.statistics.using("source")

    def start_epoch(self, epoch: int) -> None:
        """Shuffle the unlabelled images afresh (the epoch's seed is set already)."""
        self._epoch_losses = []
        if self.alignment is None:
            return
        images = self.unlabeled.images
        augment = phase_augmentation(self.phase.augment, self.phase.randaugment, tuple(images.shape[-2:]),
                                     self.execution.inputs.data.flip, self.execution.net.preprocessing)
        dataset = AugmentedImages(images, torch.zeros(len(images), dtype=torch.int64), augment)
        size = min(self.phase.batch_size, len(images))
        self._loader = DataLoader(dataset, batch_size=size, shuffle=True,
                                  drop_last=drop_ragged_batch(len(dataset), size))
        self._target_batches = iter(self._loader)

    def _next_target(self) -> torch.Tensor:
        try:
            return next(self._target_batches)[0]
        except StopIteration:
            self._target_batches = iter(self._loader)
            return next(self._target_batches)[0]

    def loss(self) -> torch.Tensor:
        """weight x alignment(source features of the batch just seen, features of a target batch), with the head's
        outputs on both as `source_logits` and `target_logits` for a loss that uses logits."""
        source, source_logits = self.tap.value, self.tap.output
        with self.statistics.using("target") if self.statistics is not None else nullcontext():
            self.execution.inputs.forward(self._next_target())
        target = self.tap.value
        logits = {"source_logits": source_logits, "target_logits": self.tap.output} if self.alignment.uses_logits \
            else {}
        self.alignment.progress(self.steps / self.total_steps)
        value = float(self.phase.alignment.get("weight", 1.0)) * self.alignment(source, target, **logits)
        self._epoch_losses.append(float(value.detach()))
        self.steps += 1
        return value

    def before_step(self) -> None:
        """Step the critic with the head's current learning rate (gradients are in place)."""
        if self.critic_optimizer is None:
            return
        head_lr = max(g["lr"] for g in self.execution.optimizer.param_groups)
        for group in self.critic_optimizer.param_groups:
            group["lr"] = head_lr
        self.critic_optimizer.step()
        self.critic_optimizer.zero_grad(set_to_none=True)

    def end_epoch(self, epoch: int) -> None:
        if self.alignment is None:
            return
        entry = {"epoch": epoch, "alignment_loss": sum(self._epoch_losses) / max(len(self._epoch_losses), 1)}
        self.history.append({**entry, **self.alignment.epoch_record()})

    # -- end, record, checkpoints ---------------------------------------------------------------------

    def finish(self) -> dict:
        """Remove the tap and describe what was done. Each domain keeps the statistics it trained with (measured at
        the phase's start): re-measuring them with the trained weights lowered target accuracy by 4 to 9 points on
        benchmarks/domain_adaptation_real.py, since the weights had learned to work with the measured ones."""
        if self.tap is not None:
            self.tap.remove()
        record: dict = {"unlabeled_images": len(self.unlabeled), "unlabeled": self.unlabeled.spec}
        if self.statistics is not None:
            record["batchnorm"] = {
                "layers": len(self.statistics.modules), "per_domain": True,
                "measured": "once, at the phase's start; training used them and they are kept",
                "mean_shift_in_source_std": round(self.statistics.shift(), 4)}
            self.statistics.use("target")
        if self.alignment is not None:
            record["alignment"] = {**self.phase.alignment, "features": self.alignment.reads,
                                   "steps": self.steps, "history": self.history}
            if self.critic:
                params = list(self.alignment.parameters())
                digest = hashlib.sha256()
                for name, tensor in sorted(self.alignment.state_dict().items()):
                    digest.update(name.encode())
                    digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
                record["alignment"]["critic"] = {
                    "layers": self.alignment.critic_layers(), "parameters": sum(p.numel() for p in params),
                    "trained": True, "optimizer": type(self.critic_optimizer).__name__.lower(),
                    "sha256": digest.hexdigest()}
        return record

    def state(self) -> tuple[dict[str, torch.Tensor], dict]:
        """Tensors and JSON for a checkpoint taken between epochs."""
        tensors: dict[str, torch.Tensor] = {}
        meta: dict = {"steps": self.steps, "history": self.history}
        if self.statistics is not None:
            for domain, values in self.statistics.saved.items():
                for i, (mean, var) in enumerate(values):
                    tensors[f"bn.{domain}.{i}.mean"] = mean.detach().cpu().contiguous()
                    tensors[f"bn.{domain}.{i}.var"] = var.detach().cpu().contiguous()
        if self.alignment is not None:
            for name, value in self.alignment.state_dict().items():
                tensors[f"alignment.{name}"] = value.detach().cpu().contiguous()
        if self.critic_optimizer is not None:
            opt_tensors, meta["critic_optimizer"] = optimizer_state(self.critic_optimizer, prefix="critic")
            tensors.update(opt_tensors)
        return tensors, meta

    def restore(self, tensors: dict[str, torch.Tensor], meta: dict, stages: set[str]) -> None:
        """Put back what `state()` saved (the phase's setup has just rebuilt the objects)."""
        self.steps, self.history = int(meta["steps"]), list(meta["history"])
        if stages:
            ex = self.execution
            self.statistics = DomainStatistics(batchnorm_modules(ex.net, stages))
            for domain in ("source", "target"):
                self.statistics.saved[domain] = [
                    (tensors[f"bn.{domain}.{i}.mean"], tensors[f"bn.{domain}.{i}.var"])
                    for i in range(len(self.statistics.modules))]
            self.statistics.current = None
            self.statistics.use("target")
        if self.alignment is not None:
            state = {k[len("alignment."):]: v for k, v in tensors.items() if k.startswith("alignment.")}
            self.alignment.load_state_dict(state)
        if self.critic_optimizer is not None:
            load_optimizer_state(self.critic_optimizer, tensors, meta["critic_optimizer"], prefix="critic")
