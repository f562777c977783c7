"""Registries: a name -> entry table per kind of extension (strategies, data sources, backbone families, methods,
offline weights), filled by one registration per extension when its package is imported, and one "did you mean"."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Generic, TypeVar

from .errors import TransferkitError

T = TypeVar("T")


def suggestion(name: str, choices: Iterable[str], prefix: str = "") -> str:
    """" Did you mean 'x'?" for the closest of `choices` to `name` (letter case aside), or "" when none is close;
    `prefix` is written before the choice ('timm:' gives " Did you mean 'timm:resnet18'?")."""
    by_lower = {str(c).lower(): str(c) for c in choices}
    close = difflib.get_close_matches(str(name).lower(), list(by_lower), n=1)
    return f" Did you mean {prefix + by_lower[close[0]]!r}?" if close else ""


class Registry(Generic[T]):
    """Entries of one kind by name. `kind` names them in errors ("strategy"); `error` is the error class raised for
    an unknown name; `usage` (optional) says what else the user may pass instead."""

    def __init__(self, kind: str, error: type[TransferkitError] = TransferkitError, usage: str = ""):
        self.kind, self.error, self.usage = kind, error, usage
        self._entries: dict[str, T] = {}

    def register(self, name: str, entry: T) -> T:
        """Make `entry` known as `name`; a name is registered once."""
        if name in self._entries:
            raise ValueError(f"{self.kind} {name!r} is already registered.")
        self._entries[name] = entry
        return entry

    def decorator(self, name: str) -> Callable[[T], T]:
        """`@registry.decorator(name)`: register the decorated function or class."""
        return lambda entry: self.register(name, entry)

    def get(self, name: str) -> T:
        """The entry named `name`; `error` naming the valid choices and the closest one otherwise."""
        if name not in self._entries:
            raise self.error(self.unknown(name))
        return self._entries[name]

    def unknown(self, name: str) -> str:
        """The one-line message for an unknown `name`."""
        usage = f" or {self.usage}" if self.usage else ""
        return (f"Unknown {self.kind} {name!r}; choose one of {sorted(self._entries)}{usage}."
                f"{suggestion(name, list(self._entries))}")

    @contextmanager
    def temporary(self) -> Iterator[Registry[T]]:
        """`with registry.temporary():` entries registered inside the block are forgotten after it."""
        saved = dict(self._entries)
        try:
            yield self
        finally:
            self._entries = saved

    def names(self) -> list[str]:
        """Registered names, in registration order."""
        return list(self._entries)

    def items(self) -> list[tuple[str, T]]:
        """(name, entry) pairs, in registration order."""
        return list(self._entries.items())

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __iter__(self) -> Iterator[T]:
        return iter(list(self._entries.values()))

    def __len__(self) -> int:
        return len(self._entries)
