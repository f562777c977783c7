"""DiagnoseSettings: what `diagnose` measures besides the run request (model, data, source, device, seed)."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import DataError
from .constraints import Whole
from .fields import Record, setting

MAX_TARGET_IMAGES = 2000


@dataclass(frozen=True)
class DiagnoseSettings(Record):
    """`max_images`: target images compared at most (a stratified sample)."""

    error = DataError
    kind = "diagnose"
    panel = "Diagnosis"

    max_images: int = setting(MAX_TARGET_IMAGES, Whole(min=10, example=2000),
                              "Target images compared at most (a stratified sample).")
