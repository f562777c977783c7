"""`GlyphSource`: the built-in source data set `synthetic:glyphs[?classes=..&per_class=..&size=..&seed=..]`."""

from __future__ import annotations

from dataclasses import fields

from ..errors import DataError
from .array_source import ArraySource
from .glyphs import GlyphConfig, generate_glyphs

# option -> (smallest, largest) allowed whole number
OPTIONS: dict[str, tuple[int, int]] = {
    "classes": (2, 10_000),
    "per_class": (1, 100_000),
    "size": (8, 512),
    "seed": (0, 2**63 - 1),
}
MAX_PIXELS = 2**31  # bytes of the generated uint8 array; larger requests are refused


class GlyphSource(ArraySource):
    """Generated glyph images held in memory; `config` holds every number that determines them."""

    def __init__(self, spec: str, config: GlyphConfig, *, progress: bool = False):
        self.config = config
        images, labels = generate_glyphs(config, progress=progress)
        width = max(3, len(str(config.classes - 1)))
        classes = [f"glyph{i:0{width}d}" for i in range(config.classes)]
        super().__init__(spec, images, labels, classes, id_prefix="glyphs")

    @classmethod
    def from_options(cls, spec: str, query: str, *, progress: bool = False) -> GlyphSource:
        """Open from the query part of the spec (the text after '?', possibly empty)."""
        return cls(spec, parse_glyph_options(query), progress=progress)

    def fingerprint_extra(self) -> dict:
        return {**super().fingerprint_extra(), "generator": self.config.to_dict()}


def parse_glyph_options(query: str) -> GlyphConfig:
    """'classes=10&size=32' -> GlyphConfig; unknown options or bad values raise DataError listing the valid ones."""
    defaults = {f.name: f.default for f in fields(GlyphConfig) if f.name in OPTIONS}
    valid = ", ".join(f"{name} (default {defaults[name]})" for name in OPTIONS)
    values: dict[str, int] = {}
    for part in filter(None, query.split("&")):
        name, sep, raw = part.partition("=")
        name = name.strip()
        if name not in OPTIONS:
            raise DataError(f"Unknown option '{name}' for synthetic:glyphs; valid options: {valid}.")
        if name in values:
            raise DataError(f"Option '{name}' is given twice in synthetic:glyphs; give it once.")
        lo, hi = OPTIONS[name]
        raw = raw.strip()
        if not sep or not (raw.isascii() and raw.isdigit()) or not lo <= int(raw) <= hi:
            raise DataError(
                f"Option '{name}' of synthetic:glyphs must be a whole number from {lo} to {hi}; got '{raw}' "
                f"(e.g. synthetic:glyphs?{name}={defaults[name]})."
            )
        values[name] = int(raw)
    config = GlyphConfig(**values)
    if config.classes * config.per_class * config.size**2 > MAX_PIXELS:
        raise DataError(
            f"synthetic:glyphs with classes={config.classes}, per_class={config.per_class}, size={config.size} "
            f"would need more than {MAX_PIXELS // 2**30} GiB of memory; lower one of them."
        )
    return config
