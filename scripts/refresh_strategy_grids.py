"""Rewrite the stages x phases tables in docs/strategies.md from the presets (run after changing a preset)."""

from __future__ import annotations

from pathlib import Path

from transferkit.api import EXAMPLE_STAGES
from transferkit.report import refresh_grids

DOC = Path(__file__).resolve().parents[1] / "docs" / "strategies.md"

if __name__ == "__main__":
    DOC.write_text(refresh_grids(DOC.read_text(encoding="utf-8"), EXAMPLE_STAGES), encoding="utf-8")
