"""DiagnoseSettings: what `diagnose` measures besides the run request (model, data, source, device, seed)."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import DataError
from .constraints import Text, Whole
from .fields import Record, setting

MAX_TARGET_IMAGES = 2000


@dataclass(frozen=True)
class DiagnoseSettings(Record):
    """`max_images`: target images compared at most (a stratified sample); `unlabeled`: unlabelled target images added
    to the shift measures."""

    error = DataError
    kind = "diagnose"
    panel = "Diagnosis"

    max_images: int = setting(MAX_TARGET_IMAGES, Whole(min=10, example=2000),
                              "Target images compared at most (a stratified sample).")
    unlabeled: str | None = setting(None, Text(example="path/to/images"),
                                    "Unlabelled target images (a folder in any layout, or a data spec) added to the "
                                    "shift measures.")
