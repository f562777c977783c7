"""The data-source registry: every source class registers once, with the spec it answers to.

A source class sets `prefix` and `usage` and implements `open` (and, where unlabelled images are read
differently, `open_unlabeled`). `prefix` is either a scheme ending in ':' (`csv:` answers to `csv:FILE`), a
name (`digits`, `synthetic:glyphs`; options may follow after '?'), or None for the one source that reads
plain paths. `open_source` and `open_unlabeled` both find the class here.
"""

from __future__ import annotations

from ..errors import DataError
from ..registry import Registry
from .sources import ImageSource

# Source classes by prefix; the one source of plain paths (prefix None) is registered under "".
SOURCES: Registry[type[ImageSource]] = Registry("data source", DataError)


def register_source(cls: type[ImageSource]) -> type[ImageSource]:
    """Make a source class known (used as a class decorator); one class per prefix, one path source. Registering
    the same class again changes nothing."""
    key = cls.prefix or ""
    if key in SOURCES:
        taken = SOURCES.get(key)
        if taken is cls:
            return cls
        what = f"prefix '{cls.prefix}'" if cls.prefix is not None else "plain paths"
        raise ValueError(f"{cls.__name__} and {taken.__name__} both register {what}.")
    return SOURCES.register(key, cls)


def find_source(spec: str) -> tuple[type[ImageSource], str]:
    """The source class that opens `spec`, and the argument it gets (the text after the prefix, without a
    leading '?'); DataError when the spec names an unknown data set of a known family."""
    best: tuple[type[ImageSource], str] | None = None
    for cls in SOURCES:
        prefix = cls.prefix
        if prefix is None:
            continue
        if prefix.endswith(":"):
            matched = spec.startswith(prefix)
        else:
            matched = spec == prefix or spec.startswith(prefix + "?")
        if matched and (best is None or len(prefix) > len(best[0].prefix or "")):
            best = (cls, spec[len(prefix):].removeprefix("?"))
    if best is not None:
        return best
    _refuse_unknown_member(spec)
    paths = [cls for cls in SOURCES if cls.prefix is None]
    if not paths:
        raise DataError(f"No data source reads '{spec}'; pass {accepted()}.")
    return paths[0], spec


def accepted() -> str:
    """What a data spec may be, in words, in the order the sources were registered."""
    usages = [cls.usage for cls in SOURCES]
    if len(usages) < 2:
        return "".join(usages)
    return ", ".join(usages[:-1]) + " or " + usages[-1]


def _refuse_unknown_member(spec: str) -> None:
    """'synthetic:nope' when only 'synthetic:glyphs' is registered: name the family's members."""
    family, sep, rest = spec.partition(":")
    if not sep:
        return
    members = [cls.prefix for cls in SOURCES
               if cls.prefix and not cls.prefix.endswith(":") and cls.prefix.startswith(family + ":")]
    if members:
        name = rest.partition("?")[0]
        raise DataError(f"Unknown {family} data set '{name}'; available: {', '.join(sorted(members))}.")
