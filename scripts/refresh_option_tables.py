"""Rewrite the option reference in README.md and the plan-file keys in docs/plan-files.md from the settings fields
(run after adding or changing a setting)."""

from __future__ import annotations

from pathlib import Path

import transferkit.cli  # noqa: F401 - registers the commands and their options
from transferkit.cli.reference import BEGIN, END, KEYS_BEGIN, KEYS_END, option_tables, plan_keys_table, refresh

ROOT = Path(__file__).resolve().parents[1]

if __name__ == "__main__":
    for path, begin, end, table in ((ROOT / "README.md", BEGIN, END, option_tables()),
                                    (ROOT / "docs" / "plan-files.md", KEYS_BEGIN, KEYS_END, plan_keys_table())):
        path.write_text(refresh(path.read_text(encoding="utf-8"), begin, end, table), encoding="utf-8")
