"""Execute a plan phase by phase. The engine reads only the plan, never a strategy's name."""

from __future__ import annotations

import platform
import time
from contextlib import nullcontext
from dataclasses import dataclass, field

import torch

from ..data import DataSplits
from ..plans import Plan
from ..run_progress import RunProgress
from ..settings import Execution, KeepRule
from .checkpoints import Checkpointer, RunToSave
from .feature_cache import FeatureCache
from .inputs import ImageInputs
from .kept_weights import KeptWeights
from .loop import NonFiniteLossError
from .metrics import classification_metrics
from .phase_exec import PhaseExecution, RunContext
from .processes import apply_speedups, describe_processes, main_first, make_accelerator, sync_bn_record
from .result import RunResult
from .seeding import derive_seed, seed_everything, use_deterministic_algorithms
from .stop_request import StopRequest


@dataclass
class RunConfig:
    """How to execute: the seed, the run request's `execution` settings, `keep` (which epoch's weights the run ends
    with, and early stopping), a name for progress bars, `checkpoints`: where to checkpoint after every epoch and
    phase, and to resume from when it already holds a checkpoint, and `stop`: a request to end training early."""

    seed: int = 0
    execution: Execution = field(default_factory=Execution)
    keep: KeepRule = field(default_factory=KeepRule)
    description: str = "adapt"
    checkpoints: Checkpointer | None = None
    eval_batch_size: int = 256
    stop: StopRequest | None = None


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
    net.model = apply_speedups(net.model, execution, accelerator)
    model = accelerator.prepare_model(net.model)
    use_deterministic_algorithms(accelerator.device)
    reference = {k: v.detach().clone() for k, v in net.model.state_dict().items()}
    inputs = ImageInputs(net, model, data, accelerator, config.eval_batch_size)
    shared = RunContext(inputs, reference, config.seed, execution.eval_every,
                        FeatureCache(execution.cache, config.seed, accelerator))
    checkpoints = config.checkpoints
    resume = checkpoints.load(net, plan) if checkpoints is not None else None
    final_inputs = inputs  # predictions come from the last phase's inputs (cached activations stay valid)
    keeper = KeptWeights(config.keep)
    if resume is not None:
        keeper.resume(*resume.kept)

    phases, history = (resume.phases, resume.history) if resume is not None else ([], [])
    so_far = RunToSave(net, plan, phases, history, keeper)  # what every checkpoint saves besides the phase in progress
    phase_run = None
    domain = None  # the last phase's PhaseDomain (per-domain batch-norm statistics) in domain adaptation
    stop, stopped = config.stop or StopRequest(), None
    shown = execution.progress and accelerator.is_main_process
    with RunProgress(config.description, shown) as progress, stop.during_training():
        for rp in resolved[len(phases):]:
            phase_run = PhaseExecution(rp, shared)
            phase_run.setup(resume.inside(rp.index) if resume is not None else None)
            progress.phase(rp.phase.name, phase_run.epochs_to_run, len(phase_run.epochs))
            cut = False  # the phase ends before its planned epochs, on a stop request
            on_step = None if checkpoints is None else _every_steps(
                execution.checkpoint_every, phase_run,
                lambda partial, run=phase_run: checkpoints.save(so_far, run, within=partial))
            for epoch in range(len(phase_run.epochs), phase_run.epochs_to_run):
                progress.epoch_started(epoch)
                record = _run_epoch(phase_run, epoch, checkpoints, progress.batch, on_step)
                run_epoch = len(history) + len(phase_run.epochs)
                keeper.after_epoch(phase_run, record, run_epoch)
                progress.epoch_done(epoch, _progress_info(record), record.seconds)
                if keeper.stops(phase_run):
                    break
                more = epoch + 1 < phase_run.epochs_to_run
                if checkpoints is not None and more:  # as an uninterrupted run writes it, for --resume
                    checkpoints.save(so_far, phase_run)
                if more and _stop_due(stop, rp.index, epoch):
                    phase_run.end_early()
                    keeper.after_epoch(phase_run, record, run_epoch)  # now validated
                    cut = True
                    break
            progress.phase_done()
            phases.append(phase_run.finish())
            keeper.after_phase(phase_run)
            phases[-1].extras.update(_epochs_run(phase_run, config.keep, cut))
            final_inputs = phase_run.inputs
            domain = phase_run.domain
            history.extend(phase_run.epochs)
            if checkpoints is not None and not cut:  # a cut phase did not finish: --resume continues inside it
                checkpoints.save(so_far)
            if (cut or rp.index + 1 < len(resolved)) and _stop_due(stop, rp.index, phase_run.epochs[-1].epoch):
                stopped = _stopped_early(plan, phases, history)
                break

    # the last phase validated these very weights (unless the run resumed after it)
    reuse = phase_run.val_scores if phase_run is not None else None
    metrics, predictions, probabilities = _evaluate((final_inputs, inputs), data, domain, reuse)
    last_metrics = metrics
    kept = keeper.kept()
    if kept is not None:  # an earlier epoch validated better: end with its weights
        keeper.restore(net.model)
        # cached activations hold the last phase's frozen trunk, which an earlier phase's weights may not share
        chosen = final_inputs if kept["phase"] == resolved[-1].index else inputs
        metrics, predictions, probabilities = _evaluate((chosen, inputs), data)
    net.model = accelerator.unwrap_model(model)
    total = time.perf_counter() - started + (resume.seconds if resume is not None else 0.0)
    timing = {"total_seconds": round(total, 3), "phases_seconds": [round(p.seconds, 3) for p in phases]}
    return RunResult(plan=plan, backbone=net, classes=list(data.classes), seed=config.seed, phases=phases,
                     history=history, metrics=metrics, timing=timing, device=_describe_device(accelerator.device),
                     predictions=predictions, domain_statistics=domain.statistics if domain is not None else None,
                     kept=keeper.summary(last_metrics, execution.eval_every), test_probabilities=probabilities,
                     resumes=list(checkpoints.resumes) if checkpoints is not None else [], stopped_early=stopped,
                     processes={**describe_processes(accelerator),
                                "sync_bn": sync_bn_record(execution, accelerator)})


