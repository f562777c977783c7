"""The public Python API: pretrain(), adapt(), describe(), stages(), strategies()."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .data import DataSplits, Preprocessing, load_data
from .data.domain_data import DomainSplits
from .diagnose import Diagnosis, compute_source_statistics, run_diagnosis, save_source_statistics
from .domain_api import check_domain_options, domain_section, load_domain_splits
from .engine import RunConfig, run_plan
from .engine.cache_settings import DEFAULT_CACHE_MEM, CacheSettings
from .engine.resume import Checkpointer
from .errors import ModelError, PlanError, RunError, TransferkitError
from .models import Backbone, is_model_dir, load_backbone, save_model_dir
from .plans import Phase, Plan, get_strategy, list_strategies, plan_from_spec, plan_to_yaml
from .report.describe import describe_plan, plan_term
from .report.rebuild import run_report_html
from .report.grid import stage_grid
from .report.partial_run import PartialRun
from .report.record import build_record
from .report.run_options import resume_summary, run_identity, run_options
from .report.rundir import StagingDir, check_output_dir, read_json, write_json


@dataclass
class Run:
    """A finished run: its record (the content of run.json), its directory if written, the trained backbone."""

    record: dict[str, Any]
    backbone: Backbone
    dir: Path | None = None

    @property
    def term(self) -> str:
        return self.record["term"]

    @property
    def description(self) -> str:
        return self.record["description"]

    @property
    def metrics(self) -> dict[str, Any]:
        return self.record["metrics"]

    @property
    def val_accuracy(self) -> float:
        return self.metrics["val"]["accuracy"]

    @property
    def test_accuracy(self) -> float:
        return self.metrics["test"]["accuracy"]


def load_model(
    model: str | Backbone, *, weights: str | None = None, pretrained: bool = True, input_size: int | None = None
) -> Backbone:
    """A Backbone from a model spec (timm:NAME, torchvision:NAME, a pretrain directory) or as given."""
    if isinstance(model, Backbone):
        return model
    return load_backbone(str(model), weights=weights, pretrained=pretrained, input_size=input_size)


def load_target(
    data: str | DataSplits,
    preprocessing: Preprocessing,
    *,
    labels_per_class: int | None = None,
    seed: int = 0,
    val_fraction: float = 0.2,
    test_fraction: float = 0.2,
    progress: bool = True,
    classes: list[str] | None = None,
) -> DataSplits:
    """Target data split deterministically (stratified, seeded) and prepared for the backbone's input.

    `classes` is an optional class list: every label must be in it, and its order gives the label ids.
    """
    if isinstance(data, DataSplits):
        return data
    return load_data(
        str(data),
        preprocessing,
        labels_per_class=labels_per_class,
        seed=seed,
        val_fraction=val_fraction,
        test_fraction=test_fraction,
        progress=progress,
        classes=classes,
    )


def resolve_plan(strategy: str | Plan, epochs: int | None = None) -> Plan:
    plan = strategy if isinstance(strategy, Plan) else plan_from_spec(str(strategy))
    return plan.with_total_epochs(epochs) if epochs is not None else plan


def adapt(
    model: str | Backbone,
    data: str | DataSplits,
    strategy: str | Plan = "linear-probe",
    *,
    out: str | Path | None = None,
    epochs: int | None = None,
    seed: int = 0,
    labels_per_class: int | None = None,
    classes: list[str] | None = None,
    weights: str | None = None,
    pretrained: bool = True,
    input_size: int | None = None,
    device: str = "auto",
    overwrite: bool = False,
    resume: bool = False,
    progress: bool = True,
    cache: str = "auto",
    cache_views: int = 1,
    cache_mem: str | int = DEFAULT_CACHE_MEM,
    eval_every: int = 1,
    source: str | None = None,
    unlabeled: str | None = None,
) -> Run:
    """Step 2: adapt a pretrained backbone to a target with a strategy preset or plan; write `out` if given.

    With `out`, the run checkpoints after every epoch into `.NAME.partial` beside `out`; `resume=True`
    continues an interrupted run from there (same model, data, plan and seed), bit-identically on CPU.

    `cache="auto"` trains a phase from activations cached once at its freeze boundary whenever everything below
    its first trainable stage is frozen (`"off"`: never); `cache_views` augmented views per image are cached when
    the phase augments; caches up to `cache_mem` (e.g. "2GB") stay in memory, larger ones are memory-mapped files
    in the cache directory. Caches are found again by a key over everything that determines them, so later phases
    and later runs in the same process (or, on disk, any process) reuse them; run.json says, per phase, which.

    `eval_every`: validate every N epochs (0: only at the end of each phase); it changes no weights.

    Domain adaptation: with `source` (labelled source data, the same classes as `data`) the plan trains on the
    source; `unlabeled` (target images) is what batch norm adapts to and alignment losses align with; `data` is
    then only evaluated on (with `labels_per_class`, K of its images per class serve for model selection).
    """
    plan = resolve_plan(strategy, epochs)
    CacheSettings.parse(cache, cache_views, cache_mem)  # fail on bad cache options before any work
    check_domain_options(plan, data, source, unlabeled)
    if resume and out is None:
        raise RunError("Resuming needs the run directory of the interrupted run; pass --out with --resume.")
    partial = PartialRun(out, overwrite=overwrite, resume=resume) if out is not None else None
    backbone = load_model(model, weights=weights, pretrained=pretrained, input_size=input_size)
    plan.resolve(backbone.stage_names)  # fail on unknown stages before loading data
    if source is not None:
        splits = load_domain_splits(source, data, unlabeled, backbone.preprocessing, labels_per_class=labels_per_class,
                                    seed=seed, classes=classes, progress=progress)
    else:
        splits = load_target(data, backbone.preprocessing, labels_per_class=labels_per_class, seed=seed,
                             progress=progress, classes=classes)
    feature_cache = {"cache": cache, "cache_views": cache_views}  # they decide augmented views, so the result
    options = {**run_options(model, data, strategy, backbone=backbone, splits=splits, epochs=epochs, seed=seed,
                             labels_per_class=labels_per_class, classes=classes, weights=weights,
                             pretrained=pretrained, input_size=input_size, device=device), **feature_cache}
    if source is not None:
        options.update(source=source, unlabeled=unlabeled)
    config = RunConfig(seed=seed, device=device, progress=progress, eval_every=eval_every, description=plan.strategy,
                       cache=cache, cache_views=cache_views, cache_mem=cache_mem)
    if partial is None:
        return _run(plan, backbone, splits, config, options, seed, labels_per_class)
    with partial:
        identity = {**run_identity(plan, seed, backbone, splits), "feature_cache": feature_cache}
        config.checkpoints = Checkpointer(partial.path, identity, {"overwrite": partial.allows_overwrite})
        run = _run(plan, backbone, splits, config, options, seed, labels_per_class)
        run.dir = partial.commit(lambda folder: write_run_files(run, plan, folder))
    return run


def _run(plan: Plan, backbone: Backbone, splits: DataSplits, config: RunConfig, options: dict, seed: int,
         labels_per_class: int | None) -> Run:
    result = run_plan(plan, backbone, splits, config)
    split = splits.options
    summary = {**splits.summary(), "labels_per_class": split.get("labels_per_class", labels_per_class),
               "split_seed": split.get("seed", seed),
               **{k: split[k] for k in ("val_fraction", "test_fraction") if k in split}}
    extra = {"run_options": options, "resumed": resume_summary(result.resumes)}
    if isinstance(splits, DomainSplits):
        extra["domain_adaptation"] = domain_section(result, splits, seed)
    record = build_record(result, summary, extra)
    return Run(record=record, backbone=result.backbone)


def write_run_files(run: Run, plan: Plan, folder: str | Path) -> None:
    """run.json, model.safetensors + model.json (the adapted model), plan.yaml and report.html into a folder."""
    folder = Path(folder)
    save_model_dir(
        run.backbone,
        folder,
        source={"spec": run.record["data"]["spec"], "fingerprint": run.record["data"]["fingerprint"]},
        extra={"classes": run.record["data"]["classes"]},
        overwrite=True,
    )
    (folder / "plan.yaml").write_text(plan_to_yaml(plan), encoding="utf-8")
    write_json(folder / "run.json", run.record)
    (folder / "report.html").write_text(run_report_html(run.record), encoding="utf-8")


def write_run_dir(run: Run, plan: Plan, out: str | Path, overwrite: bool = False) -> Path:
    """run.json, model.safetensors + model.json (the adapted model), plan.yaml, report.html; all or nothing."""
    with StagingDir(out, overwrite) as staging:
        write_run_files(run, plan, staging.path)
        return staging.commit()


def pretrain(
    data: str = "synthetic:glyphs",
    model: str = "timm:resnet10t",
    *,
    out: str | Path,
    epochs: int = 4,
    seed: int = 0,
    input_size: int | None = 32,
    lr: float = 2e-3,
    batch_size: int = 128,
    device: str = "auto",
    overwrite: bool = False,
    progress: bool = True,
) -> Path:
    """Step 1: train an architecture from random weights on a source data set; write a model directory.

    The directory also holds the source statistics `diagnose` compares targets with (source_stats.*).
    """
    check_output_dir(out, overwrite)
    backbone = load_model(model, pretrained=False, input_size=input_size)
    pre = backbone.preprocessing
    backbone.preprocessing = Preprocessing(pre.input_size, pre.mean, pre.std, "bilinear", 1.0)
    splits = load_target(data, backbone.preprocessing, seed=seed, val_fraction=0.05, test_fraction=0.05,
                         progress=progress)
    phase = Phase(name="pretrain", epochs=epochs, train=["all"], lr=lr, batch_size=batch_size, warmup=0.15)
    plan = Plan(phases=[phase], strategy="pretrain", init="random", options={"epochs": epochs, "lr": lr})
    result = run_plan(plan, backbone, splits, RunConfig(seed=seed, device=device, progress=progress,
                                                        eval_every=1, description="pretrain"))
    summary = {**splits.summary(), "labels_per_class": None, "split_seed": seed}
    record = build_record(result, summary)
    stats = compute_source_statistics(result.backbone, splits.train.images, splits.train.labels.numpy(),
                                      splits.classes, info={"spec": splits.spec, "fingerprint": splits.fingerprint},
                                      seed=seed, device=next(result.backbone.model.parameters()).device)
    with StagingDir(out, overwrite) as staging:
        save_model_dir(
            result.backbone,
            staging.path,
            source={"spec": splits.spec, "fingerprint": splits.fingerprint, "images": len(splits.train),
                    "classes": splits.classes},
            extra={"pretraining": {"epochs": epochs, "lr": lr, "seed": seed, "metrics": {
                k: {"accuracy": v["accuracy"]} for k, v in result.metrics.items()}}},
            overwrite=True,
        )
        save_source_statistics(stats, staging.path)
        write_json(staging.path / "run.json", record)
        return staging.commit()


def diagnose(
    model: str | Path,
    data: str,
    *,
    source: str | None = None,
    unlabeled: str | None = None,
    out: str | Path | None = None,
    overwrite: bool = False,
    seed: int = 0,
    max_images: int = 2000,
    device: str = "auto",
    progress: bool = True,
) -> Diagnosis:
    """How far is the target `data` from the model's source, and where in the network does the shift sit?

    Per stage: proxy A-distance, linear MMD, class shift and linear-probe accuracy; the label-space overlap; LogME
    of the final features; a verdict in plain words. Source features come from the model directory's source
    statistics, or from `source` (a data spec). `unlabeled` adds unlabelled target images to the shift measures.
    With `out`, diagnosis.json and diagnosis.html are written there (all or nothing).
    """
    if source is None and not is_model_dir(str(model)):
        raise ModelError(f"'{model}' is not a model directory with source statistics; pass --source with the data "
                         "the model was pretrained on.")
    backbone = load_model(str(model))
    return run_diagnosis(backbone, str(model), data, source=source, unlabeled=unlabeled, out=out,
                         overwrite=overwrite, seed=seed, max_images=max_images, device=device, progress=progress)


def describe(target: str | Path | Plan) -> tuple[str, str]:
    """(term, description) of a run directory, a plan file, a strategy spec, or a Plan."""
    if isinstance(target, Plan):
        return plan_term(target), describe_plan(target)
    path = Path(str(target))
    if path.is_dir():
        record = read_json(path / "run.json")
        return record["term"], record["description"]
    plan = plan_from_spec(str(target))
    return plan_term(plan), describe_plan(plan)


EXAMPLE_STAGES = ["stem", "stage1", "stage2", "stage3", "stage4", "head"]


def grid(target: str | Path | Plan, model: str | Backbone | None = None) -> dict[str, Any]:
    """The stages x phases grid of a run directory, plan file, strategy spec or Plan.

    Stages come from the run, else from `model`, else from an example 4-stage backbone (stem, stage1..stage4).
    Returns {"stages_from", "titles", "rows"}.
    """
    path = Path(str(target)) if not isinstance(target, Plan) else None
    if path is not None and path.is_dir():
        record = read_json(path / "run.json")
        plan, names, origin = Plan.from_dict(record["plan"]["definition"]), record["stages"], "the run"
    else:
        plan = target if isinstance(target, Plan) else plan_from_spec(str(target))
        if model is not None:
            backbone = load_model(model, pretrained=False) if isinstance(model, str) else model
            names, origin = backbone.stage_names, str(model) if isinstance(model, str) else "the model"
        else:
            names, origin = EXAMPLE_STAGES, "an example 4-stage backbone"
            try:
                titles, rows = stage_grid(plan, names)
            except PlanError:  # the plan names stages this example lacks; only a real backbone can tell
                return {"stages_from": None, "titles": [], "rows": []}
            return {"stages_from": origin, "titles": titles, "rows": rows}
    titles, rows = stage_grid(plan, names)
    return {"stages_from": origin, "titles": titles, "rows": rows}


def stages(
    model: str | Backbone, *, weights: str | None = None, pretrained: bool = True, input_size: int | None = None
) -> list[dict[str, Any]]:
    """The backbone's stages, stem to head, each with its parameter count and first/last tensor names."""
    backbone = load_model(model, weights=weights, pretrained=pretrained, input_size=input_size)
    counts = backbone.param_counts()
    return [
        {"name": s.name, "params": counts[s.name], "tensors": len(s.params), "first": s.params[0], "last": s.params[-1]}
        for s in backbone.stages
    ]


def strategies() -> list[dict[str, Any]]:
    """Every preset with its term, its one-line explanation, its options and its source."""
    out = []
    for info in list_strategies():
        plan = get_strategy(info.name).builder()
        out.append({"name": info.name, "term": plan_term(plan), "summary": info.summary,
                    "options": info.parameters(), "reference": info.reference})
    return out


__all__ = ["Diagnosis", "Run", "TransferkitError", "adapt", "describe", "diagnose", "grid", "load_model",
           "load_target", "pretrain", "stages", "strategies", "write_run_dir"]
