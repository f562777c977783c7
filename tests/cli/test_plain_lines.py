"""Long work outside a terminal (piped, logged) prints plain lines about how far it got; short work prints none."""

from __future__ import annotations

import io

from rich.console import Console

import transferkit.console as shared
from transferkit.console import PlainLines, track


def piped(monkeypatch) -> io.StringIO:
    buffer = io.StringIO()
    monkeypatch.setattr(shared, "console", Console(file=buffer, force_terminal=False, width=200))
    monkeypatch.setenv("TRANSFERKIT_PROGRESS", "1")
    return buffer


def test_long_work_prints_how_far_it_got_and_when_it_ended(monkeypatch):
    buffer = piped(monkeypatch)
    lines = PlainLines("Caching trunk features of 2,000 images", 2000, every=0.0)
    for _ in range(4):
        lines.advance(500)
    lines.close()
    assert buffer.getvalue().splitlines()[:3] == [
        "Caching trunk features of 2,000 images: 500/2,000, 0 s",
        "Caching trunk features of 2,000 images: 1,000/2,000, 0 s",
        "Caching trunk features of 2,000 images: 1,500/2,000, 0 s",
    ]
    assert buffer.getvalue().splitlines()[-1] == "Caching trunk features of 2,000 images: done, 0 s"


def test_short_work_prints_nothing(monkeypatch):
    buffer = piped(monkeypatch)
    assert list(track(range(50), 50, "Reading 50 images")) == list(range(50))
    assert buffer.getvalue() == ""
