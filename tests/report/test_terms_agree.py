"""`transferkit describe PLAN --model M` names a plan with the term that a run of the same plan on M records."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from transferkit import adapt
from transferkit.api import load_model, load_target
from transferkit.cli import app
from transferkit.plans import list_strategies, plan_from_spec

TARGET = "synthetic:glyphs?classes=4&per_class=12&size=16"
DOMAIN = {"source": TARGET, "unlabeled": TARGET + "&shift=contrast&sample=2"}
HAND_WRITTEN = {
    "head-then-top2-then-all.yaml": "phases:\n- {train: [head]}\n- {train: [top:2, head]}\n- {train: [all]}\n",
    "head-then-one-more-stage.yaml": "phases:\n- {train: [head]}\n- {train: [stage4, head]}\n- {train: [stage3, stage4, head]}\n",
    "low-stages-head-frozen.yaml": "phases:\n- {train: [stem, stage1]}\n",
    "top2-without-head.yaml": "phases:\n- {train: [top:2]}\n",
    "probe-then-bias.yaml": "phases:\n- {train: [head]}\n- {train: [all], params: bias}\n",
}


@pytest.fixture(scope="module")
def tiny(tiny_model_dir):
    backbone = load_model(str(tiny_model_dir))
    return backbone, load_target(TARGET, backbone.preprocessing, progress=False)


def described_term(spec: str, model: str) -> str:
    result = CliRunner().invoke(app, ["describe", spec, "--model", model])
    assert result.exit_code == 0, result.output
    return next(line for line in result.output.splitlines() if line.startswith("term: "))[len("term: "):]


@pytest.mark.parametrize("spec", [s.name for s in list_strategies()] + list(HAND_WRITTEN))
def test_describe_and_the_run_give_the_same_term(spec, tiny, tiny_model_dir, tmp_path):
    if spec in HAND_WRITTEN:
        (tmp_path / spec).write_text(HAND_WRITTEN[spec])
        spec = str(tmp_path / spec)
    plan = plan_from_spec(spec)
    backbone, data = tiny
    domain = spec in {
        s.name for s in list_strategies() if s.domain_adaptation}
    if domain:
        run = adapt(backbone, TARGET, plan, epochs=len(plan.phases), progress=False, **DOMAIN)
    elif any(p.semi_supervised != "none" for p in plan.phases):  # unlabelled images of the target's distribution
        run = adapt(backbone, TARGET, plan, epochs=len(plan.phases), progress=False, unlabeled=TARGET + "&sample=2")
    else:
        run = adapt(backbone, data, plan, epochs=len(plan.phases), progress=False)
    assert described_term(spec, str(tiny_model_dir)) == run.term
