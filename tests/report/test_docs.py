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


def test_option_tables_and_plan_keys_are_those_of_the_settings():
    import transferkit.cli  # noqa: F401 - registers the commands and their options
    from transferkit.cli.reference import BEGIN, END, KEYS_BEGIN, KEYS_END, option_tables, plan_keys_table, refresh

    readme = (DOCS.parent / "README.md").read_text(encoding="utf-8")
    keys = (DOCS / "plan-files.md").read_text(encoding="utf-8")
    assert refresh(readme, BEGIN, END, option_tables()) == readme, "run: python scripts/refresh_option_tables.py"
    assert refresh(keys, KEYS_BEGIN, KEYS_END, plan_keys_table()) == keys, "run: python scripts/refresh_option_tables.py"
    assert "`--labels-per-class` | `labels_per_class`" in readme and "| `lr_decay` |" in keys
