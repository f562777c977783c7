"""Settings of using a trained model: `predict` (top classes, test-time augmentation, batches, workers, device) and
`export` (format, the parity check's tolerance)."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import RunError
from .choices import DEVICES
from .constraints import Flag, Number, OneOf, Whole
from .fields import Record, setting

DEFAULT_TOLERANCE = 1e-4


def _export_formats() -> list[str]:
    from ..use.export_formats import FORMATS  # the registered formats, read when a format is checked

    return list(FORMATS)


@dataclass(frozen=True)
class PredictSettings(Record):
    """How `predict` runs: `top_k` classes per image, `tta` test-time augmentation, `batch_size`, `workers` decoding
    images, `device`, `progress` bars."""

    error = RunError
    kind = "predict"
    panel = "Prediction"

    top_k: int = setting(5, Whole(min=1), "Classes listed per image, most probable first.")
    tta: bool = setting(False, Flag(), "Average each image with its horizontal flip (only when the run trained on "
                                       "flipped images).")
    batch_size: int = setting(64, Whole(min=1), "Images per batch.")
    workers: int = setting(2, Whole(min=0), "Worker processes that decode and resize images (0: in this process).")
    device: str = setting("cpu", OneOf(DEVICES), "auto, cpu or cuda.")
    progress: bool = setting(True, Flag(), "Progress bars.", cli=False)


@dataclass(frozen=True)
class ExportSettings(Record):
    """`format` of the exported file; `tolerance`: the largest allowed absolute logit difference between the written
    file (run again) and the PyTorch model."""

    error = RunError
    kind = "export"
    panel = "Export"

    format: str = setting(None, OneOf(_export_formats, metavar="onnx|torchscript|safetensors"),
                          "onnx (dynamic batch), torchscript (traced) or safetensors.")
    tolerance: float = setting(DEFAULT_TOLERANCE, Number(min=0, example=1e-4),
                               "Largest allowed absolute logit difference between the exported file and the PyTorch "
                               "model.")

    def check(self) -> None:
        if self.format is None:
            raise RunError(f"No export format given; pass --format with one of {_export_formats()}.")
