"""`load`: a run or model directory as a plain torch module with its classes, preprocessing and `predict`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn

from ..console import logger
from ..settings.choices import DEVICES
from ..errors import ModelError, RunError
from ..models import Backbone, load_model_dir
from .flip import run_flipped
from .run_dir import model_dir_of, read_record
from .transform import EvalTransform, ImageLike
from .views import DEFAULT_VIEWS, TestViews

BATCH = 64


@dataclass(frozen=True)
class Prediction:
    """The predicted class, its probability, and the `top` classes with their probabilities (best first); for an
    input that could not be read, `label` and `probability` are None and `error` says why."""

    label: str | None
    probability: float | None
    top: list[tuple[str, float]] = field(default_factory=list)
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def resolve_device(device: str) -> torch.device:
    if device not in DEVICES:
        raise RunError(f"The device must be one of {list(DEVICES)}; got {device!r}.")
    if device == "cuda" and not torch.cuda.is_available():
        raise RunError("--device cuda was asked for, but no CUDA GPU is visible; use --device cpu or auto.")
    return torch.device("cuda" if device != "cpu" and torch.cuda.is_available() else "cpu")


@dataclass
class LoadedModel:
    """`model`: a plain torch module in eval mode (normalized images in, logits for `classes` out); `transform`: the
    evaluation preprocessing (image -> the model's input); `record`: run.json when the directory has one."""

    model: nn.Module
    classes: list[str]
    transform: EvalTransform
    dir: Path
    record: dict[str, Any] | None
    backbone: Backbone

    @property
    def device(self) -> torch.device:
        return next(self.model.parameters()).device

    @property
    def flip_allowed(self) -> bool:
        """Test-time flips keep the label only when the run itself trained on flipped images."""
        return run_flipped(self.record)

    def use_tta(self, requested: bool) -> bool:
        """Whether test-time flips apply: when requested and allowed (a warning says when they are not)."""
        if requested and not self.flip_allowed:
            logger.warning("Test-time augmentation is not applied: this run trained without horizontal flips, so a "
                           "flipped image is not known to keep its class.")
        return requested and self.flip_allowed

    @torch.no_grad()
    def logits(self, batch: torch.Tensor) -> torch.Tensor:
        """Logits (N, classes) on the CPU for uint8 images (N, 3, H, W) at the input size."""
        return self.model(self.transform.normalize(batch.to(self.device))).float().cpu()

    @torch.no_grad()
    def probabilities(self, batch: torch.Tensor, tta: bool | TestViews = False) -> torch.Tensor:
        """Class probabilities (N, classes); with `tta`, the mean over the images and their horizontal flips, or over
        the given TestViews."""
        views = tta if isinstance(tta, TestViews) else TestViews(DEFAULT_VIEWS if tta else ("identity",))
        return views.probabilities(self.logits, batch)

    def predict(self, images: ImageLike | Sequence[ImageLike], top_k: int = 5, tta: bool = False) -> list[Prediction]:
        """One Prediction per image (paths, PIL images, arrays or tensors; a 4-d tensor is a batch), or per text
        (strings) for a text classifier, in order; an image that cannot be read gets a Prediction with its `error`
        instead of stopping the others."""
        tta = self.use_tta(tta)
        pre = self.transform.preprocessing
        if pre.kind == "text":
            tokens = pre.tokenize([images] if isinstance(images, str) else list(images))
            return [top_classes(row, self.classes, top_k)
                    for start in range(0, len(tokens), BATCH)
                    for row in self.probabilities(tokens[start : start + BATCH], tta)]
        each = self.transform.resized_each(_as_list(images))
        good = [i for i, item in enumerate(each) if not isinstance(item, str)]
        out = [Prediction(None, None, [], item) if isinstance(item, str) else None for item in each]
        for start in range(0, len(good), BATCH):
            chunk = good[start : start + BATCH]
            probs = self.probabilities(torch.stack([each[i] for i in chunk]), tta)
            for i, row in zip(chunk, probs):
                out[i] = top_classes(row, self.classes, top_k)
        return out


def top_classes(probs: torch.Tensor, classes: list[str], k: int) -> Prediction:
    """The Prediction of one row of probabilities."""
    values, indices = probs.topk(min(max(k, 1), len(classes)))
    top = [(classes[int(i)], float(v)) for v, i in zip(values, indices)]
    return Prediction(top[0][0], top[0][1], top)


def _as_list(images: Any) -> list:
    if isinstance(images, torch.Tensor) and images.ndim == 4:
        return list(images)
    if isinstance(images, (list, tuple)):
        return list(images)
    return [images]


def load(path: str | Path, device: str = "cpu") -> LoadedModel:
    """A run directory, a comparison (its winner's best run) or a model directory, loaded from safetensors only."""
    folder = model_dir_of(path)
    backbone = load_model_dir(folder)
    record = read_record(folder)
    classes = (record or {}).get("data", {}).get("classes") or backbone.origin.get("source_classes")
    if not classes or len(classes) != backbone.num_classes:
        raise ModelError(f"'{folder}' does not name the {backbone.num_classes} classes of its head; save the model "
                         "again with 'transferkit adapt'.")
    model = backbone.model.to(resolve_device(device)).eval()
    return LoadedModel(model, list(classes), EvalTransform(backbone.preprocessing), folder, record, backbone)
