"""One phase of a plan: set what trains, build its optimizer and schedule, run its epochs, record it."""

from __future__ import annotations

import time
from contextlib import nullcontext
from dataclasses import dataclass

import torch

from ..errors import PlanError, RunError
from ..methods import LowRankAdapters
from ..plans import ResolvedPhase
from .checkpoints import PhaseProgress, load_optimizer_state, load_weights, restore_rng
from .feature_cache import FeatureCache
from .inputs import ImageInputs
from .loop import EpochCourse, EpochStats, TrainingStep, train_epoch
from .probe_fit import fit_probe, lbfgs_blocker
from .phase_setup import (AutoRGN, HeadInputStandardizer, PhaseDomain, TrainingObjective, UnlabeledTerm,
                          WISE_GRID, WeightAverage, WeightInterpolation, apply_trainable, balanced_class_weights,
                          batchnorm_modules, build_optimizer, build_penalty, build_scheduler, parameter_groups,
                          reestimate_statistics, set_modes, unlabeled_of)
from .processes import share_buffers
from .result import EpochRecord, PhaseRecord
from .seeding import epoch_seed


@dataclass(frozen=True)
class RunContext:
    """What the phases of one run share: `inputs`, the run's images through the whole network (they hold the network
    `net`, the prepared `model` and the `accelerator`); `reference`, the weights the run started from (L2-SP pulls
    towards them); the run `seed`; `eval_every`, the validation cadence; and the run's feature cache (None: none)."""

    inputs: ImageInputs
    reference: dict[str, torch.Tensor]
    seed: int
    eval_every: int = 1
    feature_cache: FeatureCache | None = None


