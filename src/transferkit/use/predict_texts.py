"""Predict texts with a text classifier: each line of a .txt file, or each row of a CSV file's `text` column (or
texts given directly), one prediction row each."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from ..console import track
from ..errors import DataError
from ..settings.use import PredictSettings
from .loaded import LoadedModel, top_classes
from .predict_files import FilePredictions


def text_inputs(inputs: list[str]) -> list[tuple[str, str]]:
    """(where, text) of every text: a .txt file gives its non-empty lines, a .csv file its 'text' column; anything
    that is not a file is itself a text."""
    if not inputs:
        raise DataError("No texts given; pass .txt files (one text per line), CSV files with a text column, or texts.")
    found: list[tuple[str, str]] = []
    for item in inputs:
        path = Path(item).expanduser()
        if not path.is_file():
            found.append(("argument", item))
            continue
        try:
            content = path.read_bytes().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise DataError(f"'{path}' is not UTF-8 text; save it as UTF-8.") from None
        if path.suffix.lower() == ".csv":
            reader = csv.DictReader(io.StringIO(content, newline=""))
            if "text" not in (reader.fieldnames or []):
                raise DataError(f"CSV file {path} has no 'text' column; name the column of texts 'text'.")
            found += [(f"{path}:{reader.line_num}", row["text"] or "") for row in reader]
        else:
            found += [(f"{path}:{n}", line) for n, line in enumerate(content.splitlines(), 1) if line.strip()]
    return found


def predict_texts(loaded: LoadedModel, texts: list[tuple[str, str]],
                  settings: PredictSettings = PredictSettings()) -> FilePredictions:
    """One row per text: where it came from, the text, the predicted class and the top classes; an empty text gets
    an error row."""
    k = min(settings.top_k, len(loaded.classes))
    columns = ["path", "text", "prediction", "probability"]
    for i in range(1, k + 1):
        columns += [f"class_{i}", f"probability_{i}"]
    columns.append("error")
    rows: list[dict[str, Any]] = []
    size = settings.batch_size
    starts = range(0, len(texts), size)
    for start in track(starts, len(starts), f"Predicting {len(texts)} texts", settings.progress):
        batch = texts[start : start + size]
        good = [(where, text.strip()) for where, text in batch if text.strip()]
        probs = iter(loaded.probabilities(loaded.backbone.preprocessing.tokenize([t for _, t in good]))
                     if good else [])
        for where, text in batch:
            if not text.strip():
                rows.append({"path": where, "text": "", "error": "empty text"})
                continue
            pred = top_classes(next(probs), loaded.classes, k)
            row = {"path": where, "text": text.strip(), "prediction": pred.label,
                   "probability": f"{pred.probability:.6f}", "error": ""}
            for i, (name, p) in enumerate(pred.top, 1):
                row[f"class_{i}"], row[f"probability_{i}"] = name, f"{p:.6f}"
            rows.append(row)
    return FilePredictions(rows, columns, False)
