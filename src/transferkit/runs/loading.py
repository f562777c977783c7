"""What a run starts from: the backbone and the data of a RunSpec, loaded — or named, when given as objects."""

from __future__ import annotations

from pathlib import Path

from ..data import DataSplits, load_data
from ..data.domain_data import DomainSplits, load_domain_data
from ..data.holdout import hold_out
from ..data.unlabeled import load_unlabeled
from ..errors import RunError
from ..models import Backbone, load_backbone
from ..settings import DataRef, ModelRef, RunSpec


def load_model(model: str | ModelRef | Backbone, **ref: object) -> Backbone:
    """A Backbone from a ModelRef or a model spec (with ModelRef fields), or as given."""
    if isinstance(model, Backbone):
        return model
    return load_backbone(model, **ref)


def load_splits(spec: RunSpec, preprocessing, progress: bool | None = None) -> DataSplits:
    """The data of a run split with its seed: train / validation / test (by role, in domain adaptation)."""
    data, show = spec.data, spec.execution.progress if progress is None else progress
    if data.source is not None:
        return load_domain_data(data, preprocessing, seed=spec.seed, progress=show)
    splits = load_data(data, preprocessing, seed=spec.seed, progress=show, reading=spec.execution.reading())
    if data.unlabeled is not None:  # unlabelled images of the target's own distribution
        splits.unlabeled = load_unlabeled(data.unlabeled, preprocessing, progress=show)
    return hold_out(splits, data.holdout_fraction, spec.seed) if data.holdout_fraction else splits


def model_ref_of(backbone: Backbone) -> ModelRef:
    """The ModelRef that loads this backbone again (a library model's weights file, or a model directory)."""
    origin = backbone.origin
    spec = str(origin.get("spec") or backbone.arch.get("name"))
    weights = origin.get("weights")
    if backbone.family.pools_tokens:  # a transformer encoder reads its weights from its own directory
        return ModelRef(spec, pretrained=bool(origin.get("pretrained")), pooling=origin.get("pooling"),
                        max_length=getattr(backbone.preprocessing, "max_length", None))
    from_file = weights not in (None, "hub") and not Path(spec).is_dir()
    size = backbone.preprocessing.input_size
    return ModelRef(spec, weights=weights if from_file else None,
                    weights_map=(origin.get("weights_map") or {}).get("method") if from_file else None,
                    pretrained=bool(origin.get("pretrained")), input_size=size[1] if size[1] == size[2] else None)


def data_ref_of(splits: DataSplits) -> DataRef:
    """The DataRef that splits this data the same way again."""
    if isinstance(splits, DomainSplits):
        raise RunError("With --source, pass the target data as a spec (--data), not as loaded splits.")
    options = splits.options
    classes = options.get("classes")
    return DataRef(splits.spec, labels_per_class=options.get("labels_per_class"),
                   classes=tuple(classes) if classes else None,
                   val_fraction=options.get("val_fraction", 0.2), test_fraction=options.get("test_fraction", 0.2),
                   holdout_fraction=(options.get("holdout") or {}).get("fraction"))
