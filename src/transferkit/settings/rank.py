"""RankSettings: which networks `rank` scores on the target before any training, and which score orders them."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import ModelError
from .choices import RANK_SCORES
from .constraints import Names, OneOf
from .fields import Record, setting

DEFAULT_RANK_SCORE = "logme"


@dataclass(frozen=True)
class RankSettings(Record):
    """`models`: the networks to rank; `score`: the transferability score that orders them."""

    error = ModelError
    kind = "ranking"
    panel = "Ranking"

    models: tuple[str, ...] = setting(None, Names(1, ("timm:tf_efficientnet_lite0", "torchvision:mobilenet_v2")),
                                      "Networks to rank, comma-separated model specs (see 'transferkit models' for "
                                      "those ready here).")
    score: str = setting(DEFAULT_RANK_SCORE, OneOf(RANK_SCORES),
                         "The score that orders the networks (every score is computed and written): logme, leep, nce, "
                         "h-score, knn or linear-probe.")
