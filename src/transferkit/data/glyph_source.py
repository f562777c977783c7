"""`GlyphSource`: the built-in source data set `synthetic:glyphs[?classes=..&per_class=..&size=..&seed=..]`, and
its shifted variants (`?shift=contrast&severity=3`, see glyph_shifts.py)."""

from __future__ import annotations

from dataclasses import fields

from ..errors import DataError
from .array_source import ArraySource
from .glyph_shifts import DEFAULT_SEVERITY, INPUT_LEVEL, SEVERITIES, SHIFTS, WITH_SEVERITY, GlyphShift
from .glyphs import GlyphConfig, generate_glyphs
from .registry import register_source

# option -> (smallest, largest) allowed whole number
OPTIONS: dict[str, tuple[int, int]] = {
    "classes": (2, 10_000),
    "per_class": (1, 100_000),
    "size": (8, 512),
    "seed": (0, 2**63 - 1),
    "sample": (0, 2**31 - 1),
    "severity": SEVERITIES,
    "groups": (2, 10_000),
}
_DEFAULTS = {"classes": 400, "per_class": 50, "size": 32, "seed": 0, "sample": "0, or 1 with a shift",
             "severity": DEFAULT_SEVERITY, "groups": "classes/2, with shift=regroup"}
_EXAMPLES = {"classes": 400, "per_class": 50, "size": 32, "seed": 0, "sample": 1, "severity": DEFAULT_SEVERITY,
             "groups": 4}
_SHIFT_HELP = (f"shift (none; input-level: {', '.join(INPUT_LEVEL)}; feature-level: subpopulation; "
               "output-level: regroup)")
MAX_PIXELS = 2**31  # bytes of the generated uint8 array; larger requests are refused


@register_source
class GlyphSource(ArraySource):
    """Generated glyph images held in memory; `config` holds every number that determines them."""

    prefix = "synthetic:glyphs"
    mirror_safe = False  # glyphs are handwriting-like strokes; a mirrored glyph is another shape
    usage = "'synthetic:glyphs[?classes=400&per_class=50&size=32&seed=0&shift=contrast&severity=3]'"

    def __init__(self, spec: str, config: GlyphConfig, *, progress: bool = False):
        self.config = config
        images, labels = generate_glyphs(config, progress=progress)
        super().__init__(spec, images, labels, class_names(config), id_prefix="glyphs")

    @classmethod
    def open(cls, spec: str, argument: str, *, progress: bool = True) -> GlyphSource:
        """Open from the options part of the spec (the text after '?', possibly empty)."""
        return cls(spec, parse_glyph_options(argument), progress=progress)

    def fingerprint_extra(self) -> dict:
        return {**super().fingerprint_extra(), "generator": self.config.to_dict()}


def class_names(config: GlyphConfig) -> list[str]:
    """glyph000, glyph001, ... (or group000, ... under shift=regroup)."""
    prefix = "group" if config.shift.kind == "regroup" else "glyph"
    width = max(3, len(str(config.num_labels - 1)))
    return [f"{prefix}{i:0{width}d}" for i in range(config.num_labels)]


def parse_glyph_options(query: str) -> GlyphConfig:
    """'classes=10&shift=blur' -> GlyphConfig; unknown options or bad values raise DataError listing the valid ones."""
    valid = ", ".join(f"{name} (default {_DEFAULTS[name]})" for name in OPTIONS) + ", " + _SHIFT_HELP
    values: dict[str, int | str] = {}
    for part in filter(None, query.split("&")):
        name, sep, raw = part.partition("=")
        name, raw = name.strip(), raw.strip()
        if name not in OPTIONS and name != "shift":
            raise DataError(f"Unknown option '{name}' for synthetic:glyphs; valid options: {valid}.")
        if name in values:
            raise DataError(f"Option '{name}' is given twice in synthetic:glyphs; give it once.")
        if name == "shift":
            if raw not in SHIFTS:
                raise DataError(f"Option 'shift' of synthetic:glyphs must be one of {', '.join(SHIFTS)}; got '{raw}' "
                                f"(e.g. synthetic:glyphs?shift=contrast&severity=3).")
            values[name] = raw
            continue
        lo, hi = OPTIONS[name]
        if not sep or not (raw.isascii() and raw.isdigit()) or not lo <= int(raw) <= hi:
            raise DataError(
                f"Option '{name}' of synthetic:glyphs must be a whole number from {lo} to {hi}; got '{raw}' "
                f"(e.g. synthetic:glyphs?{name}={_EXAMPLES[name]})."
            )
        values[name] = int(raw)
    config = _config(values)
    if config.classes * config.per_class * config.size**2 > MAX_PIXELS:
        raise DataError(
            f"synthetic:glyphs with classes={config.classes}, per_class={config.per_class}, size={config.size} "
            f"would need more than {MAX_PIXELS // 2**30} GiB of memory; lower one of them."
        )
    return config


def _config(values: dict) -> GlyphConfig:
    """The config of checked option values; options that do not apply to the shift are refused."""
    kind = str(values.pop("shift", "none"))
    severity = values.pop("severity", None)
    groups = values.pop("groups", None)
    if severity is not None and kind not in WITH_SEVERITY:
        raise DataError(f"Option 'severity' does not apply to shift={kind}; it applies to "
                        f"{', '.join(WITH_SEVERITY)}; remove it.")
    if groups is not None and kind != "regroup":
        raise DataError("Option 'groups' applies only to shift=regroup; remove it or add shift=regroup.")
    classes = int(values.get("classes", 400))
    if kind == "regroup":
        groups = max(2, classes // 2) if groups is None else groups
        if groups >= classes:
            raise DataError(f"Option 'groups' of synthetic:glyphs must be below classes ({classes}) so that groups "
                            f"join classes; got {groups}.")
    if kind != "none":
        values.setdefault("sample", 1)  # a shifted set is another sample than the unshifted source by default
    shift = GlyphShift(kind, DEFAULT_SEVERITY if severity is None else severity, groups or 0)
    return GlyphConfig(**values, shift=shift)
