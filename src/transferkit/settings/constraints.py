"""Constraints: what a setting's value must be, in words, checked in one place, and read from text (command line, plan
files, `NAME:key=value` specs). A constraint never names the setting: the record that owns it does (see fields.py).

`check(value)` returns the value as the record keeps it (a size as bytes, a list as a tuple) or raises Invalid;
`parse(text)` reads a command-line string; `what` is the phrase after "must be"; `example` a valid value.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any


class Invalid(ValueError):
    """A value a constraint refuses (turned into the owning record's one-line error). `what`, when given, says more
    precisely than the constraint's own words what the value must be; `key` names the entry of a mapping setting that
    is wrong (the message then names `setting.key`), with `example` a valid value for it; `detail` says what exactly
    is wrong with the value."""

    def __init__(self, value: Any, what: str | None = None, key: str | None = None, example: Any = None,
                 detail: str | None = None):
        super().__init__(value)
        self.value, self.what, self.key, self.example, self.detail = value, what, key, example, detail


class Constraint:
    """A rule for one setting's value."""

    what = "a value"
    metavar = "TEXT"
    example: Any = None

    def check(self, value: Any) -> Any:
        return value

    def parse(self, text: str) -> Any:
        return self.check(text)

    def show(self, value: Any) -> str:
        """`value` as the command line writes it (1/3 rather than 0.333333)."""
        if isinstance(value, (list, tuple)):
            return ",".join(self.show(v) for v in value)
        if isinstance(value, float):
            short, close = f"{value:g}", Fraction(value).limit_denominator(100)
            return str(close) if len(short) > 6 and abs(float(close) - value) < 1e-12 else short
        return str(value)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _fmt(x: float) -> str:
    return f"{x:g}"


class Whole(Constraint):
    """A whole number from `min` (and up to `max`)."""

    metavar = "N"

    def __init__(self, min: int = 0, max: int | None = None, example: int | None = None):
        self.min, self.max = min, max
        self.example = example if example is not None else (min if min > 0 else 1)
        upto = f" and at most {max}" if max is not None else ""
        self.what = f"a whole number of at least {min}{upto}"

    def check(self, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise Invalid(value, detail="not a whole number")
        if value < self.min or (self.max is not None and value > self.max):
            raise Invalid(value)
        return value

    def parse(self, text: str) -> int:
        try:
            number = float(text)
        except ValueError:
            raise Invalid(text) from None
        return self.check(int(number) if number.is_integer() else number)


class Number(Constraint):
    """A finite number: at least `min`, greater than `above`, at most `max`, below `below` (each optional)."""

    metavar = "X"

    def __init__(self, *, min: float | None = None, above: float | None = None, max: float | None = None,
                 below: float | None = None, example: float | None = None, what: str | None = None):
        self.min, self.above, self.max, self.below = min, above, max, below
        bounds = [f"at least {_fmt(min)}" if min is not None else None,
                  f"above {_fmt(above)}" if above is not None else None,
                  f"at most {_fmt(max)}" if max is not None else None,
                  f"below {_fmt(below)}" if below is not None else None]
        bounds = [b for b in bounds if b is not None]
        if above is not None and len(bounds) == 1:
            self.what = f"greater than {_fmt(above)}"
        else:
            joined = " and ".join(bounds)
            self.what = "a number" + ("" if not bounds else f" of {joined}" if bounds[0].startswith("at") else f" {joined}")
        self.what = what or self.what
        self.example = example
        if example is None:
            tries = [min, None if above is None else above + 1, max, 1.0, 0.5,
                     None if above is None or below is None else (above + below) / 2]
            self.example = next(x for x in tries if x is not None and self._fits(x))

    def _fits(self, value: float) -> bool:
        try:
            self.check(value)
        except Invalid:
            return False
        return True

    def check(self, value: Any) -> float | int:
        if not _is_number(value):
            raise Invalid(value, detail="not a number")
        if not math.isfinite(value):
            raise Invalid(value, detail="not a finite number")
        if (self.min is not None and value < self.min) or (self.above is not None and value <= self.above) or (
                self.max is not None and value > self.max) or (self.below is not None and value >= self.below):
            raise Invalid(value)
        return value

    def parse(self, text: str) -> float:
        try:
            return self.check(float(Fraction(text.strip())) if "/" in text else float(text))
        except (ValueError, ZeroDivisionError):
            raise Invalid(text) from None


class OneOf(Constraint):
    """One of a list of names: fixed, or read from a registry when first needed (`choices` a function)."""

    def __init__(self, choices: Sequence[str] | Callable[[], Sequence[str]], metavar: str | None = None):
        self._choices = choices
        self._metavar = metavar

    @property
    def choices(self) -> tuple[str, ...]:
        return tuple(self._choices() if callable(self._choices) else self._choices)

    @property
    def what(self) -> str:
        return f"one of {list(self.choices)}"

    @property
    def metavar(self) -> str:
        if self._metavar is not None:
            return self._metavar
        return "|".join(self.choices) if sum(len(c) for c in self.choices) < 40 else "NAME"

    @property
    def example(self) -> str:
        return self.choices[0]

    def check(self, value: Any) -> str:
        if not isinstance(value, str) or value not in self.choices:
            raise Invalid(value)
        return value


class Flag(Constraint):
    """True or false."""

    what = "true or false"
    metavar = "BOOL"
    example = True
    _WORDS = {"true": True, "yes": True, "1": True, "on": True, "false": False, "no": False, "0": False, "off": False}

    def check(self, value: Any) -> bool:
        if not isinstance(value, bool):
            raise Invalid(value)
        return value

    def parse(self, text: str) -> bool:
        if text.lower() not in self._WORDS:
            raise Invalid(text)
        return self._WORDS[text.lower()]


_UNITS = {"": 1, "b": 1, "k": 1024, "kb": 1024, "kib": 1024, "m": 1024**2, "mb": 1024**2, "mib": 1024**2,
          "g": 1024**3, "gb": 1024**3, "gib": 1024**3, "t": 1024**4, "tb": 1024**4, "tib": 1024**4}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$")


class Size(Constraint):
    """A size in bytes: a whole number, or text such as 2GB, 512MB, 1.5G or 0 (KB, MB, GB, TB are powers of 1024)."""

    what = "a size such as 2GB, 512MB or 0"
    metavar = "SIZE"
    example = "2GB"

    def show(self, value: Any) -> str:
        for unit in ("TB", "GB", "MB", "KB"):
            scale = _UNITS[unit.lower()]
            if isinstance(value, int) and value and value % scale == 0:
                return f"{value // scale}{unit}"
        return str(value)

    def check(self, value: Any) -> int:
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return value
        match = _SIZE.match(value.lower()) if isinstance(value, str) else None
        if match is None or match.group(2) not in _UNITS:
            raise Invalid(value)
        return int(float(match.group(1)) * _UNITS[match.group(2)])


class Text(Constraint):
    """A non-empty string."""

    what = "a non-empty text"

    def __init__(self, what: str | None = None, example: str = "NAME", metavar: str = "TEXT"):
        self.what = what or self.what
        self.example, self.metavar = example, metavar

    def check(self, value: Any) -> str:
        if isinstance(value, Path):
            value = str(value)
        if not isinstance(value, str) or not value.strip():
            raise Invalid(value)
        return value


class FilePath(Constraint):
    """A file or directory path (not checked for existence here)."""

    what = "a path"
    metavar = "PATH"
    example = "out"

    def check(self, value: Any) -> Path:
        if not isinstance(value, (str, Path)) or not str(value).strip():
            raise Invalid(value)
        return Path(value)


class Names(Constraint):
    """A list of distinct, non-empty names, at least `least`; on the command line comma-separated (a,b,c)."""

    metavar = "A,B,..."

    def __init__(self, least: int = 1, example: tuple[str, ...] = ("cat", "dog")):
        self.least, self.example = least, example
        self.what = f"a list of at least {least} distinct names, such as {','.join(example)}"

    def check(self, value: Any) -> tuple[str, ...]:
        if isinstance(value, str) or not isinstance(value, (list, tuple)):
            raise Invalid(value)
        names = tuple(str(v) for v in value)
        if any(not n.strip() for n in names):
            raise Invalid(value, "a list of non-empty names", detail="one name is empty")
        twice = next((n for i, n in enumerate(names) if n in names[:i]), None)
        if twice is not None:
            raise Invalid(value, "a list that names each one once", detail=f"{twice!r} is listed twice")
        if len(names) < self.least:
            raise Invalid(value, f"a list of at least {self.least} names", detail=f"{len(names)} given")
        return names

    def parse(self, text: str) -> tuple[str, ...]:
        return self.check([part.strip() for part in text.split(",")])


class Numbers(Constraint):
    """A non-empty list of numbers, each satisfying `item`; on the command line comma-separated, fractions allowed
    (1/3,1,3)."""

    metavar = "X,Y,..."

    def __init__(self, item: Number, example: tuple[float, ...]):
        self.item, self.example = item, example
        self.what = f"a list of numbers, each {item.what}"

    def check(self, value: Any) -> tuple[float, ...]:
        if isinstance(value, (str, bool)) or not isinstance(value, (list, tuple)) or not value:
            raise Invalid(value)
        return tuple(float(self.item.check(v)) for v in value)

    def parse(self, text: str) -> tuple[float, ...]:
        return self.check([self.item.parse(part) for part in text.split(",")])


class Wholes(Constraint):
    """A non-empty list of distinct whole numbers of at least `min`; on the command line comma-separated (0,1,2)."""

    metavar = "N,M,..."

    def __init__(self, min: int = 0, example: tuple[int, ...] = (0, 1, 2)):
        self.item, self.example = Whole(min=min), example
        self.what = f"a list of distinct whole numbers of at least {min}"

    def check(self, value: Any) -> tuple[int, ...]:
        if isinstance(value, (str, bool)) or not isinstance(value, (list, tuple)) or not value:
            raise Invalid(value)
        numbers = tuple(self.item.check(v) for v in value)
        if len(set(numbers)) != len(numbers):
            raise Invalid(value)
        return numbers

    def parse(self, text: str) -> tuple[int, ...]:
        return self.check([self.item.parse(part) for part in text.split(",")])


class Either(Constraint):
    """A value that satisfies one of several constraints (the first that accepts it wins)."""

    def __init__(self, *options: Constraint, what: str, example: Any, metavar: str = "TEXT"):
        self.options, self.what, self.example, self.metavar = options, what, example, metavar

    def check(self, value: Any) -> Any:
        return self._first(lambda c: c.check(value), value)

    def parse(self, text: str) -> Any:
        return self._first(lambda c: c.parse(text), text)

    def _first(self, attempt: Callable[[Constraint], Any], value: Any) -> Any:
        for option in self.options:
            try:
                return attempt(option)
            except Invalid:
                continue
        raise Invalid(value)


class Pattern(Constraint):
    """A string matching a rule given as a function (returns the value, raises Invalid)."""

    def __init__(self, rule: Callable[[str], Any], what: str, example: str, metavar: str = "TEXT"):
        self.rule, self.what, self.example, self.metavar = rule, what, example, metavar

    def check(self, value: Any) -> Any:
        if not isinstance(value, str):
            raise Invalid(value)
        return self.rule(value)
