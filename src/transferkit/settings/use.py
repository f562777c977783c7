"""Settings of using a trained model: `predict` (top classes, test-time augmentation, batches, workers, device) and
`export` (format, the parity check's tolerance)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ..errors import RunError
from .choices import DEVICES
from .constraints import Flag, Invalid, Names, Number, OneOf, Whole
from .fields import Record, setting

DEFAULT_TOLERANCE = 1e-4


def _export_formats() -> list[str]:
    from ..use.export_formats import FORMATS  # the registered formats, read when a format is checked

    return list(FORMATS)


_VIEW_PART = re.compile(r"^(identity|flip|crop:(0?\.\d*[1-9]\d*))$")


class Views(Names):
    """Test-time views: identity, flip, crop:F (the central fraction F, 0 < F < 1, resized back), or views joined by +
    (flip+crop:0.9)."""

    metavar = "VIEW,..."

    def __init__(self):
        super().__init__(least=1, example=("identity", "flip", "crop:0.875"))
        self.what = "views among identity, flip and crop:F (0 < F < 1), or such views joined by +, such as identity,flip"

    def check(self, value: Any) -> tuple[str, ...]:
        names = super().check(value)
        bad = next((n for n in names if not all(_VIEW_PART.match(p) for p in n.split("+"))), None)
        if bad is not None:
            raise Invalid(value, self.what, detail=f"{bad!r} is not one")
        return names


@dataclass(frozen=True)
class PredictSettings(Record):
    """How `predict` runs: `top_k` classes per image, `tta` test-time augmentation, `batch_size`, `workers` decoding
    images, `device`, `progress` bars."""

    error = RunError
    kind = "predict"
    panel = "Prediction"

    top_k: int = setting(5, Whole(min=1), "Classes listed per image, most probable first.")
    tta: bool = setting(False, Flag(), "Average the class probabilities of the --tta-views of each image (by "
                                       "default with its horizontal flip, only when the run trained on flipped "
                                       "images).")
    tta_views: tuple[str, ...] = setting(("identity", "flip"), Views(),
                                         "The views --tta averages: identity, flip (only where the run trained on "
                                         "flipped images), crop:F (the central fraction F, resized back), or views "
                                         "joined by + (flip+crop:0.9).")
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