class PhaseExecution:
    """Runs one resolved phase. `setup()` once, `run_epoch(e)` for each epoch, then `finish()`."""

    def __init__(self, rp: ResolvedPhase, run: RunContext):
        self.rp, self.phase = rp, rp.phase
        inputs = run.inputs
        self.net, self.model, self.inputs, self.accelerator = inputs.net, inputs.model, inputs, inputs.accelerator
        self.image_inputs = inputs  # `inputs` may become cached activations in setup()
        self.feature_cache = run.feature_cache
        self.cache_record: dict = {"used": False, "reason": "no feature cache was configured"}
        self.reference, self.seed, self.eval_every = run.reference, run.seed, run.eval_every
        self.started = time.perf_counter()
        self.bn_applied: dict[str, str] = {}
        self.bn_adapted_images = 0
        self.standardizer: HeadInputStandardizer | None = None
        self.domain: PhaseDomain | None = None
        self.adapters: LowRankAdapters | None = None
        self.rgn: AutoRGN | None = None
        self.ema: WeightAverage | None = None
        self.unlabeled: UnlabeledTerm | None = None
        self.batches_per_epoch = 0  # set in setup(): the loader's batches, at most max_steps
        self.wise: WeightInterpolation | None = None
        self.wise_val_accuracy: float | None = None  # of the mixed weights the phase ends with
        self.resume_within = None  # (PartialEpoch, rng tensors, rng meta) of a mid-epoch checkpoint to continue
        self.penalty_values: dict = {}
        self.val_scores = None  # of the phase's final weights, while finish() leaves them unchanged
        self.epochs: list[EpochRecord] = []
        self.by_lbfgs = False  # the head is fitted once, to convergence (see probe_fit.py)
        self.fit_record: dict | None = None

    def setup(self, resume: PhaseProgress | None = None) -> None:
        """Trainable set, optimizer, loader, schedule, penalties; batch-norm re-estimation and standardization.

        With `resume` (the saved progress of this phase) nothing is measured again: the saved statistics,
        optimizer and schedule state are put back instead.
        """
        phase, rp = self.phase, self.rp
        if phase.wise is not None:  # the weights the phase starts from (a resumed phase has them back below)
            self.wise = WeightInterpolation.at_start(self.net.model)
        if phase.params == "lora":
            body = [s for s in rp.trainable_stages if s != "head"]
            self.adapters = LowRankAdapters.attach(self.net, body, **phase.adapter)
        self._check_processes()
        self.trainable = apply_trainable(self.net, rp)
        if not self.trainable:
            raise PlanError(f"Phase '{phase.name}' trains no parameters; check its 'train' and 'params' settings.")
        self.ema = WeightAverage.for_phase(phase, self.net.model, self.trainable)
        self.groups = parameter_groups(self.net, rp, self.trainable)
        optimizer = build_optimizer(rp, self.groups)
        self.domain = PhaseDomain.for_phase(self)
        self.unlabeled = self._unlabeled_term()
        if resume is None:
            self._adapt_batchnorm()  # (a resumed run has its re-estimated statistics back in its weights)
        if self.domain is not None:  # the trunk's statistics depend on the domain of each batch: no single cache
            self.cache_record = {"used": False, "reason": "domain adaptation: batch-norm statistics per domain and "
                                                          "target batches through the whole network"}
        elif self.feature_cache is not None:  # after batch-norm re-estimation: the cache holds the adapted trunk
            set_modes(self.net, rp)
            self.inputs, self.cache_record = self.feature_cache.inputs_for(rp, self.net, self.inputs)
        self.loader = self.inputs.train_loader(phase)
        train = self.inputs.data.train
        class_weights = (balanced_class_weights(train.labels, len(self.inputs.data.classes))
                         if phase.class_weights == "balanced" else None)
        self.objective = TrainingObjective(self.inputs, phase, class_weights)
        self.batches_per_epoch = len(self.loader) if phase.max_steps is None else min(len(self.loader), phase.max_steps)
        steps = phase.epochs * -(-self.batches_per_epoch // phase.grad_accum)
        scheduler = build_scheduler(optimizer, rp, steps, self.accelerator.num_processes)
        self.optimizer, self.scheduler = self.accelerator.prepare(optimizer, scheduler)
        if self.domain is not None:
            self.domain.setup(len(self.loader))
        if phase.auto_rgn:
            self.rgn = AutoRGN(self.model, self.optimizer, self.scheduler, self.accelerator)
        self.penalty = build_penalty(phase, self.net, self.reference)
        if self.penalty is not None:
            self.penalty_values = {"phase_start": self.penalty.values(), "epoch_end": []}
        if resume is not None:
            self.restore(resume)
        else:
            self._measure()
        self._choose_fit()

    def _choose_fit(self) -> None:
        """A `fit: lbfgs` phase is fitted by L-BFGS where it can be; else it trains with its optimizer, recorded."""
        if self.phase.fit != "lbfgs":
            return
        blocker = lbfgs_blocker(self)
        self.by_lbfgs = blocker is None
        if blocker is not None:
            self.fit_record = {"method": "sgd", "asked": "lbfgs", "why": blocker}

    @property
    def epochs_to_run(self) -> int:
        """The phase's epochs, or 1 when the head is fitted at once by L-BFGS."""
        return 1 if self.by_lbfgs else self.phase.epochs

    def restore(self, progress: PhaseProgress) -> None:
        """Put back the saved progress of this phase; setup() calls it once the optimizer and schedule are built."""
        if progress.weights is not None:
            load_weights(self.net.model, progress.weights, progress.path)
        if self.penalty is not None and "regularizer_values" in progress.extras:
            self.penalty_values = progress.extras["regularizer_values"]
        if self.wise is not None:
            self.wise.start = {k[5:]: v.to(self.wise.start[k[5:]].device) for k, v in progress.own.items()
                               if k.startswith("wise.")}
        if self.unlabeled is not None:
            self.unlabeled.history = [dict(h) for h in progress.extras.get("semi_supervised", [])]
        if self.ema is not None:
            self.ema.restore({k[4:]: v for k, v in progress.own.items() if k.startswith("ema.")},
                             progress.extras["ema"])
        if self.rgn is not None and "auto_rgn" in progress.extras:
            self.rgn.history = list(progress.extras["auto_rgn"])
        self.epochs = list(progress.epochs)
        self.resume_within = progress.within
        self.bn_adapted_images = progress.bn_adapted_images
        self.started -= progress.seconds
        if progress.standardizer is not None:
            self.standardizer = HeadInputStandardizer(self.net.head_module(), *progress.standardizer)
        if progress.domain is not None and self.domain is not None:
            self.domain.restore(*progress.domain, stages=self.adapt_stages())
        try:
            load_optimizer_state(self.optimizer, *progress.optimizer)
            self.scheduler.load_state_dict(progress.scheduler)
        except (KeyError, ValueError, TypeError) as e:
            reason = (str(e).strip().splitlines() or [type(e).__name__])[0]
            raise RunError(f"The checkpoint's optimizer state does not fit phase '{self.phase.name}' "
                           f"({reason}); start over with --overwrite.") from None

    def _check_processes(self) -> None:
        """PlanError for what trains parameters outside the data-parallel model (they would differ per process)."""
        if self.accelerator.num_processes == 1:
            return
        phase, outside = self.phase, None
        if phase.params == "lora":
            outside = "low-rank adapters"
        elif phase.auto_rgn:
            outside = "auto-RGN learning rates"
        elif unlabeled_of(self.inputs.data) is not None:
            outside = "domain adaptation"
        elif phase.semi_supervised != "none":
            outside = "semi-supervised fine-tuning (a second pass of unlabelled images per step)"
        if outside is not None:
            raise PlanError(f"Phase '{phase.name}' uses {outside}, which trains in one process only; launch it "
                            "without several processes.")

    def progress_extras(self) -> dict:
        """The phase's own records so far (JSON), kept in checkpoints so that a resumed phase records them all."""
        extras = {}
        if self.penalty is not None:
            extras["regularizer_values"] = self.penalty_values
        if self.rgn is not None:
            extras["auto_rgn"] = self.rgn.history
        if self.ema is not None:
            extras["ema"] = self.ema.state()[1]
        if self.unlabeled is not None:
            extras["semi_supervised"] = self.unlabeled.history
        return extras

    def _unlabeled_term(self) -> UnlabeledTerm | None:
        """The semi-supervised loss of the phase; PlanError where the run has no unlabelled target images."""
        method = self.phase.semi_supervised
        if method == "none":
            return None
        data = self.inputs.data
        if unlabeled_of(data) is not None or getattr(data, "unlabeled", None) is None:
            raise PlanError(f"Phase '{self.phase.name}' learns from unlabelled images of the target ({method}); pass "
                            "--unlabeled with images of the target's own distribution, and no --source.")
        return UnlabeledTerm(self, data.unlabeled)

    def progress_tensors(self) -> dict:
        """The phase's own tensors so far (a moving average of weights), kept in checkpoints."""
        tensors = {f"ema.{k}": v for k, v in self.ema.state()[0].items()} if self.ema is not None else {}
        if self.wise is not None:
            tensors.update({f"wise.{k}": v for k, v in self.wise.state().items()})
        return tensors

    def _measure(self) -> None:
        """What a phase measures once at its start, after batch-norm re-estimation: head-input mean and std."""
        if self.phase.standardize_features:
            set_modes(self.net, self.rp)
            with self._on_training_data():
                self.standardizer = HeadInputStandardizer.from_features(self.net, self.inputs.train_features())

    def adapt_stages(self) -> set[str]:
        return {s.stage for s in self.rp.stages if s.bn == "adapt"}

    def _adapt_batchnorm(self) -> None:
        stages = self.adapt_stages()
        if not stages:
            return
        set_modes(self.net, self.rp)
        if self.domain is not None:  # statistics per domain: the target's are the unlabelled images'
            self.bn_adapted_images = self.domain.measure_batchnorm(stages)
            return
        batches = self.inputs.image_batches(self.inputs.data.train.images, self.phase.batch_size)
        self.bn_adapted_images = reestimate_statistics(self.model, batchnorm_modules(self.net, stages), batches)

    def _on_training_data(self):
        """Batch-norm statistics of the training images' domain (differs from the target's only in domain adaptation)."""
        return self.domain.on_source() if self.domain is not None else nullcontext()

    def _extra_loss(self):
        """The phase's regularizers plus its alignment loss, as one closure (None when there is neither)."""
        align = self.domain.loss if self.domain is not None and self.domain.alignment is not None else None
        terms = [t for t in (self.penalty, align, self.unlabeled) if t is not None]
        if not terms:
            return None
        return terms[0] if len(terms) == 1 else (lambda: sum(term() for term in terms))

    def _training_step(self) -> TrainingStep:
        return TrainingStep(
            objective=self.objective,
            optimizer=self.optimizer,
            scheduler=self.scheduler,
            accelerator=self.accelerator,
            extra_loss=self._extra_loss(),
            before_step=self.domain.before_step if self.domain is not None else self.inputs.before_step,
            accumulate=self.phase.grad_accum,
            phase_name=self.phase.name,
            after_step=self.ema.update if self.ema is not None else None,
        )

    @property
    def checkpoints_inside_epochs(self) -> bool:
        """Whether an epoch can be checkpointed and resumed mid-way: not where its start measures the weights
        (Auto-RGN) or draws other data (domain adaptation)."""
        return self.rgn is None and self.domain is None

    def run_epoch(self, epoch: int, on_batch=None, on_step=None) -> EpochRecord:
        """Train one epoch (seeded by run seed, phase and epoch, so any epoch can be replayed) and evaluate;
        `on_batch(done, total)` is called after each batch, `on_step(partial)` after each optimizer step inside it.
        A phase resumed from a mid-epoch checkpoint continues that epoch where it stopped."""
        if self.by_lbfgs:
            return self._fit_head(epoch)
        started = time.perf_counter()
        within, self.resume_within = self.resume_within, None
        torch.manual_seed(epoch_seed(self.seed, self.rp.index, epoch, self.accelerator.process_index))
        if self.ema is not None:
            self.ema.train()  # the live weights train; the average was shown since the last epoch
        self.bn_applied = set_modes(self.net, self.rp)
        self.inputs.set_epoch(epoch)
        if self.rgn is not None:
            self.rgn.update(self.inputs.forward, self.loader, epoch, self.phase.label_smoothing)
        if self.domain is not None:
            self.domain.start_epoch(epoch)
        if self.unlabeled is not None:
            self.unlabeled.start_epoch(epoch, within[0].batches if within is not None else 0)
        course = EpochCourse(
            max_batches=self.phase.max_steps,
            resume_from=within[0] if within is not None else None,
            after_skip=(lambda: restore_rng(*within[1:])) if within is not None else None,
            on_batch=on_batch,
            on_step=on_step if self.checkpoints_inside_epochs else None,
        )
        with self._on_training_data():
            stats: EpochStats = train_epoch(loader=self.loader, step=self._training_step(), course=course)
        share_buffers(self.net.model)  # batch-norm statistics as the main process's (which its checkpoint holds)
        if self.ema is not None:
            self.ema.show()  # validation, the kept weights and checkpoints see the average
        if self.domain is not None:
            self.domain.end_epoch(epoch)
        if self.penalty is not None:
            self.penalty_values["epoch_end"].append({"epoch": epoch, **self.penalty.values()})
        last = epoch == self.phase.epochs - 1
        val_accuracy = None
        if last or (self.eval_every and (epoch + 1) % self.eval_every == 0):
            scores, val_accuracy = self._validate()
            self.val_scores = scores if last else None
        lrs = {k: {"start": stats.lr_start[k], "end": stats.lr_end[k]} for k in stats.lr_start}
        record = EpochRecord(self.rp.index, epoch, stats.loss, stats.accuracy, val_accuracy, lrs,
                             time.perf_counter() - started, images=stats.images)
        self.epochs.append(record)
        return record

    def _fit_head(self, epoch: int) -> EpochRecord:
        """The head fitted by L-BFGS on the cached features of the training images, its L2 strength chosen on
        the validation images' (standardized first when the phase standardizes)."""
        started = time.perf_counter()
        self.bn_applied = set_modes(self.net, self.rp)
        data, store = self.inputs.data, self.inputs.store
        train, val = store.rows("train", 0, len(data.train)).double(), store.rows("val", 0, len(data.val)).double()
        if self.standardizer is not None:
            mean, std = self.standardizer.mean, self.standardizer.std
            train, val = (train - mean) / std, (val - mean) / std
        fit = fit_probe((train, data.train.labels), (val, data.val.labels), len(data.classes))
        head = self.net.head_module()
        with torch.no_grad():
            head.weight.copy_(fit.weight.to(head.weight))
            head.bias.copy_(fit.bias.to(head.bias))
        self.fit_record = fit.record()
        self.val_scores, val_accuracy = self._validate()
        record = EpochRecord(self.rp.index, epoch, fit.train_loss, fit.train_accuracy, val_accuracy, {},
                             time.perf_counter() - started, images=len(data.train))
        self.epochs.append(record)
        return record

    def end_early(self) -> None:
        """The phase ends after the epoch just trained (a stop request): validate it, as a phase's last epoch is."""
        self.val_scores, self.epochs[-1].val_accuracy = self._validate()

    def _validate(self):
        """(scores, accuracy) of the current weights on the validation split."""
        with self.domain.evaluating("val") if self.domain is not None else nullcontext():
            scores = self.inputs.scores("val")
        return scores, float((scores.argmax(1).numpy() == self.inputs.data.val.labels.numpy()).mean())

    def finish(self) -> PhaseRecord:
        """Fold the standardized head, record exactly what the phase did, then merge any adapters."""
        if self.standardizer is not None or self.adapters is not None or self.domain is not None:
            self.val_scores = None  # folding, merging and per-domain statistics change the outputs
        if self.standardizer is not None:
            self.standardizer.fold()
        trainable = set(self.trainable)
        record = PhaseRecord(
            index=self.rp.index,
            name=self.phase.name,
            epochs=self.phase.epochs,
            stages=self._stage_table(trainable),
            trainable_tensors=sorted(trainable),
            groups=[
                {"name": g["name"], "stage": g["stage"], "lr": g["initial_lr"], "weight_decay": g["weight_decay"],
                 "tensors": len(g["param_names"])}
                for g in self.groups
            ],
            settings=self.phase.to_dict(),
            bn_applied=self.bn_applied,
            bn_adapted_images=self.bn_adapted_images,
            seconds=time.perf_counter() - self.started,
            extras={"inputs": self.inputs.describe(), "feature_cache": self.cache_record,
                    **({"fit": self.fit_record} if self.fit_record is not None else {})},
            tensor_stages={n: self.net.stage_of_param(n) for n in trainable},
        )
        if self.domain is not None:
            record.extras["domain_adaptation"] = self.domain.finish()
        if self.rgn is not None:
            record.extras["auto_rgn"] = self.rgn.history
        if self.ema is not None:
            record.extras["ema"] = self.ema.describe()
        if self.unlabeled is not None:
            record.extras["semi_supervised"] = self.unlabeled.record()
        if self.penalty is not None:
            record.extras["regularizer_values"] = self.penalty_values
        if self.adapters is not None:
            record.extras["adapter_applied"] = self._merge_adapters()
        if self.wise is not None:
            record.extras["wise_ft"] = self._mix_with_start()
        return record

    def _mix_with_start(self) -> dict:
        """WiSE-FT: mix the phase's final weights with its starting ones at the given or validated alpha."""
        phase, reestimate = self.phase, None
        if phase.wise_bn == "reestimate":
            self.inputs = self.image_inputs  # the trunk's statistics change: no cached activations hold them
            modules = batchnorm_modules(self.net, set(self.net.stage_names))

            def reestimate() -> int:
                batches = self.inputs.image_batches(self.inputs.data.train.images, phase.batch_size)
                return reestimate_statistics(self.model, modules, batches)

        self.wise_val_accuracy = self.wise.choose(phase.wise, lambda: self._validate()[1], reestimate)
        self.val_scores = None
        before = (f"the weights phase {self.rp.index} ended with" if self.rp.index else
                  "the pretrained weights with the new head")
        return {**self.wise.record, "val_accuracy": self.wise_val_accuracy,
                "alpha_0": f"{before} (where phase '{phase.name}' started)",
                "alpha_1": f"the weights phase '{phase.name}' ended with"
                           + (" (its moving average)" if self.ema is not None else ""),
                "batch_norm": ("running statistics interpolated like the weights" if reestimate is None else
                               "running statistics measured again on the training images after mixing"),
                "grid": list(WISE_GRID) if phase.wise == "auto" else None}

    @torch.no_grad()
    def _merge_adapters(self, images: int = 256) -> dict:
        """Merge the adapters into the base weights; measure that the outputs stay the same on validation images."""
        described = self.adapters.describe()
        self.model.eval()
        inputs = self.image_inputs
        batches = list(inputs.image_batches(inputs.data.val.images[:images], inputs.eval_batch_size))
        before = [self.model(b) for b in batches]
        self.adapters.merge()
        after = [self.model(b) for b in batches]
        diff = max((float((a - b).abs().max()) for a, b in zip(after, before)), default=0.0)
        return {**described, "merged": True, "merge_check_images": sum(len(b) for b in batches),
                "merge_max_abs_diff": diff}

    def _stage_table(self, trainable: set[str]) -> dict[str, dict]:
        """Per stage: the resolved setting, the batch-norm policy applied (None: no batch norm), parameter counts."""
        table = {
            s.stage: {**s.to_dict(), "bn": self.bn_applied.get(s.stage), "trainable_params": 0, "frozen_params": 0}
            for s in self.rp.stages
        }
        for name, param in self.net.model.named_parameters():
            key = "trainable_params" if name in trainable else "frozen_params"
            table[self.net.stage_of_param(name)][key] += param.numel()
        return table
