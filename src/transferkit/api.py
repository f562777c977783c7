"""The public Python API: a thin facade over runs/. Keywords are sugar for a RunSpec (see `RunSpec.replace`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .data import DataSplits, Preprocessing, load_data
from .diagnosis import Diagnosis, run_diagnosis
from .errors import ModelError, TransferkitError
from .models import Backbone
from .plans import Plan, get_strategy, list_strategies, plan_from_spec, plan_term
from .report import describe_target, target_grid
from .report.view import EXAMPLE_STAGES  # noqa: F401 - the example backbone of the docs' grids
from .data.text_preprocessing import is_text
from .use.predict_texts import predict_texts, text_inputs
from . import runs
from .runs import Comparison, Ranking, Reproduction, Run, write_run_dir
from .settings import CompareSettings, DataRef, DiagnoseSettings, ModelRef, Output, RankSettings, RunSpec
from .settings.use import DEFAULT_TOLERANCE, ExportSettings, PredictSettings
from .runs.loading import data_ref_of, load_model, model_ref_of
from .use import (Evaluation, Export, FilePredictions, LoadedModel, TestViews, check_output_file,
                  evaluate_model, export_model, image_paths, load, predict_files, write_predictions)

ModelArg = str | ModelRef | Backbone
DataArg = str | DataRef | DataSplits


def load_target(data: DataArg, preprocessing: Preprocessing, *, seed: int = 0, progress: bool = True,
                **ref: Any) -> DataSplits:
    """Target data split deterministically (stratified, seeded) and prepared for the backbone's input; `ref` holds
    DataRef settings (`labels_per_class`, `classes`, `val_fraction`, `test_fraction`)."""
    if isinstance(data, DataSplits):
        return data
    return load_data(data, preprocessing, seed=seed, progress=progress, **ref)


def run_spec(model: ModelArg | None, data: DataArg | None, spec: RunSpec | None = None, **sugar: Any) -> RunSpec:
    """The RunSpec of a call: `spec` (or one built from `model` and `data`) with keyword settings applied.
    A loaded Backbone or DataSplits is named by the ModelRef / DataRef that loads it again."""
    if spec is None:
        if model is None or data is None:
            raise TypeError("Pass a model and data, or spec=RunSpec(...).")
        model_ref = model_ref_of(model) if isinstance(model, Backbone) else model
        data_ref = data_ref_of(data) if isinstance(data, DataSplits) else data
        return RunSpec.build(model_ref, data_ref, **sugar)
    return spec.replace(**sugar)


def _plan(strategy: str | Plan) -> Plan:
    return strategy if isinstance(strategy, Plan) else plan_from_spec(str(strategy))


def adapt(model: ModelArg | None = None, data: DataArg | None = None, strategy: str | Plan = "linear-probe", *,
          out: str | Path | None = None, spec: RunSpec | None = None, **settings: Any) -> Run:
    """Step 2: adapt a pretrained backbone to a target with a strategy preset or plan; write `out` if given.

    `settings` are RunSpec keywords (`epochs`, `seed`, `labels_per_class`, `classes`, `weights`, `device`,
    `cache`, `source`, `unlabeled`, `keep` ("best", "best-1se" or "last"), `patience`, ...) plus `overwrite` and `resume` for
    `out`. With `out`, the run
    checkpoints after every epoch into `.NAME.partial` beside `out`; `resume=True` continues an interrupted run
    from there, bit-identically on CPU. With `source`, the plan trains on that labelled source data, adapts to
    the `unlabeled` target images, and `data` is only evaluated on (domain adaptation).
    """
    output = Output(out, settings.pop("overwrite", False), settings.pop("resume", False))
    plan = _plan(strategy)
    request = run_spec(model, data, spec, **settings)
    return runs.adapt(request, plan, output, backbone=model if isinstance(model, Backbone) else None,
                      splits=data if isinstance(data, DataSplits) else None)


def compare(model: ModelArg | None = None, data: DataArg | None = None,
            strategies: str | list[str | Plan] = "all", *, out: str | Path | None = None,
            spec: RunSpec | None = None, **settings: Any) -> Comparison:
    """Compare strategies on the same data, epochs and splits over several seeds; choose on validation only.

    `settings` are RunSpec keywords (`epochs` per plan, default 10; `labels_per_class`, `device`, `source`, ...),
    CompareSettings keywords (`seeds`, `search`, `eta`, `lr_factors`, `time_budget`, `show_test`, `prefer`, `margin`,
    `models`, ...), `overwrite` and `resume` (continue an interrupted comparison of `out`: finished runs are
    reused).
    Every run is one RunSpec with its seed changed; seed k draws split k for every plan. A loaded DataSplits is
    used as the one split of every seed. `models=[A, B, ...]` instead of `model` runs every plan on each of those
    networks with the same seeds and splits; the leaderboard then ranks (network, plan) pairs and gives each
    network's inference cost. `top_networks=K` with them trains only the K best by `rank`'s default score.
    """
    overwrite, resume = settings.pop("overwrite", False), settings.pop("resume", False)
    how = settings.pop("settings", None) or CompareSettings()
    picked = {k: settings.pop(k) for k in CompareSettings.names() if k in settings}
    how = CompareSettings.with_settings(how, picked)
    if how.models is not None:
        if model is not None:
            raise ModelError("Pass either model (one network) or models=[...] (several networks to compare), "
                             "not both.")
        model = how.models[0] if spec is None else None
    request = run_spec(model, data, spec, **settings)
    return runs.compare(request, strategies, how, Output(out, overwrite, resume),
                        model if isinstance(model, Backbone) else None, data if isinstance(data, DataSplits) else None)


def rank(models: str | list[str] | None = None, data: str | DataRef | None = None, *, out: str | Path | None = None,
         spec: RunSpec | None = None, **settings: Any) -> Ranking:
    """Which pretrained network suits `data`? Scores each of `models` on the target's training split before any
    training: LogME, LEEP, NCE, H-score, and k-NN and linear-probe accuracy on the frozen features.

    `models`: model specs (a list, or one comma-separated string). `settings` are RunSpec keywords
    (`labels_per_class`, `seed`, `device`, `input_size`, ...), RankSettings keywords (`score`: the score that orders
    them, every score is computed) or `settings=RankSettings(...)`, and `overwrite`. The features go into the
    feature cache, so `compare` on the same network, data and seed reuses them. With `out`, ranking.json and
    report.html are written there (all or nothing).
    """
    output = Output(out, settings.pop("overwrite", False))
    how = settings.pop("settings", None) or RankSettings()
    picked = {k: settings.pop(k) for k in RankSettings.settings() if k in settings}
    if models is not None:
        picked["models"] = tuple(m.strip() for m in models.split(",")) if isinstance(models, str) else tuple(models)
    how = RankSettings.with_settings(how, picked)
    if spec is None:
        if data is None:
            raise TypeError("Pass data, or spec=RunSpec(...).")
        spec = RunSpec.build(ModelRef((how.models or ("",))[0] or None), data, **settings)
    else:
        spec = spec.replace(**settings)
    return runs.rank(spec, how, output)


def reproduce(run_dir: str | Path, *, out: str | Path | None = None, overwrite: bool = False,
              **moved: Any) -> Reproduction:
    """Re-run `run_dir` from its run.json (the recorded RunSpec and plan) and compare metrics and weights.

    `moved` changes only what moved: `model` / `weights`, `data`, `device`, `progress`. The source model must have
    the recorded sha256 and the data the recorded fingerprints, or nothing runs."""
    return runs.reproduce(run_dir, Output(out, overwrite), moved=moved)


def pretrain(data: str | DataRef = "synthetic:glyphs", model: str | ModelRef = "timm:resnet10t", *,
             out: str | Path, spec: RunSpec | None = None, **settings: Any) -> Path:
    """Step 1: train an architecture from random weights on a source data set; write a model directory.

    `settings` are RunSpec keywords: `epochs` (4), `lr` (0.002), `batch_size` (128), `input_size` (32), `seed`,
    `device`, `checkpoint_every`, ... and `overwrite` or `resume` (continue an interrupted run of `out`). The
    directory also holds the source statistics `diagnose` compares targets with.
    """
    overwrite, resume = settings.pop("overwrite", False), settings.pop("resume", False)
    if spec is None:
        settings.setdefault("input_size", 32)
    return runs.pretrain(run_spec(model, data, spec, **settings), Output(out, overwrite, resume))


def diagnose(model: ModelArg | None = None, data: str | DataRef | None = None, *, out: str | Path | None = None,
             spec: RunSpec | None = None, **settings: Any) -> Diagnosis:
    """How far is the target `data` from the model's source, and where in the network does the shift sit?

    Per stage: proxy A-distance, linear MMD, class shift and linear-probe accuracy; the label-space overlap; LogME
    of the final features; a verdict in plain words. Source features come from the model directory's source
    statistics, or from `source` (a data spec). `unlabeled` adds unlabelled target images to the shift measures.
    `settings` are RunSpec keywords (`source`, `unlabeled`, `seed`, `device`, `input_size`, `progress`, ...),
    DiagnoseSettings keywords (`max_images`) or `settings=DiagnoseSettings(...)`, and `overwrite`. With `out`,
    diagnosis.json and diagnosis.html are written there (all or nothing).
    """
    output = Output(out, settings.pop("overwrite", False))
    how = settings.pop("settings", None) or DiagnoseSettings()
    picked = {k: settings.pop(k) for k in DiagnoseSettings.settings() if k in settings}
    return run_diagnosis(run_spec(model, data, spec, **settings), DiagnoseSettings.with_settings(how, picked), output)


def describe(target: str | Path | Plan, model: str | Backbone | None = None) -> tuple[str, str]:
    """(term, description) of a run directory, a plan file, a strategy spec, or a Plan. With `model`, a plan is
    named for that backbone's stages, exactly as a run of it on that backbone records it."""
    backbone = load_model(model, pretrained=False) if isinstance(model, str) else model
    return describe_target(target, backbone.stage_names if backbone is not None else None)


