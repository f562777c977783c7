"""`run_diagnosis`: read the source statistics and the target's features, measure, decide, and write diagnosis.json."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..data import open_source
from ..data.loading import read_images
from ..data.unlabeled import load_unlabeled
from ..errors import DataError, ModelError
from ..models import Backbone, is_model_dir, load_backbone
from ..settings import DiagnoseSettings, Output, RunSpec
from ..engine import torch_device
from ..environment import environment, package_versions
from ..files import StagingDir, check_output_dir, write_json
from .html import diagnosis_page
from .measure import Measures, measure
from .source_stats import MAX_IMAGES, LabelledImages, SourceStatistics, compute_source_statistics, \
    has_source_statistics, load_source_statistics, stratified_sample
from .stage_features import StageFeatures, extract_stage_features
from .target_only import SOURCE_MEASURES, class_balance, target_record, target_verdict, why_not_measured
from .verdict import THRESHOLDS, Verdict, decide

SCHEMA_VERSION = 1
DIAGNOSIS_FILE = "diagnosis.json"
PAGE_FILE = "diagnosis.html"


@dataclass
class Diagnosis:
    """What `transferkit.diagnose` found: `record` is the content of diagnosis.json; `dir` where it was written."""

    record: dict[str, Any]
    verdict: Verdict
    measures: Measures
    dir: Path | None = None

    @property
    def kind(self) -> str:
        """'same', 'input', 'feature', 'output' or 'every'."""
        return self.verdict.kind

    @property
    def text(self) -> str:
        return self.verdict.text

    @property
    def stages(self) -> list[dict[str, Any]]:
        return self.record["stages"]


def _source_statistics(backbone: Backbone, source: str | None, model_spec: str, progress: bool,
                       device: torch.device) -> tuple[SourceStatistics, dict]:
    if source is None:
        if not is_model_dir(model_spec):
            raise ModelError(f"'{model_spec}' is not a model directory with source statistics; pass --source with the "
                             "data the model was pretrained on.")
        stats = load_source_statistics(model_spec)
        return stats, {"from": "model directory", "path": str(model_spec), **stats.info}
    opened = open_source(source, progress=progress)
    chosen = stratified_sample(opened.labels, MAX_IMAGES, len(opened.labels)) if len(opened) > MAX_IMAGES \
        else np.arange(len(opened))
    images = read_images(opened, chosen, backbone.preprocessing, progress=progress)
    info = {"spec": source, "fingerprint": opened.fingerprint(), "images": len(opened)}
    stats = compute_source_statistics(backbone, LabelledImages(images, opened.labels[chosen], opened.classes), info=info,
                                      device=device)
    return stats, {"from": "--source", **stats.info}


def _head_accuracy(stats: SourceStatistics, backbone: Backbone) -> float | None:
    """The source head's accuracy on the source sample, when the source's classes are the head's."""
    head_classes = backbone.origin.get("source_classes")
    if head_classes is None or list(head_classes) != list(stats.classes):
        return None
    return float((stats.sample_predicted == stats.sample_labels).mean())


def _target(data: str, backbone: Backbone, max_images: int, seed: int, progress: bool, device):
    opened = open_source(data, progress=progress)
    if len(opened.classes) < 2:
        raise DataError(f"{data} has {len(opened.classes)} class; diagnosis needs labelled target data with at least "
                        "2 classes.")
    chosen = stratified_sample(opened.labels, max_images, len(opened.labels), seed)
    images = read_images(opened, chosen, backbone.preprocessing, progress=progress)
    features = extract_stage_features(backbone, images, device=device)
    summary = {"spec": data, "fingerprint": opened.fingerprint(), "images": len(opened), "used": len(chosen),
               "classes": list(opened.classes), "class_balance": class_balance(opened.labels, list(opened.classes))}
    return features, opened.labels[chosen], list(opened.classes), summary


def _concat(a: StageFeatures, b: StageFeatures) -> StageFeatures:
    return StageFeatures({k: np.concatenate([v, b.stages[k]]) for k, v in a.stages.items()},
                         np.concatenate([a.pre_logits, b.pre_logits]), np.concatenate([a.predicted, b.predicted]))


