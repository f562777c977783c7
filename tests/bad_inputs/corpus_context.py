"""The corpus's building blocks: where a case builds its input (Context) and what it expects (Case)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from support import bad_files as bf

import transferkit.engine.checkpoints.resume as resume_module
from transferkit.engine.checkpoints.files import write_checkpoint


@dataclass
class Context:
    """Where a case builds its input: `root` (fresh), `out` (the --out to use), the tiny source model."""

    root: Path
    out: Path
    model: str
    arch: str
    monkeypatch: object
    runner: Callable[..., object]  # invokes the CLI in-process

    def adapt(self, data: str, *extra: str, strategy: str = "linear-probe", epochs: str | None = "1") -> list[str]:
        args = ["adapt", "--model", self.model, "--data", data, "--out", str(self.out), "--strategy", strategy]
        return args + (["--epochs", epochs] if epochs else []) + list(extra)

    def folder(self, name: str = "data", **kwargs) -> Path:
        return bf.image_folder(self.root / name, **kwargs)

    def plan(self, text: str, name: str = "plan.yaml") -> str:
        path = self.root / name
        path.write_text(text, encoding="utf-8")
        return str(path)

    def csv(self, text: str, name: str = "list.csv") -> str:
        self.folder()
        path = self.root / name
        path.write_text(text, encoding="utf-8")
        return f"csv:{path}"

    def small(self) -> str:
        """A small image folder (2 classes of 8 images) that trains and evaluates in a blink."""
        return str(self.folder("small", per_class=8))

    def interrupted(self, strategy: str, after: int = 1) -> Path:
        """Start a run on `small()` and stop it (as Ctrl-C would) after `after` checkpoints; return its checkpoint."""
        saved = {"n": 0}

        def stop_after(*args, **kwargs):
            write_checkpoint(*args, **kwargs)
            saved["n"] += 1
            if saved["n"] >= after:
                raise KeyboardInterrupt

        with self.monkeypatch.context() as patch:
            patch.setattr(resume_module, "write_checkpoint", stop_after)
            result = self.runner(*self.adapt(self.small(), strategy=strategy, epochs=None))
        assert result.exit_code == 130, result.output
        return self.out.parent / f".{self.out.name}.partial" / "checkpoint.safetensors"


@dataclass
class Case:
    name: str
    outcome: str  # "error", "skip" or "accepted"
    build: Callable[[Context], list[str]]
    words: tuple[str, ...] = ()  # in the error line (error) or the output (skip, accepted)
    skipped: int = 0
    keeps: tuple[str, ...] = ()  # entries an error leaves beside --out on purpose
    markers: tuple[str, ...] = ()  # files under root that must never appear
    check: Callable[[Context, dict | None], None] | None = None  # more checks (gets run.json when written)
