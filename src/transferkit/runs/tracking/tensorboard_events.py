"""`--track tensorboard`: TensorBoard event files per run under `tensorboard/RUN_DIR` in the comparison's folder: the
metrics per epoch, the final metrics, and the term and place in the
comparison as text. `tensorboard --logdir OUT/tensorboard` shows them side by side."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from .base import epoch_metrics, final_metrics, needs, register_tracker, winner_dirs


@register_tracker("tensorboard")
def log_to_tensorboard(target: str | None, out: Path, doc: dict[str, Any],
                       records: dict[str, dict[str, Any]]) -> None:
    """(`target` is unused: the event files go under the comparison's folder.)"""
    needs("tensorboard", "tensorboard", "--track tensorboard")
    from torch.utils.tensorboard import SummaryWriter

    root = out / "tensorboard"
    winners = winner_dirs(doc)
    for where, record in records.items():
        folder = root / where
        shutil.rmtree(folder, ignore_errors=True)  # written again in full (a resumed comparison)
        with SummaryWriter(log_dir=str(folder)) as writer:
            for step, values in epoch_metrics(record):
                for key, value in values.items():
                    writer.add_scalar(f"epoch/{key}", value, step)
            last = len(record.get("history") or [])
            for key, value in final_metrics(record).items():
                writer.add_scalar(f"final/{key}", value, last)
            writer.add_text("run", f"{record['term']}; {record['strategy']}, seed {record['seed']}"
                                   f"{'; winner' if where in winners else ''}", 0)
