"""Execute a plan phase by phase. The engine reads only the plan, never a strategy's name."""

from __future__ import annotations

import platform
import time
from dataclasses import dataclass

import torch
from torch.utils.data import DataLoader

from ..console import make_progress, progress_enabled
from ..data import DataSplits, make_augmentation
from ..errors import PlanError
from ..plans import Plan, ResolvedPhase
from .batchnorm import batchnorm_modules, reestimate_statistics, set_modes
from .devices import make_accelerator
from .loop import AugmentedImages, predict, train_epoch
from .metrics import classification_metrics
from .optim import build_optimizer, build_scheduler, parameter_groups
from .penalties import build_penalty
from .result import EpochRecord, PhaseRecord, RunResult
from .standardize import HeadInputStandardizer
from .seeding import derive_seed, seed_everything, use_deterministic_algorithms
from .trainable import apply_trainable


@dataclass
class RunConfig:
    """How to execute (not what to train): seed, device, precision, evaluation cadence, progress bars."""

    seed: int = 0
    device: str = "auto"
    precision: str = "no"
    eval_every: int = 1
    eval_batch_size: int = 256
    progress: bool = True
    description: str = "adapt"


def prepare_network(plan: Plan, backbone, num_classes: int, seed: int):
    """A private copy of the backbone for this run: random weights if the plan asks, and a new head."""
    seed_everything(derive_seed(seed, "init"))
    net = backbone.random_init_copy() if plan.init == "random" else backbone.clone()
    torch.manual_seed(derive_seed(seed, "head"))
    net.replace_head(num_classes)
    return net


def run_plan(plan: Plan, backbone, data: DataSplits, config: RunConfig | None = None) -> RunResult:
    """Train `backbone` on `data.train` with `plan`; evaluate on validation and test."""
    config = config or RunConfig()
    started = time.perf_counter()
    net = prepare_network(plan, backbone, len(data.classes), config.seed)
    resolved = plan.resolve(net.stage_names)
    accelerator = make_accelerator(config.device, config.precision)
    model = accelerator.prepare_model(net.model)
    device = accelerator.device
    use_deterministic_algorithms(device)

    def normalize(images: torch.Tensor) -> torch.Tensor:
        return net.preprocessing.normalize(images.to(device, non_blocking=True))

    reference = {k: v.detach().clone() for k, v in net.model.state_dict().items()}
    phases: list[PhaseRecord] = []
    history: list[EpochRecord] = []
    with make_progress(transient=True) as progress:
        show = progress_enabled(config.progress)
        for rp in resolved:
            record, epochs = _run_phase(
                rp, net, model, data, accelerator, normalize, reference, config, progress if show else None
            )
            phases.append(record)
            history.extend(epochs)

    metrics, predictions = {}, {}
    for split in ("val", "test"):
        part = getattr(data, split)
        predicted = predict(model, part.images, normalize, accelerator, config.eval_batch_size)
        metrics[split] = classification_metrics(part.labels.numpy(), predicted, data.classes)
        predictions[split] = predicted
    net.model = accelerator.unwrap_model(model)
    total = time.perf_counter() - started
    timing = {"total_seconds": round(total, 3), "phases_seconds": [round(p.seconds, 3) for p in phases]}
    return RunResult(
        plan=plan,
        backbone=net,
        classes=list(data.classes),
        seed=config.seed,
        phases=phases,
        history=history,
        metrics=metrics,
        timing=timing,
        device=_describe_device(device),
        predictions=predictions,
    )


