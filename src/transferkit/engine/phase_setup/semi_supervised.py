"""Semi-supervised fine-tuning on unlabelled images of the target's own distribution (`--unlabeled` without
`--source`): FixMatch (Sohn et al., NeurIPS 2020) and pseudo-labelling (Lee, ICML 2013 workshop) with a confidence
threshold.

An epoch is one pass over the unlabelled images, the labelled ones cycled (engine/epoch_sampler.py). Each training
step also draws `unlabeled_ratio` x batch-size unlabelled images and gives each a weak view (the data set's light
augmentation: a small random affine, plus a horizontal flip where the data allows flips). The network in inference
mode labels the weak views; an image passes when its highest class probability is at least `threshold`. The passing
images then train with their pseudo-labels: FixMatch on a strong view (the weak view, then timm's RandAugment
STRONG_POLICY and torchvision's random erasing), pseudo-labelling on the weak view itself; the loss is
`unlabeled_weight` x the summed cross-entropy over the passing images / the images drawn (as in FixMatch).

The draws of a step are seeded by (run seed, phase, epoch, step) apart from the labelled batches' generator, and the
labelling pass leaves batch-norm statistics untouched: when no image passes, the phase trains exactly as it would
without unlabelled images for the same steps (the plan without them, where one pass over the unlabelled images takes
no more batches than one over the labelled ones).
"""

from __future__ import annotations

import random

import numpy as np
import torch
import torch.nn.functional as F
from torchvision.transforms import v2

from ..modes import kept_modes
from ..seeding import derive_seed

STRONG_POLICY = "rand-m10-n2-mstd0.5"
SEMI_METHODS = {"fixmatch": "FixMatch", "pseudo-label": "pseudo-labelling"}


class _Views:
    """The weak and strong views of uint8 images (3, H, W)."""

    def __init__(self, preprocessing, flip: bool):
        from ...data import make_augmentation, with_rand_augment

        h, w = preprocessing.size_hw
        weak = [make_augmentation("light", (h, w))] + ([v2.RandomHorizontalFlip()] if flip else [])
        self.weak = v2.Compose(weak)
        self.strong = v2.Compose([with_rand_augment(None, STRONG_POLICY, preprocessing),
                                  v2.RandomErasing(p=1.0, value=0)])
        self.described = {"weak": "light (random affine: rotation up to 10 degrees, shift up to 10%, scale 0.9 to 1.1)"
                                  + (" and a random horizontal flip" if flip else ""),
                          "strong": f"the weak view, then timm RandAugment {STRONG_POLICY} and random erasing"}


class UnlabeledTerm:
    """The semi-supervised loss of a phase: call `start_epoch(epoch, done)` before its batches, then `()` once per
    training batch for the loss to add (0.0 when no image passes)."""

    def __init__(self, execution, images):
        phase = execution.phase
        self.execution, self.images, self.phase = execution, images, phase
        self.method = phase.semi_supervised
        self.views = _Views(execution.net.preprocessing, execution.inputs.data.flip)
        self.per_step = phase.unlabeled_ratio * phase.batch_size
        self.truth = images.labels_in(list(execution.inputs.data.classes))  # scores the pseudo-labels, never trains
        self.epoch, self.step = 0, 0
        self.history: list[dict] = []

    def start_epoch(self, epoch: int, done: int = 0) -> None:
        """Before epoch `epoch`'s batches (`done`: batches already trained, in a resumed epoch)."""
        self.epoch, self.step = epoch, done
        if not self.history or self.history[-1]["epoch"] != epoch:
            self.history.append({"epoch": epoch, "drawn": 0, "passed": 0})

    def __call__(self) -> torch.Tensor | float:
        ex = self.execution
        with _own_draws(derive_seed(ex.seed, "unlabeled", ex.rp.index, self.epoch, self.step), ex.accelerator.device):
            self.step += 1
            index = torch.randint(len(self.images), (self.per_step,))
            raw = self.images.images[index]
            weak = torch.stack([self.views.weak(image) for image in raw])
            inputs = ex.image_inputs
            with torch.no_grad(), kept_modes(ex.model):
                ex.model.eval()
                probs = ex.model(inputs.normalize(weak)).float().softmax(1)
            confidence, labels = probs.max(1)
            passed = confidence >= self.phase.threshold
            count = int(passed.sum())
            self.history[-1]["drawn"] += len(raw)
            self.history[-1]["passed"] += count
            if self.truth is not None:
                right = labels[passed].cpu() == self.truth[index][passed.cpu()]
                self.history[-1]["right"] = self.history[-1].get("right", 0) + int(right.sum())
            if count == 0:
                return 0.0
            chosen = weak[passed.cpu()]
            if self.method == "fixmatch":
                chosen = torch.stack([self.views.strong(image) for image in chosen])
            logits = ex.model(inputs.normalize(chosen))
            loss = F.cross_entropy(logits.float(), labels[passed], reduction="sum") / len(raw)
        return self.phase.unlabeled_weight * loss

    def record(self) -> dict:
        """run.json's `semi_supervised` of the phase."""
        return {"method": SEMI_METHODS[self.method], "unlabeled_images": len(self.images),
                "unlabeled": self.images.spec, "threshold": self.phase.threshold,
                "unlabeled_per_labelled": self.phase.unlabeled_ratio, "weight": self.phase.unlabeled_weight,
                "steps_per_epoch": self.execution.batches_per_epoch,
                "epoch": "one pass over the unlabelled images, the labelled images cycled (reshuffled on each pass)",
                **self.views.described, "pseudo_labels": "from the network in inference mode on the weak view",
                "per_epoch": [self._epoch(h) for h in self.history],
                **({"pseudo_label_accuracy": "of the passing images, against the unlabelled spec's own labels "
                                             "(never trained on)"} if self.truth is not None else {})}

    def _epoch(self, h: dict) -> dict:
        epoch = {k: v for k, v in h.items() if k != "right"}
        epoch["passed_fraction"] = h["passed"] / max(h["drawn"], 1)
        if self.truth is not None:
            epoch["pseudo_label_accuracy"] = h.get("right", 0) / h["passed"] if h["passed"] else None
        return epoch


class _own_draws:
    """Random draws seeded by `seed` that leave torch's, Python's and NumPy's generators as they were."""

    def __init__(self, seed: int, device: torch.device):
        self.seed, self.device = seed, device

    def __enter__(self):
        devices = [self.device.index or 0] if self.device.type == "cuda" else []
        self.fork = torch.random.fork_rng(devices=devices)
        self.fork.__enter__()
        self.saved = random.getstate(), np.random.get_state()
        torch.manual_seed(self.seed)
        return self

    def __exit__(self, *exc):
        random.setstate(self.saved[0])
        np.random.set_state(self.saved[1])
        return self.fork.__exit__(*exc)
