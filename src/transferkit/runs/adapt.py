"""Step 2: adapt a backbone to the target of a RunSpec with a plan, checkpointed and written as a run directory."""

from __future__ import annotations

import contextlib
from pathlib import Path

from ..data import DataSplits
from ..data.domain_data import DomainSplits
from ..engine import RunConfig, StopRequest, run_plan
from ..errors import Interrupted
from ..models import Backbone
from ..plans import Plan
from ..use.mistakes import mistakes_record
from ..plans.batch_norm_scope import without_batch_norm
from ..data.text_preprocessing import readable
from .ctrl_c import stop_on_ctrl_c
from .domain import check_domain_options, domain_section, source_only_baseline
from .identity import resume_summary, run_identity
from .imbalance import class_imbalance, warn_if_imbalanced
from .loading import load_model, load_splits
from .record import build_record
from .shared_partial_run import open_partial_run
from .run import Run, write_run_files
from ..settings import Output, RunSpec


def adapt(spec: RunSpec, plan: Plan, output: Output | None = None, *, backbone: Backbone | None = None,
          splits: DataSplits | None = None, stop: StopRequest | None = None) -> Run:
    """Train a copy of the spec's backbone on its target with `plan` (the spec's overrides applied); write
    `output.path` if given (checkpointed after every epoch, resumable; the first Ctrl-C ends training after the
    current epoch and still writes it). `backbone` and `splits`, when given, are the already loaded model and data
    of the spec; `stop` ends training early (see StopRequest)."""
    output = output or Output()
    plan = spec.overrides.apply(plan)
    check_domain_options(plan, spec.data)
    with contextlib.ExitStack() as stack:
        # the output is checked and locked (by the main process) before anything is loaded
        shared = open_partial_run(stack, output, spec.execution.device) if output.path is not None else None
        backbone = load_model(backbone if backbone is not None else spec.model)
        if not has_batch_norm(backbone.model):
            plan = without_batch_norm(plan)
        plan.resolve(backbone.stage_names)  # fail on unknown stages before loading data
        if splits is None:  # (a caller that passes loaded splits, such as compare, warns once itself)
            splits = load_splits(spec, backbone.preprocessing)
            warn_if_imbalanced(splits, [plan])
        config = RunConfig(seed=spec.seed, execution=spec.execution, keep=spec.keep_rule, description=plan.strategy,
                           stop=stop or StopRequest())
        if shared is not None:
            config.checkpoints = shared.checkpointer({
                **run_identity(plan, spec.seed, backbone, splits),
                "feature_cache": {"cache": spec.execution.cache.mode, "cache_views": spec.execution.cache.views},
                "keep_rule": {**spec.keep_rule.to_dict(), "eval_every": spec.execution.eval_every}})
        partial = shared.partial if shared is not None else None
        baseline = source_only_baseline(plan, backbone, splits, spec)
        try:
            with stop_on_ctrl_c(config.stop) if partial is not None else contextlib.nullcontext():
                result = run_plan(plan, backbone, splits, config)
        except KeyboardInterrupt:
            if partial is None:
                raise
            raise Interrupted(partial.interrupted()) from None
        run = Run(record=_record(result, spec, splits, baseline), backbone=result.backbone)
        if shared is not None:
            run.dir = shared.commit(lambda folder: write_run_files(run, plan, folder))
        return run


def has_batch_norm(model) -> bool:
    """Whether any module of the network is a batch-norm layer."""
    from torch import nn

    return any(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in model.modules())


def _record(result, spec: RunSpec, splits: DataSplits, baseline: dict | None = None) -> dict:
    split = splits.options
    summary = {**splits.summary(), "class_imbalance": class_imbalance(splits),
               "labels_per_class": split.get("labels_per_class"),
               "split_seed": split.get("seed", spec.seed),
               **held_out(splits), **({"holdout": split["holdout"]} if "holdout" in split else {})}
    where = resolved_data_spec(splits.spec)
    if where is not None and where != splits.spec:
        summary["resolved_spec"] = where
    extra = {"spec": spec.to_dict(), "resumed": resume_summary(result.resumes)}
    if isinstance(splits, DomainSplits):
        extra["domain_adaptation"] = domain_section(result, splits, spec.seed, baseline)
    if result.test_probabilities is not None:
        items = readable(splits.test.images, result.backbone.preprocessing)
        extra["mistakes"] = mistakes_record(result.test_probabilities, splits.test.labels.numpy(), items,
                                            splits.classes, result.metrics["test"]["confusion_matrix"])
    return build_record(result, summary, extra)


def held_out(splits: DataSplits) -> dict:
    """How validation and test were formed, as applied: the fractions only where they were (data that comes split
    records its carved fractions under `given_splits`; domain adaptation's source is split by them, its roles say
    the rest)."""
    if splits.given_splits is not None:
        return {}
    if splits.options.get("labels_per_class") is not None and not isinstance(splits, DomainSplits):
        return {"held_out": "the rest of each class, halved into validation and test (validation gets the odd image)"}
    return {k: splits.options[k] for k in ("val_fraction", "test_fraction") if k in splits.options}


def resolved_data_spec(spec: str) -> str | None:
    """The data spec with its path made absolute (a folder or csv:FILE), or None when it names no path."""
    prefix, path = ("csv:", spec[4:]) if spec.startswith("csv:") else ("", spec)
    candidate = Path(path).expanduser()
    if ":" in path or not candidate.exists():
        return None
    return prefix + str(candidate.resolve())