def _run_phase(rp: ResolvedPhase, net, model, data, accelerator, normalize, reference, config, progress):
    phase = rp.phase
    started = time.perf_counter()
    if phase.adapter is not None or phase.params == "lora":
        raise PlanError("Low-rank adapters (params: lora) are not available in this version of transferkit.")
    if phase.alignment is not None:
        raise PlanError("Alignment losses need unlabelled target data, which this version of transferkit cannot use.")
    if phase.auto_rgn:
        raise PlanError("auto_rgn learning rates are not available in this version of transferkit.")

    trainable = apply_trainable(net, rp)
    if not trainable:
        raise PlanError(f"Phase '{phase.name}' trains no parameters; check its 'train' and 'params' settings.")
    groups = parameter_groups(net, rp, trainable)
    optimizer = build_optimizer(rp, groups)
    dataset = AugmentedImages(data.train.images, data.train.labels, make_augmentation(phase.augment, _hw(data)))
    loader = DataLoader(dataset, batch_size=phase.batch_size, shuffle=True, drop_last=_drop_last(len(dataset), phase))
    loader = accelerator.prepare_data_loader(loader)
    scheduler = build_scheduler(optimizer, rp, phase.epochs * len(loader))
    optimizer, scheduler = accelerator.prepare(optimizer, scheduler)
    penalty = build_penalty(phase, net, reference)

    adapt_stages = {s.stage for s in rp.stages if s.bn == "adapt"}
    adapted = 0
    if adapt_stages:
        set_modes(net, rp)
        batches = (normalize(x) for x, _ in _plain_batches(data.train.images, phase.batch_size))
        adapted = reestimate_statistics(model, batchnorm_modules(net, adapt_stages), batches)

    standardizer = None
    if phase.standardize_features:
        set_modes(net, rp)
        standardizer = HeadInputStandardizer.attach(net, data.train.images, normalize, config.eval_batch_size)

    task = progress.add_task(f"{config.description} · {phase.name}", total=phase.epochs, info="") if progress else None
    epochs: list[EpochRecord] = []
    bn_applied: dict[str, str] = {}
    for epoch in range(phase.epochs):
        epoch_started = time.perf_counter()
        torch.manual_seed(derive_seed(config.seed, "phase", rp.index, "epoch", epoch))
        bn_applied = set_modes(net, rp)
        stats = train_epoch(
            model=model,
            loader=loader,
            optimizer=optimizer,
            scheduler=scheduler,
            accelerator=accelerator,
            normalize=normalize,
            label_smoothing=phase.label_smoothing,
            extra_loss=penalty,
            on_step=None,
            phase_name=phase.name,
        )
        last = epoch == phase.epochs - 1
        val_acc = None
        if last or (config.eval_every and (epoch + 1) % config.eval_every == 0):
            predicted = predict(model, data.val.images, normalize, accelerator, config.eval_batch_size)
            val_acc = float((predicted == data.val.labels.numpy()).mean())
        lrs = {k: {"start": stats.lr_start[k], "end": stats.lr_end[k]} for k in stats.lr_start}
        epochs.append(
            EpochRecord(rp.index, epoch, stats.loss, stats.accuracy, val_acc, lrs, time.perf_counter() - epoch_started)
        )
        if task is not None:
            info = f"loss {stats.loss:.3f} · train {stats.accuracy:.1%}"
            if val_acc is not None:
                info += f" · val {val_acc:.1%}"
            progress.update(task, advance=1, info=info)
    if task is not None:
        progress.remove_task(task)
    if standardizer is not None:
        standardizer.fold()

    record = PhaseRecord(
        index=rp.index,
        name=phase.name,
        epochs=phase.epochs,
        stages=_stage_table(net, rp, set(trainable), bn_applied),
        trainable_tensors=sorted(trainable),
        groups=[
            {"name": g["name"], "stage": g["stage"], "lr": g["initial_lr"], "weight_decay": g["weight_decay"],
             "tensors": len(g["param_names"])}
            for g in groups
        ],
        settings=phase.to_dict(),
        bn_applied=bn_applied,
        bn_adapted_images=adapted,
        seconds=time.perf_counter() - started,
    )
    return record, epochs


def _stage_table(net, rp: ResolvedPhase, trainable: set[str], bn_applied: dict[str, str]) -> dict[str, dict]:
    """Per stage: the resolved setting, the batch-norm policy applied (None: no batch norm), parameter counts."""
    table = {
        s.stage: {**s.to_dict(), "bn": bn_applied.get(s.stage), "trainable_params": 0, "frozen_params": 0}
        for s in rp.stages
    }
    for name, param in net.model.named_parameters():
        key = "trainable_params" if name in trainable else "frozen_params"
        table[net.stage_of_param(name)][key] += param.numel()
    return table


def _plain_batches(images: torch.Tensor, batch_size: int):
    for start in range(0, len(images), batch_size):
        yield images[start : start + batch_size], None


def _drop_last(n: int, phase) -> bool:
    """Drop a ragged final batch of one image (batch norm cannot train on it); keep it otherwise."""
    return n % phase.batch_size == 1 and n > phase.batch_size


def _hw(data: DataSplits) -> tuple[int, int]:
    return tuple(data.train.images.shape[-2:])


def _describe_device(device: torch.device) -> str:
    if device.type == "cuda":
        return f"cuda ({torch.cuda.get_device_name(device)})"
    return f"cpu ({platform.processor() or platform.machine()}, {torch.get_num_threads()} threads)"


__all__ = ["RunConfig", "prepare_network", "run_plan"]
