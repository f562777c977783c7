"""Run: a finished run (its record, the trained backbone, its directory), and writing its run directory."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

from ..files import StagingDir, write_json
from ..models import Backbone, save_model_dir
from ..plans import Plan, plan_to_yaml
from ..report import run_report_html
from ..use.model_card import write_model_card


@dataclass
class Run:
    """A finished run: its record (the content of run.json), its directory if written, the trained backbone."""

    record: dict[str, Any]
    backbone: Backbone
    dir: Path | None = None

    @property
    def term(self) -> str:
        return self.record["term"]

    @property
    def description(self) -> str:
        return self.record["description"]

    @property
    def metrics(self) -> dict[str, Any]:
        return self.record["metrics"]

    @property
    def val_accuracy(self) -> float:
        return self.metrics["val"]["accuracy"]

    @property
    def test_accuracy(self) -> float:
        return self.metrics["test"]["accuracy"]

    def summary(self) -> str:
        """'TERM: validation accuracy 91.0%, test accuracy 90.2%', and how early training stopped on request."""
        text = f"{self.term}: validation accuracy {self.val_accuracy:.1%}, test accuracy {self.test_accuracy:.1%}"
        stopped = self.record.get("stopped_early")
        if stopped:
            text += f" (stopped early on request: {stopped['epochs_run']} of {stopped['epochs_planned']} epochs)"
        return text

    def __str__(self) -> str:
        where = f"\nRun directory: {self.dir}" if self.dir is not None else ""
        return f"{self.summary()}{where}\n{self.description}"

    def _repr_html_(self) -> str:
        where = f"<br>Run directory: <code>{escape(str(self.dir))}</code>" if self.dir is not None else ""
        return f"<p><b>{escape(self.summary())}</b>{where}</p><p>{escape(self.description)}</p>"


def write_run_files(run: Run, plan: Plan, folder: str | Path) -> None:
    """run.json, model.safetensors + model.json (the adapted model), plan.yaml, report.html and the model card
    (README.md) into a folder."""
    folder = Path(folder)
    save_model_dir(
        run.backbone,
        folder,
        source={"spec": run.record["data"]["spec"], "fingerprint": run.record["data"]["fingerprint"]},
        extra={"classes": run.record["data"]["classes"]},
        overwrite=True,
    )
    (folder / "plan.yaml").write_text(plan_to_yaml(plan), encoding="utf-8")
    write_json(folder / "run.json", run.record)
    (folder / "report.html").write_text(run_report_html(run.record), encoding="utf-8")
    write_model_card(folder, run.record)


def write_run_dir(run: Run, plan: Plan, out: str | Path, overwrite: bool = False) -> Path:
    """run.json, model.safetensors + model.json (the adapted model), plan.yaml, report.html, README.md; all or
    nothing."""
    with StagingDir(out, overwrite) as staging:
        write_run_files(run, plan, staging.path)
        return staging.commit()
