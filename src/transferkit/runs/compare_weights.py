"""Which run directories of a comparison keep their trained weights (model.safetensors): all, the winner's, none."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..models.model_dir import WEIGHTS_FILE

def kept_run_dirs(doc: dict[str, Any], keep: str) -> set[str]:
    """The run directories (relative to the comparison directory) whose weights stay: those `keep` names, and every
    soup with its ingredients (a soup is reproduced from them)."""
    written = {run["dir"] for run in doc["runs"] if run.get("dir")}
    soups = {d for run in doc["runs"] if run.get("soup") for d in [run["dir"], *run["ingredients"]]}
    return soups | _kept(doc, keep, written)


def _kept(doc: dict[str, Any], keep: str, written: set[str]) -> set[str]:
    if keep == "all":
        return written
    if keep == "none":
        return set()
    winner_row = next((row for row in doc["rows"] if row.get("winner")), None)
    return {run["dir"] for run in (winner_row or {}).get("runs", []) if run.get("dir")} & written


def drop_weights(root: Path, doc: dict[str, Any], keep: str) -> None:
    """Delete model.safetensors from every run directory under `root` not kept; say in `doc` which have weights."""
    kept = kept_run_dirs(doc, keep)
    for run in doc["runs"]:
        if run.get("dir"):
            run["weights"] = run["dir"] in kept
            if not run["weights"]:
                (root / run["dir"] / WEIGHTS_FILE).unlink(missing_ok=True)
    doc["keep_weights"] = keep
