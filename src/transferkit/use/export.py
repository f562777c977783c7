"""Export a loaded model (ONNX, TorchScript, safetensors) with its metadata beside it, after a parity check: the
written file is run again and its logits must match the PyTorch model's on real images."""

from __future__ import annotations

import copy
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from ..errors import RunError
from ..files import write_json
from ..models.builders import first_line
from ..settings.use import ExportSettings
from .export_formats import export_format
from .export_metadata import export_metadata
from .loaded import LoadedModel
from .parity_images import parity_images
from .predict_files import check_output_file



@dataclass
class Export:
    """The written file and its metadata JSON; `max_abs_diff`: the largest logit difference on `images` images."""

    path: Path
    metadata_path: Path
    format: str
    max_abs_diff: float
    images: int
    metadata: dict[str, Any]


def metadata_path_of(out: Path) -> Path:
    return out.with_name(out.name + ".json")


def export_model(loaded: LoadedModel, settings: ExportSettings, out: str | Path, *, images: list[str] | None = None,
                 overwrite: bool = False) -> Export:
    """Write `out` and `out`.json, or nothing when the exported logits differ by more than `settings.tolerance`."""
    if loaded.backbone.preprocessing.kind == "text":
        from .export_text import export_text

        return export_text(loaded, settings, out, texts=images, overwrite=overwrite)
    fmt, tolerance = settings.format, settings.tolerance
    exporter = export_format(fmt)
    out = check_output_file(out, overwrite)
    meta_out = check_output_file(metadata_path_of(out), overwrite)
    batch = loaded.transform.normalize(parity_images(loaded, images)).float()
    model = copy.deepcopy(loaded.model).cpu().float().eval()
    with torch.no_grad():
        reference = model(batch)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.export-", dir=out.parent))
    try:
        written = staging / out.name
        try:
            with torch.no_grad():
                details = exporter.write(model, batch[: min(2, len(batch))], written)
                got = exporter.reload(written, loaded.backbone.arch, len(loaded.classes))(batch)
        except (RuntimeError, ValueError, TypeError, NotImplementedError) as e:
            raise RunError(f"Cannot export this model to {fmt} ({first_line(e)}); try another --format.") from None
        diff = float((reference - got.float()).abs().max())
        if not diff <= tolerance:
            raise RunError(f"The {fmt} export's logits differ from the PyTorch model's by up to {diff:.3g} on "
                           f"{len(batch)} images (tolerance {tolerance:g}); nothing was written. Pass a larger "
                           "--tolerance if that difference is acceptable.")
        parity = {"images": len(batch), "max_abs_logit_diff": diff, "tolerance": tolerance,
                  "compared_with": "the PyTorch model on CPU, float32"}
        meta = export_metadata(loaded, fmt, out, {**details, "parity": parity})
        write_json(staging / meta_out.name, meta)
        os.replace(written, out)
        os.replace(staging / meta_out.name, meta_out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return Export(out, meta_out, fmt, diff, len(batch), meta)
