"""Keeping the best validated epoch, and early stopping: checked from the weights, not from the record's flags.

With a constant learning rate and per-epoch seeds, the first k epochs of a longer run are exactly a k-epoch run, so
"the weights of epoch k" can be computed independently by running k epochs with the last epoch kept."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
import torch
from safetensors.torch import load_file

import transferkit.engine.checkpoints.resume as resume_module
from transferkit import Plan, Phase, adapt
from transferkit.engine.checkpoints.files import write_checkpoint
from transferkit.settings import KeepRule
from transferkit.engine.kept_weights import KeptWeights

EPOCHS = 8


def noisy_plan(lr: float, epochs: int = EPOCHS) -> Plan:
    """A head trained by plain SGD at a high constant rate: validation accuracy rises, then wanders."""
    return Plan(phases=[Phase(name="probe", epochs=epochs, train=["head"], lr=lr, schedule="constant", warmup=0.0,
                              optimizer="sgd", momentum=0.0, weight_decay=0.0, standardize_features=True)])


def weights(run) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in run.backbone.model.state_dict().items()}


def assert_same_weights(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> None:
    assert a.keys() == b.keys()
    for key in a:
        assert torch.equal(a[key], b[key]), key


@pytest.fixture(scope="module")
def peaked(tiny_model_dir, small_digits):
    """(learning rate, the run that kept its last epoch) whose validation accuracy peaks before the last epoch."""
    for lr in (1.0, 3.0, 0.3):
        last = adapt(str(tiny_model_dir), small_digits, noisy_plan(lr), keep="last", progress=False)
        curve = [e["val_accuracy"] for e in last.record["history"]]
        if curve.index(max(curve)) < EPOCHS - 2:
            return lr, last, curve
    pytest.fail(f"no learning rate made validation accuracy peak before the last epoch: {curve}")


def truncated(tiny_model_dir, small_digits, lr: float, epochs: int):
    return adapt(str(tiny_model_dir), small_digits, noisy_plan(lr, epochs), keep="last", progress=False)


def test_keep_best_ends_with_the_weights_of_the_peak(tiny_model_dir, small_digits, peaked, tmp_path):
    lr, last, curve = peaked
    peak = curve.index(max(curve))
    best = adapt(str(tiny_model_dir), small_digits, noisy_plan(lr), out=tmp_path / "best", progress=False)
    at_peak = truncated(tiny_model_dir, small_digits, lr, peak + 1)
    assert_same_weights(load_file(str(tmp_path / "best" / "model.safetensors")), weights(at_peak))
    assert not all(torch.equal(v, weights(last)[k]) for k, v in weights(best).items())

    record = best.record
    assert [e["val_accuracy"] for e in record["history"]] == curve  # the run itself trained all epochs
    assert record["metrics"] == at_peak.record["metrics"]
    kept = record["kept"]
    assert kept["rule"] == "best" and not kept["kept_last"]
    assert kept["epoch"]["run_epoch"] == peak + 1 and kept["epoch"]["val_accuracy"] == max(curve)
    assert kept["last_epoch"]["run_epoch"] == EPOCHS
    assert kept["last_epoch"]["metrics"] == last.record["metrics"]
    assert f"epoch {peak + 1} of phase 1 'probe'" in record["description"]


def test_patience_ends_the_phase_and_keeps_its_best(tiny_model_dir, small_digits, peaked):
    lr, _, curve = peaked
    patience = 2
    stop = next(i for i in range(len(curve)) if i - curve[: i + 1].index(max(curve[: i + 1])) >= patience)
    run = adapt(str(tiny_model_dir), small_digits, noisy_plan(lr), patience=patience, progress=False)
    assert len(run.record["history"]) == stop + 1 < EPOCHS
    (phase,) = run.record["plan"]["phases"]
    assert phase["early_stopping"] == {"patience": patience, "stopped": True, "epochs_run": stop + 1,
                                       "epochs_planned": EPOCHS}
    peak = curve.index(max(curve[: stop + 1]))
    assert_same_weights(weights(run), weights(truncated(tiny_model_dir, small_digits, lr, peak + 1)))
    assert f"stopped early after {stop + 1} of {EPOCHS} epochs" in run.record["description"]


def test_the_kept_weights_survive_an_interruption(tiny_model_dir, small_digits, peaked, tmp_path, monkeypatch):
    lr, _, curve = peaked
    peak = curve.index(max(curve))
    written = {"n": 0}

    def write_then_stop(*args, **kwargs):
        write_checkpoint(*args, **kwargs)
        written["n"] += 1
        if written["n"] == peak + 2:  # one epoch after the peak: the kept weights are only in the checkpoint
            raise KeyboardInterrupt

    monkeypatch.setattr(resume_module, "write_checkpoint", write_then_stop)
    out = tmp_path / "run"
    with pytest.raises(KeyboardInterrupt):
        adapt(str(tiny_model_dir), small_digits, noisy_plan(lr), out=out, progress=False)
    monkeypatch.setattr(resume_module, "write_checkpoint", write_checkpoint)
    resumed = adapt(str(tiny_model_dir), small_digits, noisy_plan(lr), out=out, resume=True, progress=False)
    assert resumed.record["resumed"]["count"] == 1
    assert_same_weights(weights(resumed), weights(truncated(tiny_model_dir, small_digits, lr, peak + 1)))
    assert resumed.record["kept"]["epoch"]["run_epoch"] == peak + 1


@pytest.mark.integration
def test_compare_applies_the_rule_to_every_candidate(tiny_comparison, tmp_path):
    import json

    for entry in tiny_comparison.runs:
        record = json.loads((tiny_comparison.dir / entry["dir"] / "run.json").read_text())
        assert record["spec"]["keep_rule"] == {"keep": "best", "patience": None}
        assert record["kept"]["rule"] == "best"
        assert entry["val"] == max(e["val_accuracy"] for e in record["history"] if e["val_accuracy"] is not None)


def _phase_run(index: int, model: torch.nn.Module, n_val: int):
    """The parts of a phase's execution that the keeper reads."""
    rp = SimpleNamespace(index=index, phase=SimpleNamespace(name=f"phase {index}"))
    return SimpleNamespace(rp=rp, adapters=None, domain=None, wise=None, standardizer=None,
                           net=SimpleNamespace(model=model),
                           inputs=SimpleNamespace(data=SimpleNamespace(val=range(n_val))))


