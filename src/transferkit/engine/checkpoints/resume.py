"""Checkpoints of a running plan, and resuming from them.

A position is (phase p, e epochs done in it, b batches of the next). The runner writes a checkpoint after every
epoch except a phase's last, every N optimizer steps inside an epoch with `checkpoint_every` (b > 0), and at every
phase boundary after the phase is finished (position (p + 1, 0); after the last phase that is (number of phases, 0),
just before the final evaluation). Resuming at (p, 0, 0) sets phase p up from scratch, as an uninterrupted run would.
Resuming inside phase p sets it up again without measuring anything: batch-norm re-estimation and the head
standardization are restored rather than redone, and the optimizer and schedule continue where they were; inside an
epoch, its batches so far are drawn again without training and the random state of the interruption is put back.
Together with the per-(phase, epoch) seeds this finishes a run bit-identically.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch

from ...errors import RunError
from ...models.fit import mismatch
from ..loop import PartialEpoch
from ..processes.coordination import every_process, process_state
from ..result import EpochRecord, PhaseRecord
from .files import CHECKPOINT_FILE, read_checkpoint, write_checkpoint
from .process_rng import own_entry, own_rng, process_rng_state, restore_process_rng
from .train_state import optimizer_state


@dataclass
class PhaseProgress:
    """A phase in progress as saved: its epochs so far, optimizer, schedule and what its setup measured (the phase
    puts it back itself: PhaseExecution.restore)."""

    epochs: list[EpochRecord]
    optimizer: tuple[dict[str, torch.Tensor], dict[str, Any]]
    scheduler: dict[str, Any]
    bn_adapted_images: int
    standardizer: tuple[torch.Tensor, torch.Tensor] | None
    seconds: float
    extras: dict[str, Any] = field(default_factory=dict)  # the phase's own records so far (see PhaseExecution)
    weights: dict[str, torch.Tensor] | None = None  # loaded here when the phase adds tensors (LoRA adapters)
    path: Path | None = None
    # domain adaptation state (phase_setup/domain.py)
    domain: tuple[dict[str, torch.Tensor], dict[str, Any]] | None = None
    # tensors of the phase's own state (a moving average of weights, the weights the phase started from)
    own: dict[str, torch.Tensor] = field(default_factory=dict)
    # a checkpoint inside an epoch: the epoch so far, and the random state to continue it with
    within: tuple[PartialEpoch, dict[str, torch.Tensor], dict[str, Any]] | None = None


@dataclass
class ResumeState:
    """What a checkpoint gives back to the runner (the weights and generators are restored already)."""

    phase: int
    phases: list[PhaseRecord]
    history: list[EpochRecord]  # epochs of the finished phases
    current: PhaseProgress | None  # the phase in progress, None at a phase boundary
    seconds: float  # run time before this resume
    # the weights the run may end with, and where they come from (see KeptWeights.checkpoint)
    kept: tuple[dict[str, torch.Tensor], dict[str, Any] | None] = field(default_factory=lambda: ({}, None))

    def inside(self, index: int) -> PhaseProgress | None:
        """The saved progress of phase `index` if the run stopped inside it."""
        return self.current if index == self.phase else None


@dataclass(frozen=True)
class RunToSave:
    """What a checkpoint saves of a run besides the phase in progress: the network `net`, the `plan`, the records of
    the finished phases and of their epochs (`phases`, `history`: the lists the runner extends as phases finish) and
    `kept`, whose `checkpoint()` gives the weights the run may end with (KeptWeights; None: none)."""

    net: Any
    plan: Any
    phases: list[PhaseRecord]
    history: list[EpochRecord]
    kept: Any = None


class Checkpointer:
    """The checkpoint of one run, in `folder`. `identity` (JSON-able) must be equal to resume from it;
    `options` are recorded alongside (e.g. how the run was started)."""

    def __init__(self, folder: str | Path, identity: dict[str, Any], options: dict[str, Any] | None = None):
        self.path = Path(folder) / CHECKPOINT_FILE
        self.identity = json.loads(json.dumps(identity))  # compared with what a checkpoint's JSON gives back
        self.options = dict(options or {})
        self.resumes: list[dict[str, Any]] = []
        self.position: dict[str, Any] | None = None  # of the checkpoint last written or read
        self._clock = time.perf_counter()
        self._seconds_before = 0.0

    def seconds(self) -> float:
        """Run time so far, including the time before any resume."""
        return self._seconds_before + time.perf_counter() - self._clock

    def save(self, run: RunToSave, execution=None, within: PartialEpoch | None = None) -> None:
        """Checkpoint between epochs of `execution`'s phase (or inside one: `within`, the epoch so far), or at a phase
        boundary when it is None. Every process calls it (each one's random generators and epoch so far are saved);
        the main process writes the file."""
        index = len(run.phases) if execution is None else execution.rp.index
        done = 0 if execution is None else len(execution.epochs)
        tensors = {f"model.{k}": v.detach().cpu().contiguous() for k, v in run.net.model.state_dict().items()}
        rng_tensors, rng_meta = process_rng_state()
        tensors.update(rng_tensors)
        kept = run.kept.checkpoint() if run.kept is not None else None
        if kept is not None:
            tensors.update(kept[0])
        meta: dict[str, Any] = {
            "identity": self.identity,
            "options": self.options,
            "position": position(run.plan, index, done, within.batches if within is not None else 0),
            "cache_key": None if execution is None else execution.cache_record.get("key"),
            "resumes": self.resumes,
            "phases": [asdict(p) for p in run.phases],
            "history": [e.to_dict() for e in run.history],
            "current": None,
            **rng_meta,
            "seconds": self.seconds(),
            "kept": None if kept is None else kept[1],
        }
        if execution is not None:
            opt_tensors, opt_meta = optimizer_state(execution.optimizer)
            tensors.update(opt_tensors)
            meta["current"] = {
                "epochs": [e.to_dict() for e in execution.epochs],
                "optimizer": opt_meta,
                "scheduler": execution.scheduler.state_dict(),
                "bn_adapted_images": execution.bn_adapted_images,
                "seconds": time.perf_counter() - execution.started,
                "extras": execution.progress_extras(),
                "within": None,
            }
            if within is not None:  # every process's sums so far
                partials = every_process(asdict(within))
                meta["current"]["within"] = partials[0]
                if len(partials) > 1:
                    meta["current"]["process_within"] = partials[1:]
            if execution.domain is not None:
                domain_tensors, meta["current"]["domain"] = execution.domain.state()
                tensors.update({f"domain.{k}": v for k, v in domain_tensors.items()})
            tensors.update({f"phase.{k}": v for k, v in execution.progress_tensors().items()})
            if execution.standardizer is not None:
                tensors["standardize.mean"] = execution.standardizer.mean.detach().cpu().contiguous()
                tensors["standardize.std"] = execution.standardizer.std.detach().cpu().contiguous()
        if process_state().is_main_process:
            write_checkpoint(self.path, tensors, meta)
        self.position = meta["position"]

    def load(self, net, plan) -> ResumeState | None:
        """Restore weights and generators from the checkpoint, if there is one; check it belongs to this run. Every
        process reads it (they must all see it)."""
        seen = every_process(self.path.is_file())
        if any(seen) and not all(seen):
            raise RunError(f"Checkpoint '{self.path}' is visible to {sum(seen)} of the run's {len(seen)} processes; "
                           "put the run directory's folder on a file system that every machine shares.")
        if not seen[0]:
            return None
        tensors, meta = read_checkpoint(self.path)
        if not isinstance(meta.get("identity"), dict):
            raise RunError(f"Checkpoint '{self.path}' does not say which run it belongs to; start over with --overwrite.")
        difference = first_difference(meta.get("identity"), self.identity)
        if difference:
            raise RunError(
                f"The interrupted run in '{self.path.parent}' was started differently ({difference}); "
                "resume with the options it was started with, or start over with --overwrite."
            )
        where = meta.get("position")
        try:
            index, done = int(where["phase"]), int(where["epochs_done"])
        except (KeyError, TypeError, ValueError):
            index, done = -1, -1
        epochs = plan.phases[index].epochs if 0 <= index < len(plan.phases) else 1
        if not (0 <= index <= len(plan.phases) and 0 <= done < epochs):
            raise RunError(f"Checkpoint '{self.path}' has no valid position; start over with --overwrite.")
        weights = {k[6:]: v for k, v in tensors.items() if k.startswith("model.")}
        # a phase that adds tensors (LoRA adapters) was saved with them: load once the phase has added them again
        batches = int(where.get("batches_done") or 0)
        inside_adapters = (done > 0 or batches > 0) and plan.phases[index].params == "lora"
        if not inside_adapters:
            load_weights(net.model, weights, self.path)
        try:
            state = _resume_state(meta, tensors, index)
            if inside_adapters:
                if state.current is None:
                    raise ValueError("no phase in progress")
                state.current.weights, state.current.path = weights, self.path
            restore_process_rng(tensors, meta)
            resumes = [*meta.get("resumes", []), {"phase": index, "phase_name": where.get("phase_name"),
                                                  "epochs_done": done, "batches_done": batches}]
        except (KeyError, TypeError, ValueError, RuntimeError) as e:
            reason = (str(e).strip().splitlines() or [""])[0]
            raise RunError(f"Checkpoint '{self.path}' is damaged ({type(e).__name__}: {reason}); "
                           "start over with --overwrite.") from None
        self.position = where
        self.resumes = resumes
        self._seconds_before = state.seconds
        self._clock = time.perf_counter()
        return state

    def kept(self) -> str:
        """A sentence saying which checkpoint is on disk (for error messages)."""
        if self.position is None:
            return "No checkpoint had been written yet, so nothing is kept."
        return f"The last good checkpoint ({describe_position(self.position)}) is kept in '{self.path}'."


def _resume_state(meta: dict[str, Any], tensors: dict[str, torch.Tensor], index: int) -> ResumeState:
    current = meta["current"]
    progress = None
    if current is not None:
        standardizer = None
        if "standardize.mean" in tensors:
            standardizer = (tensors["standardize.mean"], tensors["standardize.std"])
        progress = PhaseProgress(
            epochs=[EpochRecord(**e) for e in current["epochs"]],
            optimizer=(tensors, current["optimizer"]),
            scheduler=current["scheduler"],
            bn_adapted_images=int(current["bn_adapted_images"]),
            standardizer=standardizer,
            seconds=float(current["seconds"]),
            extras=dict(current.get("extras") or {}),
            own={k[len("phase."):]: v for k, v in tensors.items() if k.startswith("phase.")},
            domain=({k[len("domain."):]: v for k, v in tensors.items() if k.startswith("domain.")},
                    current["domain"]) if current.get("domain") is not None else None,
            within=(PartialEpoch(**own_entry(current["within"], current.get("process_within"))),
                    *own_rng(tensors, meta)) if current.get("within") is not None else None,
        )
    return ResumeState(
        phase=index,
        phases=[PhaseRecord(**p) for p in meta["phases"]],
        history=[EpochRecord(**e) for e in meta["history"]],
        current=progress,
        seconds=float(meta.get("seconds", 0.0)),
        kept=({k: v for k, v in tensors.items() if k.startswith("kept.")}, meta.get("kept")),
    )


def position(plan, index: int, done: int, batches: int = 0) -> dict[str, Any]:
    name = plan.phases[index].name if index < len(plan.phases) else None
    return {"phase": index, "phase_name": name, "epochs_done": done, "batches_done": batches,
            "phases": len(plan.phases)}


def describe_position(where: Any) -> str:
    """'in phase 2 'fine-tune' after 3 epochs', 'before phase 2 'fine-tune'' or 'after the last phase, ...'."""
    if not isinstance(where, dict):
        return "at an unknown position"
    index, done, name = where.get("phase"), where.get("epochs_done"), where.get("phase_name")
    if not isinstance(index, int) or not isinstance(done, int):
        return "at an unknown position"
    if name is None:
        return "after the last phase, before the final evaluation"
    batches = where.get("batches_done") or 0
    inside = f" and {batches} batch{'es' if batches != 1 else ''} of the next" if batches else ""
    if done == 0 and not batches:
        return f"before phase {index + 1} '{name}'"
    return f"in phase {index + 1} '{name}' after {done} epoch{'s' if done != 1 else ''}{inside}"


def first_difference(saved: Any, current: Any, path: str = "") -> str | None:
    """'plan.phases[1].lr: 0.001 then, 0.01 now' for the first place where two JSON-like values differ."""
    if isinstance(saved, dict) and isinstance(current, dict):
        for key in list(saved) + [k for k in current if k not in saved]:
            found = first_difference(saved.get(key), current.get(key), f"{path}.{key}" if path else str(key))
            if found:
                return found
        return None
    if isinstance(saved, (list, tuple)) and isinstance(current, (list, tuple)) and len(saved) == len(current):
        for i, (a, b) in enumerate(zip(saved, current)):
            found = first_difference(a, b, f"{path}[{i}]")
            if found:
                return found
        return None
    if saved != current:
        return f"{path or 'value'}: {_short(saved)} then, {_short(current)} now"
    return None


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def load_weights(model: torch.nn.Module, state: dict[str, torch.Tensor], path: Path) -> None:
    """Load a checkpoint's weights into `model`; RunError naming the checkpoint when they do not fit it."""
    problem = mismatch(model.state_dict(), state)
    if problem:
        raise RunError(f"Checkpoint '{path}' does not fit this network: {problem}; start over with --overwrite.")
    model.load_state_dict(state, strict=True)