def grid(target: str | Path | Plan, model: str | Backbone | None = None) -> dict[str, Any]:
    """The stages x phases grid of a run directory, plan file, strategy spec or Plan.

    Stages come from the run, else from `model`, else from an example 4-stage backbone (stem, stage1..stage4).
    Returns {"stages_from", "titles", "rows"}.
    """
    if model is None:
        return target_grid(target)
    backbone = load_model(model, pretrained=False) if isinstance(model, str) else model
    origin = model if isinstance(model, str) else (backbone.origin.get("spec") or "the model")
    return target_grid(target, backbone.stage_names, origin)


def predict(run_dir: str | Path, images: list[str], *, out: str | Path | None = None, overwrite: bool = False,
            **options: Any) -> FilePredictions:
    """Predict image files with a run's model: one row per file (path, class, probability, top classes, error); for
    a text classifier, each line of .txt files and each row of CSV files' text column (path is FILE:LINE).

    `images` are files, folders, glob patterns or CSV files with a 'path' column. `options` are PredictSettings
    keywords: `top_k` (5), `tta` (average with the horizontal flip where the run trained on flips), `batch_size` (64),
    `workers` (2), `device` ("cpu"), `progress`, or `settings=PredictSettings(...)`. With `out`, the rows are written
    there as CSV.
    """
    how = PredictSettings.with_settings(options.pop("settings", None) or PredictSettings(), options)
    if out is not None:
        check_output_file(out, overwrite)
    loaded = load(run_dir, how.device)
    if is_text(loaded.backbone.preprocessing):  # a text classifier: lines of .txt files, CSV text columns, texts
        result = predict_texts(loaded, text_inputs([str(i) for i in images]), how)
    else:
        result = predict_files(loaded, image_paths([str(i) for i in images]), how)
    if out is not None:
        write_predictions(result, out, overwrite)
    return result


