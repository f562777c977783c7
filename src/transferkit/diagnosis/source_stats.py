"""Source statistics: what `diagnose` needs to know about the source data, stored beside the pretrained model.

Per body stage (pooled features, see stage_features.py): the feature mean, per-dimension variance and a covariance
sketch (its top eigenvalues and eigenvectors), measured on up to `MAX_IMAGES` training images; and a class-stratified
sample of pooled features (float16) with each sampled image's label and the source head's prediction for it.
Written as `source_stats.safetensors` (tensors) + `source_stats.json` (everything else); never pickled.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from safetensors import SafetensorError
from safetensors.numpy import load_file, save_file

from ..data import take
from ..errors import ModelError
from .stage_features import StageFeatures, extract_stage_features

TENSORS_FILE = "source_stats.safetensors"
META_FILE = "source_stats.json"
SCHEMA_VERSION = 1
MAX_IMAGES = 10_000  # images the moments are measured on
SAMPLE_SIZE = 2_000  # pooled features kept per stage
SAMPLE_PER_CLASS = 50
SKETCH_RANK = 32  # eigenpairs of the covariance kept


@dataclass
class StageMoments:
    """Mean (D,), variance (D,) and the top eigenpairs of the covariance: values (k,), vectors (D, k)."""

    mean: np.ndarray
    var: np.ndarray
    eigenvalues: np.ndarray
    eigenvectors: np.ndarray

    @property
    def std(self) -> np.ndarray:
        return np.sqrt(np.maximum(self.var, 1e-12))


@dataclass
class SourceStatistics:
    """Moments per stage, the pooled-feature sample (with labels and source-head predictions) and provenance."""

    moments: dict[str, StageMoments]
    sample: dict[str, np.ndarray]  # stage -> (n, D) float32
    sample_labels: np.ndarray  # (n,) source class ids
    sample_predicted: np.ndarray  # (n,) source-head predictions
    classes: list[str]
    info: dict = field(default_factory=dict)  # spec, fingerprint, images measured, how features were read

    @property
    def stages(self) -> list[str]:
        return list(self.moments)


def stratified_sample(labels: np.ndarray, size: int, per_class: int, seed: int = 0) -> np.ndarray:
    """Sorted indices: up to `per_class` per class, at most `size` in all (fewer per class when there are many)."""
    classes = np.unique(labels)
    per = max(1, min(per_class, size // max(len(classes), 1)))
    rng = np.random.default_rng(seed)
    picked = [rng.permutation(np.flatnonzero(labels == c))[:per] for c in classes]
    chosen = np.sort(np.concatenate(picked)) if picked else np.zeros(0, np.int64)
    return chosen[:size] if len(chosen) > size else chosen


def moments_of(features: np.ndarray, rank: int = SKETCH_RANK) -> StageMoments:
    """Mean, variance and the covariance's top-`rank` eigenpairs (numpy's symmetric eigensolver)."""
    x = features.astype(np.float64)
    mean = x.mean(0)
    centred = x - mean
    cov = centred.T @ centred / max(len(x) - 1, 1)
    values, vectors = np.linalg.eigh(cov)
    top = np.argsort(values)[::-1][: min(rank, len(values))]
    return StageMoments(mean, np.diag(cov).copy(), np.maximum(values[top], 0.0), vectors[:, top])


@dataclass(frozen=True)
class LabelledImages:
    """Images (uint8, at the model's input size; in memory or streamed), their labels and the class names."""

    images: torch.Tensor
    labels: np.ndarray
    classes: list[str]


def compute_source_statistics(backbone, source: LabelledImages, *, info: dict | None = None, seed: int = 0,
                              device: str = "cpu") -> SourceStatistics:
    """Measure the statistics of the source's images with their labels."""
    images, labels, classes = source.images, np.asarray(source.labels, dtype=np.int64), source.classes
    measured = stratified_sample(labels, MAX_IMAGES, len(labels), seed) if len(labels) > MAX_IMAGES else \
        np.arange(len(labels))
    # a streamed split stays on disk: its images are decoded batch by batch, not all at once
    features: StageFeatures = extract_stage_features(backbone, take(images, torch.from_numpy(measured)), device=device)
    moments = {stage: moments_of(x) for stage, x in features.stages.items()}
    keep = stratified_sample(labels[measured], SAMPLE_SIZE, SAMPLE_PER_CLASS, seed)
    sample = features.subset(keep)
    meta = {**(info or {}), "images_measured": int(len(measured)), "sample_size": int(len(keep)),
            "pooling": "global average of each stage's output (forward hooks; see diagnosis/stage_features.py)"}
    return SourceStatistics(moments, sample.stages, labels[measured][keep], sample.predicted, list(classes), meta)


def save_source_statistics(stats: SourceStatistics, folder: str | Path) -> None:
    """Write source_stats.safetensors and source_stats.json into an existing folder (each via a temporary file)."""
    folder = Path(folder)
    tensors = {"sample.labels": stats.sample_labels.astype(np.int64),
               "sample.predicted": stats.sample_predicted.astype(np.int64)}
    for stage, m in stats.moments.items():
        for key in ("mean", "var", "eigenvalues", "eigenvectors"):
            tensors[f"{stage}.{key}"] = np.ascontiguousarray(getattr(m, key), dtype=np.float32)
        tensors[f"{stage}.sample"] = np.ascontiguousarray(stats.sample[stage], dtype=np.float16)
    meta = {"schema_version": SCHEMA_VERSION, "stages": stats.stages, "classes": stats.classes, **stats.info}
    tmp = folder / f".{TENSORS_FILE}.tmp"
    save_file(tensors, str(tmp), metadata={"format": "pt"})
    os.replace(tmp, folder / TENSORS_FILE)
    tmp = folder / f".{META_FILE}.tmp"
    tmp.write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, folder / META_FILE)


