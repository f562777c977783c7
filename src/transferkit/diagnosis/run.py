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
from .source_stats import MAX_IMAGES, LabelledImages, SourceStatistics, compute_source_statistics, load_source_statistics, \
    stratified_sample
from .stage_features import StageFeatures, extract_stage_features
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
               "classes": list(opened.classes)}
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
    if source is None and not is_model_dir(model_spec):
        raise ModelError(f"'{model_spec}' is not a model directory with source statistics; pass --source with the "
                         "data the model was pretrained on.")
    backbone = load_backbone(spec.model)
    started = time.perf_counter()
    where = torch_device(spec.execution.device)
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
        "schema_version": SCHEMA_VERSION,
        "transferkit_version": package_versions()["transferkit"],
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "model": {"spec": model_spec, "arch": backbone.arch, "sha256": backbone.origin.get("sha256"),
                  "stages": backbone.stage_names},
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
    result = Diagnosis(record, verdict, measures)
    if out is not None:
        with StagingDir(out, overwrite) as staging:
            write_json(staging.path / DIAGNOSIS_FILE, record)
            (staging.path / PAGE_FILE).write_text(diagnosis_page(record), encoding="utf-8")
            result.dir = staging.commit()
    return result
