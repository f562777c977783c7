"""Step 1: train an architecture from random weights on a source data set and write a reusable model directory."""

from __future__ import annotations

import contextlib
import dataclasses

from ..data import Preprocessing
from ..diagnosis import LabelledImages, compute_source_statistics, save_source_statistics
from ..engine import RunConfig, run_plan
from ..errors import Interrupted
from ..files import write_json
from ..models import save_model_dir
from ..plans import Phase, Plan
from .identity import resume_summary, run_identity
from .loading import load_model, load_splits
from .record import build_record
from .shared_partial_run import open_partial_run
from ..settings import Output, RunSpec

# step 1's own defaults, used where the spec's overrides leave a setting open
PRETRAIN_EPOCHS, PRETRAIN_LR, PRETRAIN_BATCH = 4, 2e-3, 128
PRETRAIN_HELD_OUT = 0.05  # validation and test fractions of the source


def pretrain_plan(spec: RunSpec) -> Plan:
    """One phase that trains every stage from random weights (AdamW, cosine schedule with warm-up)."""
    o = spec.overrides
    epochs, lr = o.epochs or PRETRAIN_EPOCHS, o.lr or PRETRAIN_LR
    phase = Phase(name="pretrain", epochs=epochs, train=["all"], lr=lr, batch_size=o.batch_size or PRETRAIN_BATCH,
                  warmup=0.15, augment=o.augment or "none", max_steps=o.max_steps,
                  grad_accum=o.grad_accum or 1, randaugment=o.randaugment, random_erasing=o.random_erasing or 0.0,
                  mixup=o.mixup or 0.0, cutmix=o.cutmix or 0.0)
    return Plan(phases=[phase], strategy="pretrain", init="random", options={"epochs": epochs, "lr": lr})


def pretrain(spec: RunSpec, output: Output):
    """Train the spec's architecture (random weights) on the spec's data; write a model directory with the source
    statistics that `diagnose` compares targets with (checkpointed after every epoch, and every N steps with
    `checkpoint_every`; `output.resume` continues an interrupted run; the main process writes). Returns the
    directory."""
    spec = dataclasses.replace(spec, model=dataclasses.replace(spec.model, pretrained=False, weights=None,
                                                               weights_map=None),
                               data=dataclasses.replace(spec.data, val_fraction=PRETRAIN_HELD_OUT,
                                                        test_fraction=PRETRAIN_HELD_OUT))
    with contextlib.ExitStack() as stack:
        shared = open_partial_run(stack, output, spec.execution.device)
        backbone = load_model(spec.model)
        pre = backbone.preprocessing
        backbone.preprocessing = Preprocessing(pre.input_size, pre.mean, pre.std, "bilinear", 1.0)
        splits = load_splits(spec, backbone.preprocessing)
        plan = pretrain_plan(spec)
        config = RunConfig(seed=spec.seed, execution=spec.execution, keep=spec.keep_rule, description="pretrain")
        config.checkpoints = shared.checkpointer(run_identity(plan, spec.seed, backbone, splits))
        try:
            result = run_plan(plan, backbone, splits, config)
        except KeyboardInterrupt:
            if shared.partial is None:
                raise
            raise Interrupted(shared.partial.interrupted()) from None
        summary = {**splits.summary(), "labels_per_class": None, "split_seed": spec.seed}
        record = build_record(result, summary, {"spec": spec.to_dict(),
                                                "resumed": resume_summary(result.resumes)})
        phase = plan.phases[0]

        def write_files(folder) -> None:
            # the source statistics pass runs on the main process only, which writes them
            stats = compute_source_statistics(result.backbone, LabelledImages(
                                                  splits.train.images, splits.train.labels.numpy(), splits.classes),
                                              info={"spec": splits.spec, "fingerprint": splits.fingerprint},
                                              seed=spec.seed, device=next(result.backbone.model.parameters()).device)
            save_model_dir(
                result.backbone,
                folder,
                source={"spec": splits.spec, "fingerprint": splits.fingerprint, "images": len(splits.train),
                        "classes": splits.classes},
                extra={"pretraining": {"epochs": phase.epochs, "lr": phase.lr, "seed": spec.seed, "metrics": {
                    k: {"accuracy": v["accuracy"]} for k, v in result.metrics.items()}}},
                overwrite=True,
            )
            save_source_statistics(stats, folder)
            write_json(folder / "run.json", record)

        return shared.commit(write_files)