def run_diagnosis(spec: RunSpec, settings: DiagnoseSettings, output: Output = Output()) -> Diagnosis:
    """Diagnose how the spec's data (labelled target) differs from the source of its model; write `output` if given."""
    out, overwrite = output.path, output.overwrite
    if out is not None:
        check_output_dir(out, overwrite)
    model_spec, data, source, unlabeled = spec.model.spec, spec.data.spec, spec.data.source, settings.unlabeled
    seed, max_images, progress = spec.seed, settings.max_images, spec.execution.progress
    without_source = source is None and not (is_model_dir(model_spec) and has_source_statistics(model_spec))
    if without_source and unlabeled is not None:
        raise DataError("--unlabeled adds images to the shift measures, which compare with source data; pass --source "
                        "with the data the model was pretrained on, or leave out --unlabeled.")
    backbone = load_backbone(spec.model)
    started = time.perf_counter()
    where = torch_device(spec.execution.device)
    if without_source:
        labelled, labels, classes, target_summary = _target(data, backbone, max_images, seed, progress, where)
        result = _target_only(spec, settings, backbone, (labelled, labels, classes), target_summary)
        result.record.update(seconds=round(time.perf_counter() - started, 3), environment=environment(str(where)))
        return _written(result, output)
    stats, source_summary = _source_statistics(backbone, source, model_spec, progress, where)
    labelled, labels, classes, target_summary = _target(data, backbone, max_images, seed, progress, where)
    shift_features, unlabeled_summary = labelled, None
    if unlabeled is not None:
        extra = load_unlabeled(unlabeled, backbone.preprocessing, progress=progress)
        keep = np.sort(np.random.default_rng(seed).permutation(len(extra))[:max_images])
        shift_features = _concat(labelled, extract_stage_features(backbone, extra.images[keep], device=where))
        unlabeled_summary = {**extra.summary(), "used": int(len(keep))}
    measures = measure(stats, shift_features, labelled, labels, classes, seed=seed)
    verdict = decide(measures, _head_accuracy(stats, backbone))
    record = {
        **_header(spec, backbone),
        "source": source_summary,
        "target": target_summary,
        "unlabeled": unlabeled_summary,
        "verdict": verdict.to_dict(),
        "stages": [s.to_dict() for s in measures.stages],
        "label_space": measures.label_space.to_dict(),
        "logme": measures.logme,
        "prior_match": measures.prior_match.to_dict(),
        "images_compared": {"target": measures.target_images, "labelled": measures.labelled_images},
        "thresholds": THRESHOLDS,
        "settings": {"seed": seed, "max_images": max_images},
        "seconds": round(time.perf_counter() - started, 3),
        "environment": environment(str(where)),
    }
    return _written(Diagnosis(record, verdict, measures), output)


def _header(spec: RunSpec, backbone: Backbone) -> dict[str, Any]:
    return {"schema_version": SCHEMA_VERSION, "transferkit_version": package_versions()["transferkit"],
            "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "model": {"spec": spec.model.spec, "arch": backbone.arch, "sha256": backbone.origin.get("sha256"),
                      "stages": backbone.stage_names, "preprocessing": backbone.preprocessing.to_dict()}}


def _target_only(spec: RunSpec, settings: DiagnoseSettings, backbone: Backbone, target: tuple,
                 target_summary: dict) -> Diagnosis:
    """The diagnosis without source data: what the target alone says (see target_only.py)."""
    labelled, labels, classes = target
    head = backbone.origin.get("source_classes")
    head = list(head) if head and len(head) == backbone.num_classes else None
    stages, space, score = target_record(labelled, labels, classes, head, seed=spec.seed)
    why = why_not_measured(spec.model.spec)
    verdict = target_verdict(stages, space, score, why)
    record = {
        **_header(spec, backbone),
        "source": {"from": "none", "not_measured": SOURCE_MEASURES, "why": why},
        "target": target_summary,
        "unlabeled": None,
        "verdict": verdict.to_dict(),
        "stages": [s.to_dict() for s in stages],
        "label_space": space.to_dict() if space is not None else
        {"not_measured": "the model does not name the classes of its head"},
        "logme": score,
        "prior_match": None,
        "images_compared": {"target": len(labelled), "labelled": len(labelled)},
        "thresholds": THRESHOLDS,
        "settings": {"seed": spec.seed, "max_images": settings.max_images},
    }
    return Diagnosis(record, verdict, Measures(stages, space, score, None, len(labelled), len(labelled)))


def _written(result: Diagnosis, output: Output) -> Diagnosis:
    """`result`, with diagnosis.json and diagnosis.html written into `output.path` (all or nothing) when given."""
    if output.path is not None:
        with StagingDir(output.path, output.overwrite) as staging:
            write_json(staging.path / DIAGNOSIS_FILE, result.record)
            (staging.path / PAGE_FILE).write_text(diagnosis_page(result.record), encoding="utf-8")
            result.dir = staging.commit()
    return result
