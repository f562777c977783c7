"""DemoSettings: what `transferkit demo` runs (where it writes, how many seeds and epochs, the search, the jobs)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import RunError
from .choices import SEARCHES
from .constraints import FilePath, Flag, OneOf, Whole
from .fields import Record, setting


@dataclass(frozen=True)
class DemoSettings(Record):
    """The demo's comparisons: `out` (one sub-folder per source), `seeds`, `epochs` per run (None: the part's own),
    `search`, `jobs` (runs at once; None: one per CPU core, at most 4), `overwrite` an existing `out`, `text` the text
    part instead of images, `long` the longer list of strategies."""

    error = RunError
    kind = "demo"
    panel = "Demo"

    out: Path = setting(Path("transferkit-demo"), FilePath(), "Directory for the comparisons, one sub-folder per "
                                                              "source: run directories, leaderboard.json, report.html.")
    seeds: int = setting(3, Whole(min=1), "Seeds per strategy.")
    epochs: int | None = setting(None, Whole(min=1, example=10), "Epochs per run, the same budget for every strategy "
                                                                 "(default: 10 for the images, 3 with --text).")
    search: str = setting("exhaustive", OneOf(SEARCHES), "exhaustive or halving (see 'transferkit compare --help').")
    jobs: int | None = setting(None, Whole(min=1, example=2), "Runs trained at once (default: one per CPU core, at "
                                                              "most 4).")
    overwrite: bool = setting(False, Flag(), "Replace an existing --out directory.")
    text: bool = setting(False, Flag(), "Ask the same question of a text encoder instead: the real all-MiniLM-L6-v2 "
                                        "(installed offline) on Debian fortunes by topic (needs the fortunes package).")
    long: bool = setting(False, Flag(), "Compare more strategies than linear-probe, partial and the random-features "
                                        "control: twelve on the network pretrained here (adds scratch, full and seven "
                                        "recipes) and lp-ft on ImageNet's; about four times as long.")
