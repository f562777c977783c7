"""Evaluate a trained model on another labelled data set (a new test set, a shifted domain)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..console import track
from ..settings import DataRef, ReadSettings
from ..data import StreamedImages, open_source, uint8_batches
from ..data.class_list import apply_class_list
from ..engine import classification_metrics
from ..environment import package_versions
from ..files import StagingDir, check_output_dir, write_json, write_text
from ..report import evaluation_report_html
from .class_match import check_same_classes
from .loaded import LoadedModel
from .mistakes import mistakes_record
from ..data.text_preprocessing import readable
from .views import TestViews

EVALUATION = "evaluation.json"
BATCH = 256


@dataclass
class Evaluation:
    """`record`: the content of evaluation.json (model, data, metrics); `dir`: where it was written, if anywhere."""

    record: dict[str, Any]
    dir: Path | None = None

    @property
    def accuracy(self) -> float:
        return self.record["metrics"]["accuracy"]


def evaluate_model(loaded: LoadedModel, data: str | DataRef, *, out: str | Path | None = None,
                   overwrite: bool = False, progress: bool = True, views: TestViews | None = None) -> Evaluation:
    """Every image of `data` through the model, after checking that its classes are the model's; with `out`, write
    evaluation.json and report.html there (all or nothing). Images are decoded once into memory when they fit the
    default data budget, else streamed. `views`: test-time augmentation (default: none)."""
    views = views or TestViews(("identity",))
    ref = data if isinstance(data, DataRef) else DataRef(str(data))
    if out is not None:
        check_output_dir(out, overwrite)
    source = open_source(ref.spec, progress=progress)
    check_same_classes(loaded.classes, list(source.classes), ref.spec)
    apply_class_list(source, loaded.classes)  # label ids in the model's class order
    pre = loaded.transform.preprocessing
    reading = ReadSettings()
    images = StreamedImages(source, np.arange(len(source)), pre, reading.workers)
    if reading.in_memory([len(images) * 3 * pre.size_hw[0] * pre.size_hw[1]])[0]:
        images = images.read_all(progress=progress)
    batches = uint8_batches(images, BATCH)
    probs = torch.cat([loaded.probabilities(batch, views) for batch in
                       track(batches, -(-len(images) // BATCH), f"Evaluating {len(images)} images", progress)])
    labels = np.asarray(source.labels)
    metrics = classification_metrics(labels, probs.argmax(1).numpy(), loaded.classes)
    record = {
        "kind": "evaluation",
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "model": _model_summary(loaded),
        "data": {"spec": ref.spec, "fingerprint": source.fingerprint(), "classes": list(loaded.classes),
                 "images": len(labels), "class_counts": source.class_counts(),
                 "skipped": [dict(s) for s in source.skipped]},
        "preprocessing": pre.to_dict(),
        "metrics": metrics,
        "test_time_augmentation": views.to_dict(),
        "mistakes": mistakes_record(probs.numpy(), labels, readable(images, loaded.backbone.preprocessing),
                                    loaded.classes, metrics["confusion_matrix"], split="evaluated data"),
        "transferkit_version": package_versions()["transferkit"],
    }
    if out is None:
        return Evaluation(record)
    with StagingDir(out, overwrite) as staging:
        write_json(staging.path / EVALUATION, record)
        write_text(staging.path / "report.html", evaluation_report_html(record))
        return Evaluation(record, staging.commit())


def _model_summary(loaded: LoadedModel) -> dict[str, Any]:
    record = loaded.record or {}
    metrics = record.get("metrics") or {}
    return {"dir": str(loaded.dir), "term": record.get("term"), "strategy": record.get("strategy"),
            "weights_sha256": loaded.backbone.origin.get("sha256"), "data": (record.get("data") or {}).get("spec"),
            "recorded_test_accuracy": (metrics.get("test") or {}).get("accuracy")}
