"""What a consumer of an exported model needs besides the file: preprocessing steps, classes, input and output."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from ..data import Preprocessing
from ..environment import package_versions
from .loaded import LoadedModel

INPUT_NAME, OUTPUT_NAME = "input", "logits"


def preprocessing_steps(pre: Preprocessing) -> list[dict[str, Any]]:
    """The evaluation preprocessing as explicit steps (what `Preprocessing.resize_crop` and `normalize` do)."""
    if pre.kind == "text":
        return [{"op": "tokenize", "tokenizer": "the tokenizer saved beside the model", "truncation": pre.max_length,
                 "special_tokens": True, "padding": "to the longest text of the batch, with pad_token_id"}]
    h, w = pre.size_hw
    steps: list[dict[str, Any]] = [{"op": "decode", "to": "RGB uint8 (H, W, 3)",
                                    "note": "apply the EXIF orientation; composite transparency onto black"}]
    if h == w:
        shorter = math.floor(h / pre.crop_pct) if pre.crop_pct < 1.0 else h
        steps.append({"op": "resize_shorter_side", "size": shorter, "interpolation": pre.interpolation,
                      "antialias": True, "keep_aspect_ratio": True, "skip_when_already": True})
    else:
        pct = min(pre.crop_pct, 1.0)
        box = [math.floor(h / pct), math.floor(w / pct)]
        steps.append({"op": "resize_to_cover", "box": box, "interpolation": pre.interpolation, "antialias": True,
                      "keep_aspect_ratio": True, "skip_when_already": True,
                      "note": "scale by min(H / box[0], W / box[1]), each side at least its box side"})
    steps += [{"op": "center_crop", "size": [h, w]},
              {"op": "to_float", "scale": 1 / 255, "layout": "CHW"},
              {"op": "normalize", "mean": list(pre.mean), "std": list(pre.std)}]
    return steps


def export_metadata(loaded: LoadedModel, fmt: str, file: Path, details: dict[str, Any]) -> dict[str, Any]:
    """The JSON stored beside an exported file; `details` adds the format's own facts (opset, parity, ...)."""
    pre = loaded.transform.preprocessing
    record = loaded.record or {}
    return {
        "format": fmt,
        "file": file.name,
        "input": {"name": INPUT_NAME, "shape": ["batch", *pre.input_size], "dtype": "float32", "layout": "NCHW"},
        "output": {"name": OUTPUT_NAME, "shape": ["batch", len(loaded.classes)],
                   "meaning": "logits, one per class in the order of 'classes'; softmax gives probabilities"},
        "classes": list(loaded.classes),
        "preprocessing": {**pre.to_dict(), "steps": preprocessing_steps(pre)},
        "architecture": dict(loaded.backbone.arch),
        "source": {"dir": str(loaded.dir), "term": record.get("term"), "strategy": record.get("strategy"),
                   "weights_sha256": loaded.backbone.origin.get("sha256")},
        **details,
        "transferkit_version": package_versions()["transferkit"],
    }
