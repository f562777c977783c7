"""Domain-adaptation runs shared by the tests of the alignment methods."""

from __future__ import annotations

import torch

from transferkit import adapt

SOURCE = "synthetic:glyphs?classes=4&per_class=12&size=16"
TARGET = SOURCE + "&shift=contrast"
UNLABELED = TARGET + "&sample=2"


def weights(run) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in run.backbone.model.state_dict().items()}


def aligned_and_control(model_dir, method: str):
    """Two seeded runs of the preset `method` for 2 epochs, with weight 1 and 0; asserts that the loss changed the
    trained top stage and left the frozen stages alone."""
    def run(weight):
        return adapt(str(model_dir), TARGET, f"{method}:weight={weight},epochs=2", source=SOURCE,
                     unlabeled=UNLABELED, seed=3, progress=False)

    aligned, control = run(1.0), run(0.0)
    ours, theirs = weights(aligned), weights(control)
    top = [k for k in ours if k.startswith("layer4") and k.endswith("weight")]
    assert top and any(not torch.equal(ours[k], theirs[k]) for k in top)
    below = [k for k in ours if k.startswith("layer1") and k.endswith("weight")]
    assert all(torch.equal(ours[k], theirs[k]) for k in below)  # frozen stages stay frozen
    return aligned, control
