"""Which model a directory holds: a run directory, a model directory, or a comparison (its winner's best run)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import RunError
from ..files import read_json
from ..models import is_model_dir

RECORD = "run.json"
LEADERBOARD = "leaderboard.json"


def model_dir_of(path: str | Path) -> Path:
    """The model directory `path` names: itself, or for a comparison the winning plan's run with the best
    validation accuracy (the first seed among equals)."""
    folder = Path(path)
    if is_model_dir(folder):
        return folder
    if (folder / LEADERBOARD).is_file():
        return folder / _winner_run(read_json(folder / LEADERBOARD), folder)
    if not folder.exists():
        raise RunError(f"'{folder}' does not exist; pass a run directory written by 'transferkit adapt' or "
                       "'compare', or a model directory.")
    raise RunError(f"'{folder}' holds no model (model.json and model.safetensors); pass a run directory written by "
                   "'transferkit adapt' or 'compare', or a model directory.")


def _winner_run(doc: dict[str, Any], folder: Path) -> str:
    winner = doc.get("winner") or {}
    row = next((r for r in doc.get("rows", []) if r.get("winner")), None)
    runs = [r for r in (row or {}).get("runs", []) if r.get("dir") and r.get("status") == "ok"]
    if not winner or not runs:
        raise RunError(f"The comparison in '{folder}' has no winner with a run directory; pass one of its run "
                       "directories under runs/ instead.")
    return max(runs, key=lambda r: (r["val"], -r["seed"]))["dir"]


def read_record(folder: Path) -> dict[str, Any] | None:
    """run.json of a run or model directory, when it has one."""
    path = folder / RECORD
    return read_json(path) if path.is_file() else None