def has_source_statistics(folder: str | Path) -> bool:
    folder = Path(folder)
    return (folder / TENSORS_FILE).is_file() and (folder / META_FILE).is_file()


def load_source_statistics(folder: str | Path) -> SourceStatistics:
    """Read what `save_source_statistics` wrote; ModelError naming the fix when it is missing or damaged."""
    folder = Path(folder)
    if not has_source_statistics(folder):
        raise ModelError(f"'{folder}' holds no source statistics ({META_FILE}); pass --source with the source data, "
                         "or pretrain the model again with 'transferkit pretrain'.")
    try:
        meta = json.loads((folder / META_FILE).read_text(encoding="utf-8"))
        tensors = load_file(str(folder / TENSORS_FILE))
        stages = [str(s) for s in meta["stages"]]
        moments = {s: StageMoments(*(tensors[f"{s}.{k}"].astype(np.float64)
                                     for k in ("mean", "var", "eigenvalues", "eigenvectors"))) for s in stages}
        sample = {s: tensors[f"{s}.sample"].astype(np.float32) for s in stages}
        labels, predicted = tensors["sample.labels"], tensors["sample.predicted"]
        classes = [str(c) for c in meta["classes"]]
    except (OSError, ValueError, KeyError, TypeError, SafetensorError) as e:
        raise ModelError(f"The source statistics in '{folder}' are damaged ({type(e).__name__}: {e}); pretrain the "
                         "model again or pass --source.") from None
    if meta.get("schema_version") != SCHEMA_VERSION:
        raise ModelError(f"'{folder / META_FILE}' has schema_version {meta.get('schema_version')!r}, expected "
                         f"{SCHEMA_VERSION}; pretrain the model again or pass --source.")
    info = {k: v for k, v in meta.items() if k not in ("schema_version", "stages", "classes")}
    return SourceStatistics(moments, sample, labels.astype(np.int64), predicted.astype(np.int64), classes, info)
