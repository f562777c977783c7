"""DataRef: which data a run uses and how it is split."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import DataError
from .constraints import Names, Number, Text, Whole
from .fields import Record, setting

DATA_HELP = ("Data: an ImageFolder directory (or train/, val/, test/ folders of them), csv:FILE (columns "
             "path,label[,split] or text,label[,split]), idx:DIR (MNIST-format files), hf:NAME_OR_DIR (a Hugging Face "
             "data set), fashion-mnist, synthetic:glyphs, or digits.")
SPEC = Text(example="path/to/images")


@dataclass(frozen=True)
class DataRef(Record):
    """The target data spec and how it is split: `labels_per_class` K labelled training images per class (the rest
    split into validation and test), else `val_fraction` and `test_fraction` of each class held out; `classes` the
    class list (its order gives the label ids). Domain adaptation: `source` labelled source data to train on,
    `unlabeled` unlabelled target images; the target is then only evaluated on. Without `source`, `unlabeled` holds
    unlabelled images of the target's own distribution (semi-supervised phases). `holdout_fraction`: that fraction of
    each class's validation images held out from every choice (set by a comparison's --holdout). `max_bad_fraction`:
    more unreadable images than this fraction is an error."""

    error = DataError
    kind = "data"
    panel = "Data"

    spec: str = setting(None, SPEC, DATA_HELP + " This is the target (your data).", name="data")
    labels_per_class: int | None = setting(None, Whole(min=1, example=10),
                                           "Draw K labelled training images per class; the rest is split into "
                                           "validation and test.")
    classes: tuple[str, ...] | None = setting(None, Names(least=2),
                                              "The class list, comma-separated (a,b,c): every label must be in it; "
                                              "its order gives the label ids.")
    val_fraction: float = setting(0.2, Number(above=0, below=1, example=0.2),
                                  "Fraction of each class held out for validation (without --labels-per-class).")
    test_fraction: float = setting(0.2, Number(above=0, below=1, example=0.2),
                                   "Fraction of each class held out for testing (without --labels-per-class).")
    source: str | None = setting(None, SPEC, "Labelled source data (same classes as --data) to train on: domain "
                                             "adaptation; --data is then only evaluated on.")
    unlabeled: str | None = setting(None, SPEC, "Unlabelled target images (a folder in any layout, or a data spec): "
                                                "with --source, for batch norm and alignment losses; without it, "
                                                "images of the target's own distribution for semi-supervised phases "
                                                "(fixmatch, pseudo-label).")
    holdout_fraction: float | None = setting(None, Number(above=0, below=1, example=0.5),
                                             "Fraction of each class's validation images held out from every choice.",
                                             cli=False)
    max_bad_fraction: float = setting(0.01, Number(min=0, max=1, example=0.01),
                                      "Unreadable images are left out and listed in run.json; more than this fraction "
                                      "of them stops the run.")

    def check(self) -> None:
        if self.spec is None:
            raise DataError("No data given; pass an image folder, csv:FILE, synthetic:glyphs or digits.")
        if self.val_fraction + self.test_fraction >= 1:
            raise DataError("val_fraction and test_fraction must sum to less than 1 (for example 0.2 and 0.2); got "
                            f"{self.val_fraction!r} and {self.test_fraction!r}.")
        if self.holdout_fraction is not None and self.source is not None:
            raise DataError("A holdout of the validation split needs a labelled target split; with --source, model "
                            "selection uses the source's validation images; drop the holdout.")

    @property
    def domain_adaptation(self) -> bool:
        """True when the run trains on a labelled source and is evaluated on this target."""
        return self.source is not None