@pytest.mark.parametrize(("keep", "later", "kept_phase"), [("best-1se", 0.83, 0), ("best-1se", 0.85, 1),
                                                          ("best", 0.83, 1)])
def test_best_1se_wants_a_later_phase_better_by_a_standard_error(keep, later, kept_phase):
    """80% of 100 validation images has a standard error of 4 points: under best-1se a later phase at 83% does not
    replace it, at 85% it does (under best, 83% does); the kept tensors are those the network held then."""
    model = torch.nn.Linear(2, 2)
    keeper = KeptWeights(KeepRule(keep=keep))
    for index, accuracy in ((0, 0.80), (1, later)):
        with torch.no_grad():
            model.weight.fill_(index)
        keeper.after_epoch(_phase_run(index, model, 100), SimpleNamespace(epoch=0, val_accuracy=accuracy), index + 1)
    assert keeper.best["phase"] == kept_phase
    assert torch.all(keeper.state["weight"] == kept_phase)
    margin = {"best": "none", "best-1se": "one standard error"}[keep]
    assert keeper.summary({}, 1)["later_phase_margin"] == margin


def test_within_a_phase_any_gain_is_kept():
    keeper = KeptWeights(KeepRule(keep="best-1se"))
    run = _phase_run(0, torch.nn.Linear(2, 2), 100)
    for epoch, accuracy in enumerate((0.80, 0.81, 0.805)):
        keeper.after_epoch(run, SimpleNamespace(epoch=epoch, val_accuracy=accuracy), epoch + 1)
    assert keeper.best["epoch"] == 1


def test_a_run_records_the_rule_it_kept_by(tiny_model_dir, small_digits, tmp_path):
    adapt(str(tiny_model_dir), small_digits, "lp-ft:probe_epochs=1,epochs=1", keep="best-1se", out=tmp_path / "run",
          progress=False)
    kept = json.loads((tmp_path / "run" / "run.json").read_text())["kept"]
    assert kept["rule"] == "best-1se" and kept["later_phase_margin"] == "one standard error"
