"""Execute a plan phase by phase. The engine reads only the plan, never a strategy's name."""

from __future__ import annotations

import platform
import time
from contextlib import nullcontext
from dataclasses import dataclass, field

import torch

from ..console import make_progress, progress_enabled
from ..data import DataSplits
from ..plans import Plan
from .cache import FeatureCache
from .devices import make_accelerator
from .execution import Execution
from .inputs import ImageInputs
from .loop import NonFiniteLossError
from .metrics import classification_metrics
from .phase_exec import PhaseExecution
from .result import RunResult
from .resume import Checkpointer
from .seeding import derive_seed, seed_everything, use_deterministic_algorithms


@dataclass
class RunConfig:
    """How to execute (not what to train): the seed, the run request's `execution` settings, a name for progress
    bars, and `checkpoints`: where to checkpoint after every epoch and phase, and to resume from when it already
    holds a checkpoint."""

    seed: int = 0
    execution: Execution = field(default_factory=Execution)
    description: str = "adapt"
    checkpoints: Checkpointer | None = None
    eval_batch_size: int = 256


def prepare_network(plan: Plan, backbone, num_classes: int, seed: int):
    """A private copy of the backbone for this run: random weights if the plan asks, and a new head."""
    seed_everything(derive_seed(seed, "init"))
    net = backbone.random_init_copy() if plan.init == "random" else backbone.clone()
    torch.manual_seed(derive_seed(seed, "head"))
    net.replace_head(num_classes)
    return net


def run_plan(plan: Plan, backbone, data: DataSplits, config: RunConfig | None = None) -> RunResult:
    """Train a copy of `backbone` on `data.train` with `plan`; evaluate on validation and test."""
    config = config or RunConfig()
    execution = config.execution
    started = time.perf_counter()
    net = prepare_network(plan, backbone, len(data.classes), config.seed)
    resolved = plan.resolve(net.stage_names)
    accelerator = make_accelerator(execution.device, execution.precision)
    model = accelerator.prepare_model(net.model)
    use_deterministic_algorithms(accelerator.device)
    reference = {k: v.detach().clone() for k, v in net.model.state_dict().items()}
    inputs = ImageInputs(net, model, data, accelerator, config.eval_batch_size)
    feature_cache = FeatureCache(execution.cache, config.seed, accelerator)
    checkpoints = config.checkpoints
    resume = checkpoints.load(net, plan) if checkpoints is not None else None
    final_inputs = inputs  # predictions come from the last phase's inputs (cached activations stay valid)

    phases, history = (resume.phases, resume.history) if resume is not None else ([], [])
    phase_run = None
    domain = None  # the last phase's PhaseDomain (per-domain batch-norm statistics) in domain adaptation
    with make_progress(transient=True) as progress:
        show = progress_enabled(execution.progress)
        for rp in resolved[len(phases):]:
            phase_run = PhaseExecution(rp, net, model, inputs, accelerator, reference, config.seed,
                                       execution.eval_every, feature_cache)
            phase_run.setup(resume.inside(rp.index) if resume is not None else None)
            task = progress.add_task(f"{config.description} · {rp.phase.name}", total=rp.phase.epochs,
                                     completed=len(phase_run.epochs), info="")
            if not show:
                progress.update(task, visible=False)
            for epoch in range(len(phase_run.epochs), rp.phase.epochs):
                record = _run_epoch(phase_run, epoch, checkpoints)
                progress.update(task, advance=1, info=_progress_info(record))
                if checkpoints is not None and epoch + 1 < rp.phase.epochs:
                    checkpoints.save(net, plan, phases, history, phase_run)
            progress.remove_task(task)
            phases.append(phase_run.finish())
            final_inputs = phase_run.inputs
            domain = phase_run.domain
            history.extend(phase_run.epochs)
            if checkpoints is not None:
                checkpoints.save(net, plan, phases, history)

    metrics, predictions = {}, {}
    for split in ("val", "test", "holdout"):
        if getattr(data, split, None) is None:  # a holdout split exists only when asked for
            continue
        # the last phase validated these very weights (unless the run resumed after it)
        reuse = phase_run.val_scores if split == "val" and phase_run is not None else None
        if reuse is not None:
            scores = reuse
        else:
            with domain.evaluating(split) if domain is not None else nullcontext():
                # the holdout is never cached: it goes through the whole network
                scores = (final_inputs if split != "holdout" else inputs).scores(split)
        predicted = scores.argmax(1)
        metrics[split] = classification_metrics(getattr(data, split).labels.numpy(), predicted, data.classes, scores)
        predictions[split] = predicted
    net.model = accelerator.unwrap_model(model)
    total = time.perf_counter() - started + (resume.seconds if resume is not None else 0.0)
    timing = {"total_seconds": round(total, 3), "phases_seconds": [round(p.seconds, 3) for p in phases]}
    return RunResult(plan=plan, backbone=net, classes=list(data.classes), seed=config.seed, phases=phases,
                     history=history, metrics=metrics, timing=timing, device=_describe_device(accelerator.device),
                     predictions=predictions, domain_statistics=domain.statistics if domain is not None else None,
                     resumes=list(checkpoints.resumes) if checkpoints is not None else [])


def _run_epoch(execution: PhaseExecution, epoch: int, checkpoints: Checkpointer | None):
    """One epoch; a non-finite loss also says which checkpoint is kept."""
    try:
        return execution.run_epoch(epoch)
    except NonFiniteLossError as e:
        if checkpoints is None:
            raise
        raise NonFiniteLossError(f"{e} {checkpoints.kept()} Pass --overwrite when you run it again.") from None


def _progress_info(record) -> str:
    info = f"loss {record.train_loss:.3f} · train {record.train_accuracy:.1%}"
    if record.val_accuracy is not None:
        info += f" · val {record.val_accuracy:.1%}"
    return info


def _describe_device(device: torch.device) -> str:
    if device.type == "cuda":
        return f"cuda ({torch.cuda.get_device_name(device)})"
    return f"cpu ({platform.processor() or platform.machine()}, {torch.get_num_threads()} threads)"