def evaluate(run_dir: str | Path, data: str | DataRef, *, out: str | Path | None = None, overwrite: bool = False,
             device: str = "cpu", progress: bool = True, **tta: Any) -> Evaluation:
    """A run's model on every image of another labelled data set (a new test set, a shifted domain), after checking
    that its class names are the run's; with `out`, evaluation.json and report.html are written there. `tta`:
    PredictSettings keywords `tta` (average the probabilities of test-time views) and `tta_views`."""
    how = PredictSettings.with_settings(PredictSettings(), tta)
    loaded = load(run_dir, device)
    views = TestViews.choose(how.tta, how.tta_views, loaded.flip_allowed)
    return evaluate_model(loaded, data, out=out, overwrite=overwrite, progress=progress, views=views)


def export(run_dir: str | Path, format: str, out: str | Path, *, images: list[str] | None = None,
           tolerance: float = DEFAULT_TOLERANCE, overwrite: bool = False) -> Export:
    """Export a run's model as `format` (onnx, torchscript or safetensors) to `out`, with `out`.json beside it
    (preprocessing steps, classes, input and output). The written file is run again (onnxruntime for ONNX) on real
    images, `images` or the run's test split, and nothing is written when its logits differ from the PyTorch model's
    by more than `tolerance`."""
    how = ExportSettings(format, tolerance)
    return export_model(load(run_dir), how, out, images=images, overwrite=overwrite)


def stages(model: ModelArg, **ref: Any) -> list[dict[str, Any]]:
    """The backbone's stages, stem to head, each with its parameter count and first/last tensor names; `ref` holds
    ModelRef settings (`weights`, `weights_map`, `pretrained`, `input_size`)."""
    backbone = load_model(model, **ref)
    counts = backbone.param_counts()
    return [
        {"name": s.name, "params": counts[s.name], "tensors": len(s.params), "first": s.params[0], "last": s.params[-1]}
        for s in backbone.stages
    ]


def networks() -> list:
    """The pretrained networks ready on this machine without a download (models.catalogue.CatalogueEntry each)."""
    from .models.catalogue import ready_networks

    return ready_networks()


def strategies() -> list[dict[str, Any]]:
    """Every preset with its term, its one-line explanation, its options and its source."""
    out = []
    for info in list_strategies():
        plan = get_strategy(info.name).builder()
        out.append({"name": info.name, "term": plan_term(plan), "summary": info.summary,
                    "options": info.parameters(), "reference": info.reference})
    return out


__all__ = ["Comparison", "Diagnosis", "LoadedModel", "Reproduction", "Run", "RunSpec", "TransferkitError", "adapt",
           "compare", "describe", "diagnose", "evaluate", "export", "grid", "load", "load_model", "load_target", "predict",
           "pretrain", "reproduce", "run_spec", "stages", "strategies", "write_run_dir"]
