"""The constraints of phase settings that a whole run may also set (`--epochs`, `--lr`, `--augment`, ...), declared
once for the Phase record (plans/phase.py) and for Overrides.

`randaugment` is a timm RandAugment policy: `rand`, then dash-separated parts `m<magnitude>`, `n<ops per image,
1-15>`, `mstd<magnitude std>`, `mmax<magnitude cap>`, `p<probability of each op>`, `inc<0|1>` (increasing ops) and
`t<weights|3a|3aw>` (op set), e.g. `rand-m9-mstd0.5`; `none`: off. `random_erasing` is a probability per image;
`mixup` and `cutmix` are the alphas of the Beta distribution that draws each batch's mixing weight (0: off).
"""

from __future__ import annotations

import re

from .choices import AUGMENTATIONS, CLASS_WEIGHTS, SAMPLERS
from .constraints import Invalid, Number, OneOf, Pattern, Whole

EPOCHS = Whole(min=1, example=10)
# What an epoch budget means, said once: the help of --epochs and of fixed_epochs, run.json's plan.epochs and the
# leaderboard's selection record all read it from here.
EPOCH_BUDGET = ("an epoch budget (--epochs, a comparison's epochs) is shared in proportion by the plan's phases; a "
                "phase with fixed_epochs (the head that lp-ft and keras-guide train to convergence first) trains its "
                "own epochs on top of it, so such a plan trains budget + fixed epochs, and run.json (plan.epochs), the "
                "leaderboard and a time budget count both; under successive halving a shorter rung shortens fixed "
                "phases in the same proportion as the others")
EPOCHS_HELP = ("Epoch budget, shared in proportion by the plan's phases; a phase with fixed epochs (the head lp-ft and "
               "keras-guide train first) trains its own on top (run.json and the leaderboard show both).")
LR = Number(above=0, example=0.001)
BATCH_SIZE = Whole(min=1, example=32)
MAX_STEPS = Whole(min=1, example=100)
GRAD_ACCUM = Whole(min=1, example=2)
AUGMENT = OneOf(AUGMENTATIONS)
CLASS_WEIGHT = OneOf(CLASS_WEIGHTS)
SAMPLER = OneOf(SAMPLERS)
RANDOM_ERASING = Number(min=0, max=1, example=0.25, what="a probability of at least 0 and at most 1")
MIX_ALPHA = Number(min=0, example=0.2)
EMA = Number(min=0, below=1, example=0.999)
WISE_BN = OneOf(("interpolate", "reestimate"))
SEMI_SUPERVISED = OneOf(("none", "fixmatch", "pseudo-label"))
THRESHOLD = Number(min=0, max=1, example=0.95, what="a probability of at least 0 and at most 1")
UNLABELED_RATIO = Whole(min=1, example=7)
UNLABELED_WEIGHT = Number(min=0, example=1.0)

RANDAUGMENT_EXAMPLE = "rand-m9-mstd0.5"
_POLICY_PART = re.compile(r"^(m\d+|n([1-9]|1[0-5])|mstd\d+(\.\d+)?|mmax\d+|p(0(\.\d+)?|1(\.0+)?|\.\d+)|inc[01]|"
                          r"t(weights|3a|3aw))$")
_POLICY_WORDS = (f"a timm RandAugment policy such as {RANDAUGMENT_EXAMPLE!r} (rand, then m<magnitude>, n<ops 1-15>, "
                 "mstd<std>, mmax<cap>, p<probability>, inc<0|1>, t<weights|3a|3aw>) or none (off)")


def _policy(text: str) -> str:
    """The policy, checked by timm itself after the grammar ('none': off)."""
    if text == "none":
        return text
    parts = text.split("-")
    bad = next((p for p in parts[1:] if not _POLICY_PART.match(p)), None)
    if parts[0] != "rand" or bad is not None:
        raise Invalid(text, _POLICY_WORDS, detail=f"part {bad!r} is not one" if bad is not None else None)
    from timm.data.auto_augment import rand_augment_transform  # only when a policy is given

    try:
        rand_augment_transform(text, {})
    except (AssertionError, ValueError, KeyError, IndexError) as exc:
        raise Invalid(text, f"a policy timm accepts, such as {RANDAUGMENT_EXAMPLE!r}", detail=str(exc)) from None
    return text


RANDAUGMENT = Pattern(_policy, _POLICY_WORDS, RANDAUGMENT_EXAMPLE, metavar="POLICY")

# timm's augmentations, off unless a phase sets them
AUGMENT_SETTINGS = ("randaugment", "random_erasing", "mixup", "cutmix")
