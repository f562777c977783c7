"""docs/strategies.md shows every preset, and its stages x phases grids are those of the current presets."""

from __future__ import annotations

from pathlib import Path

from transferkit.api import EXAMPLE_STAGES
from transferkit.plans import list_strategies
from transferkit.report import GRID_MARKER, refresh_grids

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_strategy_grids_are_current_and_cover_every_preset():
    text = (DOCS / "strategies.md").read_text(encoding="utf-8")
    assert refresh_grids(text, EXAMPLE_STAGES) == text, "run: python scripts/refresh_strategy_grids.py"
    shown = {m.group("spec") for m in GRID_MARKER.finditer(text)}
    assert shown == {s.name for s in list_strategies()}
    for info in list_strategies():
        assert f"### `{info.name}`" in text


def test_concepts_pin_every_term_to_presets():
    text = (DOCS / "concepts.md").read_text(encoding="utf-8")
    for word in ("transfer learning", "fine-tuning", "domain adaptation", "linear probing"):
        assert word in text.lower()
    for name in ("linear-probe", "full", "partial", "surgical", "bitfit", "norm-only", "lora", "lp-ft", "gradual"):
        assert f"`{name}" in text