def _evaluate(inputs, data: DataSplits, domain=None, val_scores=None):
    """(metrics, predicted class ids) of the validation, test and (when there is one) holdout splits, and the test
    split's class probabilities. `inputs`: (the inputs for val and test, the whole network's for the holdout)."""
    metrics, predictions, probabilities = {}, {}, None
    for split in ("val", "test", "holdout"):
        if getattr(data, split, None) is None:  # a holdout split exists only when asked for
            continue
        if split == "val" and val_scores is not None:
            scores = val_scores
        else:
            with domain.evaluating(split) if domain is not None else nullcontext():
                # the holdout is never cached: it goes through the whole network
                scores = (inputs[0] if split != "holdout" else inputs[1]).scores(split)
        predicted = scores.argmax(1).numpy()
        if split == "test":
            probabilities = scores.softmax(1).numpy()
        metrics[split] = classification_metrics(getattr(data, split).labels.numpy(), predicted, data.classes,
                                                scores.numpy())
        predictions[split] = predicted
    return metrics, predictions, probabilities


def _epochs_run(execution: PhaseExecution, rule: KeepRule, cut: bool) -> dict:
    """The epochs a phase ran and, with a patience, whether that stopped it early (for the phase's record); `cut`:
    a stop request ended it."""
    run = len(execution.epochs)
    extras: dict = {"epochs_run": run}
    if rule.patience is not None:
        extras["early_stopping"] = {"patience": rule.patience, "stopped": run < execution.phase.epochs and not cut,
                                    "epochs_run": run, "epochs_planned": execution.phase.epochs}
    return extras


def _stopped_early(plan: Plan, phases: list, history: list) -> dict:
    """run.json's `stopped_early`: where a stop request ended training (phase and epoch 0-based), against the plan."""
    last = history[-1]
    return {"by": "user", "phase": last.phase, "phase_name": phases[-1].name, "epoch": last.epoch,
            "epochs_run": len(history), "epochs_planned": sum(p.epochs for p in plan.phases),
            "phases_run": len(phases), "phases_planned": len(plan.phases)}


def _stop_due(stop: StopRequest, phase: int, epoch: int) -> bool:
    """Whether training ends after `epoch` of `phase`, as the main process's request says (every process stops
    together; Ctrl-C reaches the main process)."""
    return main_first(lambda: stop.due(phase, epoch))


def _every_steps(every: int | None, execution: PhaseExecution, save):
    """`on_step(partial)` that calls `save(partial)` every `every` optimizer steps of `execution`'s phase, or None."""
    if every is None:
        return None
    accumulate = execution.phase.grad_accum

    def on_step(partial) -> None:
        if (partial.batches // accumulate) % every == 0:
            save(partial)

    return on_step


def _run_epoch(execution: PhaseExecution, epoch: int, checkpoints: Checkpointer | None, on_batch=None,
               on_step=None):
    """One epoch (`on_batch(done, total)` after each batch, `on_step(partial)` after each optimizer step inside it);
    a non-finite loss also says which checkpoint is kept."""
    try:
        return execution.run_epoch(epoch, on_batch, on_step)
    except NonFiniteLossError as e:
        if checkpoints is None:
            raise
        again = " Pass --overwrite when you run it again." if checkpoints.position is not None else ""
        raise NonFiniteLossError(f"{e} {checkpoints.kept()}{again}") from None


def _progress_info(record) -> str:
    info = f"loss {record.train_loss:.3f}, train accuracy {record.train_accuracy:.1%}"
    if record.val_accuracy is not None:
        info += f", val accuracy {record.val_accuracy:.1%}"
    return info


def _describe_device(device: torch.device) -> str:
    if device.type == "cuda":
        return f"cuda ({torch.cuda.get_device_name(device)})"
    return f"cpu ({platform.processor() or platform.machine()}, {torch.get_num_threads()} threads)"
