"""Predict many image files: decoded and resized in DataLoader worker processes, batched, one row per file."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch.utils.data import DataLoader, Dataset

from ..console import track
from ..data.image_files import UnreadableImage
from ..errors import RunError
from ..files import write_text
from ..settings.use import PredictSettings
from .loaded import LoadedModel, top_classes
from .transform import EvalTransform
from .views import TestViews


class ImageFiles(Dataset):
    """(uint8 image at the input size, error message) per path; an unreadable file gives a blank image and its
    reason instead of stopping the run."""

    def __init__(self, paths: list[Path], transform: EvalTransform):
        self.paths, self.transform = paths, transform

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, str]:
        try:
            return self.transform.resized(self.paths[i]), ""
        except UnreadableImage as e:
            h, w = self.transform.preprocessing.size_hw
            return torch.zeros((3, h, w), dtype=torch.uint8), str(e)


@dataclass
class FilePredictions:
    """One row per input file (path, prediction, probability, class_1, probability_1, ..., error)."""

    rows: list[dict[str, Any]]
    columns: list[str]
    tta: bool
    views: TestViews | None = None  # the views averaged (None: none)

    @property
    def errors(self) -> int:
        return sum(1 for row in self.rows if row["error"])

    def to_csv(self) -> str:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=self.columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(self.rows)
        return buffer.getvalue()


def predict_files(loaded: LoadedModel, paths: list[Path], settings: PredictSettings = PredictSettings()
                  ) -> FilePredictions:
    """Predict every file; `settings.tta` averages the probabilities of the views `settings.tta_views` of each image
    (flips only where the run trained on flipped images)."""
    top_k, batch_size, workers, progress = settings.top_k, settings.batch_size, settings.workers, settings.progress
    views = TestViews.choose(settings.tta, settings.tta_views, loaded.flip_allowed)
    k = min(top_k, len(loaded.classes))
    columns = ["path", "prediction", "probability"]
    for i in range(1, k + 1):
        columns += [f"class_{i}", f"probability_{i}"]
    columns.append("error")
    loader = DataLoader(ImageFiles(paths, loaded.transform), batch_size=batch_size, num_workers=workers)
    rows: list[dict[str, Any]] = []
    batches = (len(paths) + batch_size - 1) // batch_size
    for images, errors in track(loader, batches, f"Predicting {len(paths)} images", progress):
        probs = loaded.probabilities(images, views)
        for row_probs, error in zip(probs, errors):
            path = str(paths[len(rows)])
            if error:
                rows.append({"path": path, "error": error})
                continue
            pred = top_classes(row_probs, loaded.classes, k)
            row = {"path": path, "prediction": pred.label, "probability": f"{pred.probability:.6f}", "error": ""}
            for i, (name, p) in enumerate(pred.top, 1):
                row[f"class_{i}"], row[f"probability_{i}"] = name, f"{p:.6f}"
            rows.append(row)
    return FilePredictions(rows, columns, views.augments, views)


def check_output_file(out: str | Path, overwrite: bool = False) -> Path:
    """Refuse a folder, or an existing file unless `overwrite`; call before any work starts."""
    out = Path(out)
    if out.is_dir():
        raise RunError(f"--out '{out}' is a folder; pass a file name such as {out / 'predictions.csv'}.")
    if out.exists() and not overwrite:
        raise RunError(f"'{out}' already exists; pass --overwrite or choose another --out.")
    return out


def write_predictions(result: FilePredictions, out: str | Path, overwrite: bool = False) -> Path:
    """The rows as a CSV file, written whole or not at all."""
    out = check_output_file(out, overwrite)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_text(out, result.to_csv())
    return out
