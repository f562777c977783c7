"""The phase settings of timm's augmentations: RandAugment, random erasing, mixup and CutMix (all off by default).

`randaugment` is a timm RandAugment policy: `rand`, then dash-separated parts `m<magnitude>`, `n<ops per image,
1-15>`, `mstd<magnitude std>`, `mmax<magnitude cap>`, `p<probability of each op>`, `inc<0|1>` (increasing ops) and
`t<weights|3a|3aw>` (op set), e.g. `rand-m9-mstd0.5`; `none` or null: off. `random_erasing` is a probability per
image; `mixup` and `cutmix` are the alphas of the Beta distribution that draws each batch's mixing weight (0: off).
"""

from __future__ import annotations

import re
from typing import Any

from ..errors import PlanError
from .checks import number

AUGMENT_SETTINGS = ("randaugment", "random_erasing", "mixup", "cutmix")
RANDAUGMENT_EXAMPLE = "rand-m9-mstd0.5"
_POLICY_PART = re.compile(r"^(m\d+|n([1-9]|1[0-5])|mstd\d+(\.\d+)?|mmax\d+|p(0(\.\d+)?|1(\.0+)?|\.\d+)|inc[01]|"
                          r"t(weights|3a|3aw))$")


def check_augment_setting(key: str, value: Any, name: str | None = None) -> None:
    """Raise PlanError unless `value` suits the setting `key` (called `name` in the message; default `key`)."""
    name = name or key
    if key == "randaugment":
        if value not in (None, "none"):
            _check_policy(name, value)
        return
    number(name, value)
    if key == "random_erasing" and value > 1:
        raise PlanError(f"The '{name}' setting is a probability and must be at most 1; got {value!r}.")


def check_mixing(phase) -> None:
    """Mixup and CutMix train on mixed soft labels, which the per-class weights of hard labels do not apply to."""
    if (phase.mixup or phase.cutmix) and phase.class_weights != "none":
        raise PlanError("class_weights weight the loss of hard labels, but mixup and cutmix train on mixed soft "
                        "labels; use class_weights or mixup/cutmix in a phase, not both (sampler: balanced works "
                        "with both).")


def _check_policy(name: str, policy: Any) -> None:
    parts = policy.split("-") if isinstance(policy, str) else []
    bad = next((p for p in parts[1:] if not _POLICY_PART.match(p)), None)
    if not parts or parts[0] != "rand" or bad is not None:
        what = f"part {bad!r} of {policy!r}" if bad is not None else repr(policy)
        raise PlanError(f"The '{name}' setting must be a timm RandAugment policy such as {RANDAUGMENT_EXAMPLE!r} "
                        f"(rand, then m<magnitude>, n<ops 1-15>, mstd<std>, mmax<cap>, p<probability>, inc<0|1>, "
                        f"t<weights|3a|3aw>) or none (off); got {what}.")
    from timm.data.auto_augment import rand_augment_transform

    try:
        rand_augment_transform(policy, {})
    except (AssertionError, ValueError, KeyError, IndexError) as exc:
        raise PlanError(f"timm does not accept the RandAugment policy {policy!r} of '{name}' ({exc}); use one such "
                        f"as {RANDAUGMENT_EXAMPLE!r}.") from None
